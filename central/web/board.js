/*
 * /board: every hall under the viewer's (or ?hall=ID's) hall, refreshed every 5 s from
 * /api/v1/board: waiting in all and per service, the oldest wait (amber past 30 min), open
 * alerts, whether the centre is in contact with the hall and the lag of its last event.
 */
import { api, signIn, signOut, esc, dur, bi } from './central.js';

const $ = (id) => document.getElementById(id);
const LATE_S = 30 * 60;
const hall = new URLSearchParams(location.search).get('hall');

function row(h) {
	const svcs = h.services.map((s) => `<span class="svc${s.oldest_wait_s > LATE_S ? ' late' : ''}">` +
		`${esc(s.name || s.service)} ${s.waiting}</span>`).join('') || '<span class="muted">—</span>';
	const contact = h.in_contact
		? '<span class="contact ok">在线 <span class="en" lang="en">in contact</span></span>'
		: `<span class="contact lost">失联 <span class="en" lang="en">out of contact</span></span>` +
		  `<br><span class="muted">${h.silent_s === null ? '从未上报 never heard' : dur(h.silent_s)}</span>`;
	return `<tr class="depth${Math.min(h.depth, 3)}${h.in_contact ? '' : ' lost'}">
		<th>${bi(h.name || h.hall_id, h.name_en)}<span class="en">${esc(h.hall_id)}</span></th>
		<td class="num big">${h.waiting}</td>
		<td class="num${h.oldest_wait_s > LATE_S ? ' late' : ''}">${dur(h.oldest_wait_s)}</td>
		<td>${svcs}</td>
		<td class="num">${h.open_alerts ? `<span class="alerts">${h.open_alerts}</span>` : '0'}</td>
		<td>${contact}</td>
		<td class="num">${h.lag_s === null ? '—' : `${h.lag_s.toFixed(1)} s`}</td></tr>`;
}

async function refresh() {
	try {
		const b = await api(`/api/v1/board${hall ? `?hall=${encodeURIComponent(hall)}` : ''}`);
		const hs = b.halls;
		$('halls').innerHTML = hs.map(row).join('');
		$('n-halls').textContent = hs.length;
		$('n-waiting').textContent = hs.reduce((n, h) => n + h.waiting, 0);
		const oldest = Math.max(-1, ...hs.map((h) => h.oldest_wait_s ?? -1));
		$('n-oldest').textContent = oldest < 0 ? '—' : dur(oldest);
		$('f-oldest').classList.toggle('hot', oldest > LATE_S);
		const alerts = hs.reduce((n, h) => n + h.open_alerts, 0), lost = hs.filter((h) => !h.in_contact).length;
		$('n-alerts').textContent = alerts;
		$('f-alerts').classList.toggle('hot', alerts > 0);
		$('n-lost').textContent = lost;
		$('f-lost').classList.toggle('bad', lost > 0);
		$('live').textContent = '● 实时 live';
		$('live').classList.remove('down');
		$('error').textContent = '';
		document.body.dataset.rows = hs.length;
	} catch (e) {
		if (e.status === 401) { location.reload(); return; }
		$('live').textContent = e.status === 503 ? '● 中心数据库不可用 central database away' : '● 出错 error';
		$('live').classList.add('down');
		$('error').textContent = e.status === 503 ? '' : e.message;
	}
}

function tick() { $('clock').textContent = new Date().toLocaleTimeString('zh-CN', { hour12: false }); }

await signIn($('signin'));
$('nav').hidden = false;
$('wall').hidden = false;
$('signout').addEventListener('click', signOut);
tick();
setInterval(tick, 1000);
await refresh();
setInterval(refresh, 5000);
