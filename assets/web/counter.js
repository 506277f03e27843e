/*
 * hallq: the clerk's counter page (/counter). After the sign-in (counter number, clerk id and
 * PIN, or the counter's token: a session of role counter:N) it shows the counter's view
 * (GET /api/v1/counters/N: the current ticket, the parked ones, those sent here, the
 * services' queues, the last finished ticket) and reads it again whenever the event stream
 * says something of this counter or its services changed, so a key pressed on the counter
 * unit or a call made from another page shows at once. Each action is a button with a key;
 * one request at a time, its buttons disabled while it runs, and each carries its own
 * Idempotency-Key (common.js api()), so a double click does one thing. The page never rates:
 * after a finish it tells the clerk that the citizen is asked on the evaluation screen
 * (/counter/N/evaluate) and shows the rating when it comes.
 */
import {
	$, api, bi, clock, el, follow, hall, hallNow, liveBadge, loadHall, minutes, reasonWords,
	serviceName, setBi, signOut, signedIn, stateWords, t, LEVELS, PAUSE_REASONS,
} from './common.js';

/* How long after a finish a rating is still taken (docs/api.md, evaluate): 120 s of hall time. */
const RATE_WINDOW_MS = 120 * 1000;

let sess = null;      /* the session: role counter:N, the clerk if one signed in with a PIN */
let n = 0;            /* this counter's number */
let view = null;      /* the last GET /api/v1/counters/N */
let busy = false;     /* a request of the clerk's is in flight */
let stream = null;

/*
 * The actions, in the order of the buttons. `key` is the shortcut (shown on the button);
 * `ok(c, cur)` whether it fits the counter c and its current ticket cur now (the server
 * decides in the end: a refusal is shown as its message).
 */
const OPS = [
	{ id: 'call-next', key: 'N', zh: '呼叫下一位', en: 'Call next', cls: 'primary big',
	  ok: (c) => c.state === 'open', run: () => act('call-next') },
	{ id: 'recall', key: 'R', zh: '重呼', en: 'Recall',
	  ok: (c, cur) => cur && cur.state === 'called', run: () => act('recall') },
	{ id: 'start', key: 'S', zh: '开始办理', en: 'Start',
	  ok: (c, cur) => cur && cur.state === 'called', run: () => act('start') },
	{ id: 'finish', key: 'F', zh: '办结', en: 'Finish', cls: 'go',
	  ok: (c, cur) => !!cur, run: () => act('finish') },
	{ id: 'no-show', key: 'X', zh: '过号', en: 'No-show', cls: 'warn',
	  ok: (c, cur) => cur && cur.state === 'called', run: () => act('no-show') },
	{ id: 'park', key: 'K', zh: '暂挂', en: 'Park',
	  ok: (c, cur) => !!cur, run: () => act('park') },
	{ id: 'call-number', key: 'C', zh: '按号呼叫', en: 'Call a number',
	  ok: (c) => c.state === 'open', run: () => askNumber('') },
	{ id: 'transfer', key: 'T', zh: '转办', en: 'Transfer',
	  ok: (c, cur) => !!cur, run: () => askTransfer() },
	{ id: 'pause', key: 'P', zh: '暂停', en: 'Pause', cls: 'warn',
	  ok: (c) => c.state !== 'closed', run: () => askPause() },
	{ id: 'resume', key: 'U', zh: '恢复', en: 'Resume', cls: 'go',
	  ok: (c) => c.state !== 'open', run: () => act(view.counter.state === 'closed' ? 'open' : 'resume') },
	{ id: 'sign-out', key: 'O', zh: '签退', en: 'Sign out', cls: 'quiet',
	  ok: () => true, run: () => askSignOut() },
];

const counterPath = (op) => '/api/v1/counters/' + n + (op ? '/' + op : '');

/* ---- The page's messages: an API refusal in its own words, or a note. ---- */

function say(text, kind = 'error') {
	const m = $('msg');
	m.className = 'msg ' + kind;
	m.textContent = text;
	m.hidden = !text;
}

function apiMessage(e) {
	if (e.status === 401)
		return t('登录已失效，请重新登录', 'The session has ended: sign in again');
	if (e.status === 403 && e.code === 'csrf')
		return t('页面已过期，请刷新', 'The page is out of date: reload it');
	return e.message;
}

/* ---- Actions ---- */

/* One request of the clerk's: the buttons off while it runs, the view read again after it. */
async function act(op, body) {
	if (busy)
		return null;
	busy = true;
	renderOps();
	say('');
	let answer = null;
	try {
		answer = await api('POST', counterPath(op), body);
		if (op === 'call-next' && answer === null)
			say(t('无人等候', 'Nobody is waiting'), 'note');
		if (op === 'transfer' && answer)
			say(t('已转办 ' + answer.label + ' 至 ' + targetWords(answer),
			      'Transferred ' + answer.label + ' to ' + targetWords(answer)), 'note');
	} catch (e) {
		say(apiMessage(e));
		if (e.status === 401)
			return restart();
		answer = e;
	} finally {
		busy = false;
	}
	await refresh();
	return answer;
}

function targetWords(tk) {
	return tk.target_counter ? t(tk.target_counter + ' 号窗口', 'counter ' + tk.target_counter)
		: serviceName(tk.service);
}

/* ---- Dialogs: a typed number, a transfer target, a pause reason, the sign-out. ---- */

function dialog(id, { title, ok, setup, submit }) {
	const d = $(id);
	const f = d.querySelector('form');
	setBi(d.querySelector('h2'), title[0], title[1]);
	setBi(d.querySelector('button.primary'), ok[0], ok[1]);
	setBi(d.querySelector('button.cancel'), '取消', 'Cancel').append(' ', el('kbd', '', 'Esc'));
	d.querySelector('button.cancel').onclick = () => d.close();
	const err = d.querySelector('.error') || d.querySelector('p');
	err.textContent = '';
	if (setup)
		setup(d);
	f.onsubmit = async (ev) => {
		ev.preventDefault();
		if (busy)
			return;
		const r = await submit(d);
		if (r instanceof Error)
			err.textContent = apiMessage(r);
		else if (r !== false)
			d.close();
	};
	d.showModal();
}

/* The dialogs' fields get their labels at once, not when a dialog first opens: a field
 * without words is one that a screen reader cannot name. */
function labelFields() {
	setBi($('number-l'), '号码（如 12 或 A012）', 'Number (12 or A012)');
	setBi($('target-l'), '转至业务或窗口', 'To a service or a counter');
	setBi($('reason-text-l'), '说明（可选）', 'Note (optional)');
}

function askNumber(first) {
	dialog('dlg-number', {
		title: ['按号呼叫', 'Call a number'], ok: ['呼叫', 'Call'],
		setup: () => {
			setBi($('number-l'), '号码（如 12 或 A012）', 'Number (12 or A012)');
			$('number').value = first;
			$('number').focus();
		},
		submit: () => {
			const v = $('number').value.trim().toUpperCase();
			if (!v)
				return false;
			return act('call', /^\d+$/.test(v) ? { number: Number(v) } : { ticket: v });
		},
	});
}

async function askTransfer() {
	/* The queues as they are now, for the list. */
	await loadHall().catch(() => {});
	dialog('dlg-transfer', {
		title: ['转办', 'Transfer'], ok: ['转办', 'Transfer'],
		setup: () => {
			setBi($('target-l'), '转至业务或窗口', 'To a service or a counter');
			const s = $('target');
			s.replaceChildren();
			const g1 = el('optgroup');
			g1.label = t('业务（排队）', 'Service (joins its queue)');
			for (const v of hall.services) {
				const o = el('option', '', t(v.name, v.name_en) + ' · ' + t('等候 ' + v.waiting, v.waiting + ' waiting'));
				o.value = 's:' + v.key;
				g1.append(o);
			}
			const g2 = el('optgroup');
			g2.label = t('窗口（指定）', 'Counter (by name)');
			for (const c of hall.counters) {
				if (c.number === n)
					continue;
				const o = el('option', '', t(c.name || c.number + '号窗口', c.name_en || 'Counter ' + c.number) +
					' · ' + stateWords(c.state));
				o.value = 'c:' + c.number;
				g2.append(o);
			}
			s.append(g1, g2);
			s.selectedIndex = 0;
			s.focus();
		},
		submit: () => {
			const v = $('target').value;
			if (!v)
				return false;
			return act('transfer', v[0] === 's' ? { service: v.slice(2) } : { counter: Number(v.slice(2)) });
		},
	});
}

function askPause() {
	dialog('dlg-pause', {
		title: ['暂停窗口', 'Pause the counter'], ok: ['暂停', 'Pause'],
		setup: () => {
			const fs = $('reasons');
			fs.replaceChildren(setBi(el('legend'), '原因', 'Reason'));
			PAUSE_REASONS.forEach(([code, zh, en], i) => {
				const id = 'reason-' + code;
				const r = el('input');
				Object.assign(r, { type: 'radio', name: 'reason', value: code, id, checked: i === 0 });
				const l = el('label', 'choice', r, ' ', el('kbd', '', String(i + 1)), ' ', bi(zh, en));
				l.htmlFor = id;
				fs.append(l);
			});
			setBi($('reason-text-l'), '说明（可选）', 'Note (optional)');
			$('reason-text').value = '';
			fs.querySelector('input:checked').focus();
		},
		submit: (d) => {
			const code = d.querySelector('input[name=reason]:checked').value;
			const text = $('reason-text').value.trim();
			return act('pause', { reason: text ? code + ': ' + text : code });
		},
	});
}

function askSignOut() {
	dialog('dlg-signout', {
		title: ['签退', 'Sign out'], ok: ['签退', 'Sign out'],
		setup: (d) => {
			setBi($('signout-p'), sess.clerk ? '工号 ' + sess.clerk + ' 将从 ' + n + ' 号窗口签退。' : '本页面将退出登录。',
			      sess.clerk ? 'Clerk ' + sess.clerk + ' signs out of counter ' + n + '.' : 'This page signs out.');
			d.querySelector('button.primary').focus();
		},
		submit: async () => {
			if (stream)
				stream.close();
			await signOut(!!sess.clerk);
			location.reload();
			return true;
		},
	});
}

/* ---- Keys: a letter runs its button; digits open "call a number" with them typed. ---- */

function onKey(ev) {
	if (ev.ctrlKey || ev.metaKey || ev.altKey || !view)
		return;
	if (document.querySelector('dialog[open]')) {
		const d = document.querySelector('dialog[open]');
		/* In the pause dialog, digits pick a reason (when not typing the note). */
		if (d.id === 'dlg-pause' && ev.target.id !== 'reason-text' && /^[1-9]$/.test(ev.key)) {
			const r = d.querySelectorAll('input[name=reason]')[Number(ev.key) - 1];
			if (r) {
				r.checked = true;
				r.focus();
				ev.preventDefault();
			}
		}
		return;
	}
	const tag = ev.target && ev.target.tagName;
	if (tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA')
		return;
	if (/^[0-9]$/.test(ev.key)) {
		if (view.counter.state === 'open') {
			ev.preventDefault();
			askNumber(ev.key);
		}
		return;
	}
	const op = OPS.find((o) => o.key === ev.key.toUpperCase());
	if (!op)
		return;
	ev.preventDefault();
	const b = $(op.id);
	if (b && !b.disabled)
		op.run();
}

/* ---- The view ---- */

let fetching = null, again = false, timer = null;

/* Read the counter view again; calls while one is running make one more after it. */
async function refresh() {
	if (fetching) {
		again = true;
		return fetching;
	}
	fetching = (async () => {
		do {
			again = false;
			try {
				view = await api('GET', counterPath());
				render();
			} catch (e) {
				say(apiMessage(e));
				if (e.status === 401 || e.status === 403)
					return restart();
			}
		} while (again);
	})();
	try {
		await fetching;
	} finally {
		fetching = null;
	}
}

/* Events come in bursts (a call-next is a finish and a call): one read for a burst. */
function soon() {
	if (!timer)
		timer = setTimeout(() => { timer = null; refresh(); }, 25);
}

function mine(ev) {
	if (ev.counter === n || ev.value === n && ev.type === 'transferred')
		return true;
	if (ev.type === 'config_applied' || ev.type === 'day_closed')
		return true;
	return !!(ev.service && view && view.services.some((s) => s.key === ev.service));
}

function onEvent(ev) {
	if (ev.type === 'config_applied')
		loadHall().catch(() => {});
	if (mine(ev))
		soon();
}

function render() {
	const c = view.counter;
	const name = t(c.name || n + '号窗口', c.name_en || 'Counter ' + n);
	setBi($('title'), c.name || n + '号窗口', c.name_en || 'Counter ' + n);
	document.title = name + ' · hallq';
	$('who').replaceChildren(...[
		el('span', 'state-pill ' + c.state, stateWords(c.state)),
		c.state === 'paused' ? el('span', 'reason', reasonWords(c.reason)) : null,
		c.clerk ? el('span', 'clerk', t('工号', 'Clerk') + ' ' + c.clerk)
			: el('span', 'clerk none', t('未签到', 'No clerk signed in')),
	].filter(Boolean));
	renderCurrent();
	renderOps();
	renderServices();
	renderTickets($('parked'), view.parked, (tk) => {
		/* Calls the parked ticket to this counter at once (call takes a parked ticket,
		 * docs/api.md), rather than putting it back in the queue. */
		const b = el('button', 'call-back', bi('叫回', 'Call back'));
		b.type = 'button';
		b.dataset.ticket = tk.label;
		b.setAttribute('aria-label', t('叫回 ' + tk.label, 'Call back ' + tk.label));
		b.disabled = busy || c.state !== 'open';
		b.onclick = () => { b.disabled = true; act('call', { ticket: tk.id }); };
		return b;
	}, t('没有暂挂的号票', 'No parked tickets'));
	renderTickets($('sent'), view.sent_here, (tk) => {
		const b = el('button', '', bi('呼叫', 'Call'));
		b.type = 'button';
		b.setAttribute('aria-label', t('呼叫 ' + tk.label, 'Call ' + tk.label));
		b.disabled = busy || c.state !== 'open';
		b.onclick = () => { b.disabled = true; act('call', { ticket: tk.id }); };
		return b;
	}, t('没有', 'None'));
	renderRating();
	tick();
}

function renderCurrent() {
	const cur = view.counter.serving;
	const box = $('current');
	if (!cur) {
		box.replaceChildren(el('p', 'idle', t('空闲，可呼叫下一位', 'Free: call the next citizen')));
		box.dataset.state = 'idle';
		return;
	}
	box.dataset.state = cur.state;
	const waited = cur.called_at && cur.issued_at ? (Date.parse(cur.called_at) - Date.parse(cur.issued_at)) / 1000 : null;
	box.replaceChildren(
		el('div', 'label', cur.label),
		el('div', 'meta',
			el('span', 'state-pill ' + cur.state, stateWords(cur.state)),
			el('span', 'svc', t(cur.service_name, cur.service_name_en)),
			cur.class !== 'normal' ? el('span', 'tag', cur.class === 'priority' ? t('优先', 'Priority') : t('预约', 'Appointment')) : null,
			cur.recalls ? el('span', 'tag', t('已重呼 ' + cur.recalls + ' 次', 'recalled ' + cur.recalls + '×')) : null),
		el('dl', 'times',
			el('div', '', el('dt', '', t('等候', 'Waited')), el('dd', '', el('span', 'num', minutes(waited)))),
			el('div', '', el('dt', '', cur.state === 'serving' ? t('办理用时', 'At the counter') : t('呼叫后', 'Since the call')),
				el('dd', '', el('span', 'num ticking', '')))));
}

/* The clock of the current ticket and the hall's time, on the hall's clock. */
function tick() {
	const now = hallNow();
	const d = new Date(now);
	/* The hall's local time: the server's ISO time carries its offset. */
	const off = hall && hall.time ? hall.time.slice(19) : '';
	$('clock').textContent = hallClock(now, off) || d.toTimeString().slice(0, 5);
	const cur = view && view.counter.serving;
	const tk = document.querySelector('#current .ticking');
	if (cur && tk) {
		const from = Date.parse(cur.state === 'serving' && cur.started_at ? cur.started_at : cur.called_at);
		tk.textContent = clock((now - from) / 1000);
	}
	if (view)
		renderRating();
}

/* HH:MM:SS of unix ms `ms` at the UTC offset `off` ("+08:00"). */
function hallClock(ms, off) {
	const m = /^([+-])(\d\d):(\d\d)$/.exec(off);
	if (!m)
		return '';
	const shift = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60000;
	return new Date(ms + shift).toISOString().slice(11, 19);
}

function renderOps() {
	const box = $('ops');
	if (!box.childElementCount) {
		for (const o of OPS) {
			const b = el('button', 'op ' + (o.cls || ''), bi(o.zh, o.en, 'span'), el('kbd', '', o.key));
			b.type = 'button';
			b.id = o.id;
			b.setAttribute('aria-keyshortcuts', o.key);
			b.onclick = () => { if (!busy) o.run(); };
			box.append(b);
		}
	}
	if (!view)
		return;
	const c = view.counter, cur = c.serving;
	for (const o of OPS) {
		const b = $(o.id);
		b.disabled = busy || !o.ok(c, cur);
		b.setAttribute('aria-busy', String(busy));
		if (o.id === 'resume') {
			const [zh, en] = c.state === 'closed' ? ['开放窗口', 'Open'] : ['恢复', 'Resume'];
			setBi(b.querySelector('span'), zh, en);
		}
	}
	for (const b of document.querySelectorAll('#parked button, #sent button'))
		b.disabled = busy;
}

function renderServices() {
	setBi($('th-svc'), '业务', 'Service');
	setBi($('th-wait'), '等候', 'Waiting');
	setBi($('th-old'), '最久等候', 'Longest wait');
	const body = $('services').tBodies[0];
	body.replaceChildren(...view.services.map((s) => {
		const tr = el('tr', s.waiting ? '' : 'none',
			el('td', '', bi(s.name, s.name_en)),
			el('td', 'num', String(s.waiting)),
			el('td', 'num', s.oldest_wait_s === null || s.oldest_wait_s === undefined ? '—' : minutes(s.oldest_wait_s)));
		tr.dataset.service = s.key;
		return tr;
	}));
}

function renderTickets(ul, list, button, none) {
	ul.replaceChildren(...(list.length ? list.map((tk) => {
		const li = el('li', '', el('span', 'tlabel', tk.label), el('span', 'tsvc', t(tk.service_name, tk.service_name_en)), button(tk));
		li.dataset.ticket = tk.label;
		return li;
	}) : [el('li', 'muted', none)]));
}

/* After a finish: the citizen is asked on the evaluation screen; then their rating. */
function renderRating() {
	const p = $('rating');
	const lf = view.last_finished;
	if (!lf || view.counter.serving) {
		p.hidden = true;
		return;
	}
	const age = hallNow() - Date.parse(lf.ended_at);
	let text, cls;
	if (lf.rating) {
		const lv = LEVELS.find((l) => l[0] === lf.rating);
		text = t(lf.label + ' 的评价：' + lv[1], lf.label + ' rated: ' + lv[2]);
		cls = lf.rating >= 3 ? 'good' : 'bad';
	} else if (age < RATE_WINDOW_MS) {
		text = t('已办结 ' + lf.label + '，请群众在评价器上评价', lf.label + ' finished: the citizen is asked to rate on the evaluation screen');
		cls = 'asking';
	} else {
		p.hidden = true;
		return;
	}
	if (p.textContent !== text)
		p.textContent = text;
	p.className = 'rating ' + cls;
	p.hidden = false;
}

/* ---- Start ---- */

function restart() {
	if (stream)
		stream.close();
	location.reload();
}

function accept(s) {
	if (!/^counter:\d+$/.test(s.role))
		return t('这不是窗口的登录（' + s.role + '）', 'This is not a counter\'s sign-in (' + s.role + ')');
	return '';
}

async function main() {
	liveBadge($('live'))(false);
	labelFields();
	const want = new URLSearchParams(location.search).get('n') || localStorage.getItem('hallq.counter') || '';
	$('work').hidden = true;
	try {
		sess = await signedIn($('signin'), { kinds: ['clerk', 'token'], counter: want, accept });
		await loadHall();
	} catch (e) {
		$('signin').replaceChildren(el('p', 'error', apiMessage(e)));
		return;
	}
	n = sess.counter || Number(sess.role.split(':')[1]);
	localStorage.setItem('hallq.counter', String(n));
	$('work').hidden = false;
	renderOps();
	stream = follow(onEvent, {
		since: hall.last_event_id,
		onState: (up) => {
			liveBadge($('live'))(up);
			if (up)
				soon(); /* what happened while the stream was down */
		},
	});
	await refresh();
	document.addEventListener('keydown', onKey);
	setInterval(tick, 500);
}

main();
