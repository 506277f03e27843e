/*
 * /ranking: the halls under a region ranked by their appraisal score for a month, from
 * /api/v1/ranking; the CSV link fetches the same with the token (a plain link could not
 * send it) and saves it.
 */
import { api, token, signIn, signOut, esc, pct, bi } from './central.js';

const $ = (id) => document.getElementById(id);
const num = (v, d = 0) => (v === null || v === undefined ? '—' : Number(v).toFixed(d));

function query() {
	return `hall=${encodeURIComponent($('hall').value)}&month=${encodeURIComponent($('month').value)}`;
}

async function show() {
	try {
		const r = await api(`/api/v1/ranking?${query()}`);
		$('rows').innerHTML = r.halls.map((h) => `<tr class="top${h.rank}">
			<td class="rank">${h.rank ?? '—'}</td>
			<th>${bi(h.name || h.hall_id, h.name_en)}<span class="en">${esc(h.hall_id)}</span></th>
			<td class="num big">${num(h.score, 2)}</td>
			<td class="num">${num(h.called)}</td><td class="num">${num(h.served)}</td>
			<td class="num">${pct(h.on_time_rate)}</td><td class="num">${pct(h.satisfaction_rate)}</td>
			<td class="num">${num(h.bad_reviews)}</td><td class="num">${pct(h.rectify_rate)}</td></tr>`).join('');
		$('error').textContent = '';
		document.body.dataset.rows = r.halls.length;
	} catch (e) {
		$('error').textContent = e.status === 503 ? '中心数据库不可用 The central database is away' : e.message;
	}
}

async function csv(ev) {
	ev.preventDefault();
	const res = await fetch(`/api/v1/ranking?${query()}&format=csv`, { headers: { Authorization: `Bearer ${token()}` } });
	const a = document.createElement('a');
	a.href = URL.createObjectURL(await res.blob());
	a.download = `ranking-${$('hall').value}-${$('month').value}.csv`;
	a.click();
	URL.revokeObjectURL(a.href);
}

await signIn($('signin'));
$('nav').hidden = false;
$('page').hidden = false;
$('signout').addEventListener('click', signOut);
const params = new URLSearchParams(location.search);
const now = new Date();
$('month').value = params.get('month') || `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`;
try {
	/* The regions one may rank: the viewer's hall and every hall below it with halls of its own. */
	const t = await api('/api/v1/halls');
	const parents = new Set(t.halls.map((h) => h.parent));
	$('hall').innerHTML = t.halls.filter((h) => parents.has(h.hall_id) || h.depth === 0)
		.map((h) => `<option value="${esc(h.hall_id)}">${'　'.repeat(h.depth)}${esc(h.name || h.hall_id)} ${esc(h.name_en || '')}</option>`).join('');
	if (params.get('hall')) $('hall').value = params.get('hall');
} catch (e) {
	$('error').textContent = e.message;
}
$('controls').addEventListener('submit', (ev) => { ev.preventDefault(); show(); });
$('csv').addEventListener('click', csv);
await show();
