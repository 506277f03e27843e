/*
 * /manage: the live hall on a supervisor's big screen. Every service (people waiting, the
 * oldest wait, the estimate, today's on-time rate), every counter (state, clerk, the ticket
 * at its window and for how long, a pause and its reason), the open alerts with their
 * acknowledgement, and the health of the gateways, units, kiosks and printers.
 *
 * It follows the event stream and refetches only what an event changes. Each source
 * (the hall, today's figures, the alerts, the devices) is refetched at most once per its
 * own interval however many events arrive, and the page keeps one element per service,
 * counter and alert, changing the text of the ones that changed: a hall at 120x speed sends
 * many events a second, and rebuilding the page for each would cost the browser a core.
 * Durations count on the hall's clock (hallNow), once a second.
 */
import {
	$, api, bi, clock, el, english, follow, hall, hallNow, liveBadge, loadHall, newKey, percent, rangeMinutes,
	reasonWords, setBi, signedIn, signOut, t,
} from './common.js';

const SEVERITY = {
	critical: ['严重', 'Critical'], warning: ['警告', 'Warning'], info: ['提示', 'Info'],
};
/* Each alert's title, Chinese first, by its kind (docs/queue.md, Alerts); a device alert by
 * what its subject is. The server's message, in English, goes beside. */
const ALERT_KINDS = {
	wait: ['等候超时', 'Long wait'], queue: ['排队人数过多', 'Long queue'],
	pause: ['窗口暂停过久', 'Long pause'], pause_reason: ['暂停未说明原因', 'Pause without a reason'],
	unstaffed: ['窗口无人值守', 'No clerk at the counter'], idle: ['窗口长时间未叫号', 'No calls'],
	slow: ['办理时间过长', 'Slow service'], noshows: ['连续过号', 'No-show streak'],
	bad_review: ['差评待核实', 'Bad review not verified'], case_overdue: ['差评整改逾期', 'Case overdue'],
	device: ['设备故障', 'Device down'],
};
const DEVICE_KINDS = {
	gateway: ['网关离线', 'Gateway down'], unit: ['窗口终端离线', 'Counter unit down'],
	kiosk: ['取号机离线', 'Kiosk down'], printer: ['打印机故障', 'Printer fault'],
};

function alertTitle(a) {
	const dev = a.kind === 'device' && DEVICE_KINDS[(a.subject || '').split(':')[0]];
	return dev || ALERT_KINDS[a.kind] || [a.rule || a.kind, ''];
}

/* What the alert is about, in both languages where the hall names it: a counter and its
 * clerk, a service, a bad-review case or a device. */
function alertSubject(a) {
	const parts = [];
	if (a.counter) {
		const c = hall && hall.counters.find((x) => x.number === a.counter);
		parts.push(bi(c ? c.name || a.counter + '号窗口' : a.counter + '号窗口', c ? c.name_en || 'Counter ' + a.counter : 'Counter ' + a.counter));
		if (a.clerk)
			parts.push(el('span', '', t('工号 ', 'clerk ') + clerkWords(a.clerk)));
	}
	if (a.service) {
		const s = hall && hall.services.find((x) => x.key === a.service);
		parts.push(s ? bi(s.name, s.name_en) : el('span', '', a.service));
	}
	const [what, id] = (a.subject || '').split(/:(.*)/s);
	if (what === 'case')
		parts.push(bi('整改 #' + id, 'case #' + id));
	else if (DEVICE_KINDS[what] && what !== 'unit')
		parts.push(el('span', '', id));
	return parts;
}

const PRINTER = {
	ok: ['正常', 'OK'], near_end: ['纸将尽', 'Paper low'], paper_out: ['缺纸', 'Paper out'],
	cover_open: ['盖未关', 'Cover open'], error: ['故障', 'Fault'], offline: ['无响应', 'Offline'],
	none: ['无打印机', 'No printer'],
};

let clerks = new Map();           /* clerk id -> name, from the roster */
let onTime = new Map();           /* service key -> today's stats row */
let openAlerts = [];              /* as /api/v1/alerts last said */
const serviceRows = new Map();    /* key -> {tr, cells} */
const counterTiles = new Map();   /* number -> {li, parts, since} */
const alertItems = new Map();     /* id -> {li, parts} */

/* Set an element's text only when it differs: a write that changes nothing still costs
 * the browser a style and layout pass on a page this size. */
function text(node, s) {
	s = String(s);
	if (node.textContent !== s)
		node.textContent = s;
}

function cls(node, name, on) {
	if (node.classList.contains(name) !== on)
		node.classList.toggle(name, on);
}

function showError(msg) {
	text($('error'), msg || '');
}

/*
 * A source of data refetched on demand: mark() asks for a refetch soon; marks that come
 * while one is waiting or running are coalesced into the next, and two fetches are at
 * least `gap` ms apart.
 */
function source(load, gap) {
	let dirty = false, busy = false, last = -Infinity, timer = null;
	const run = async () => {
		timer = null;
		dirty = false;
		busy = true;
		last = performance.now();
		try {
			await load();
			showError('');
		} catch (e) {
			if (e.status === 401)
				location.reload();
			showError(e.message);
		}
		busy = false;
		if (dirty)
			mark();
	};
	const mark = (soon = 60) => {
		dirty = true;
		if (timer || busy)
			return;
		timer = setTimeout(run, Math.max(soon, last + gap - performance.now()));
	};
	return { mark };
}

/* The hall's local date and time now, from its clock and the offset its times carry. */
function hallLocal() {
	const off = hall && /([+-])(\d\d):(\d\d)$/.exec(hall.time);
	const ms = off ? (off[1] === '-' ? -1 : 1) * (off[2] * 60 + Number(off[3])) * 60000 : 0;
	return new Date(hallNow() + ms).toISOString();
}

function clerkWords(id) {
	if (!id)
		return '';
	const name = clerks.get(id);
	return name ? name + ' · ' + id : id;
}

/* ---- services ---- */

function serviceRow(s) {
	const tr = el('tr');
	const name = el('th', 'svc-name');
	name.scope = 'row';
	const cells = {
		name, waiting: el('td', 'num big'), oldest: el('td', 'num'), est: el('td', 'num'),
		ontime: el('td', 'num'),
	};
	tr.append(name, cells.waiting, cells.oldest, cells.est, cells.ontime);
	tr.dataset.service = s.key;
	return { tr, cells, oldestAt: null, estNone: false };
}

function renderServices() {
	const body = $('services');
	const seen = new Set();
	const late = new Set(openAlerts.filter((a) => a.kind === 'wait' || a.kind === 'queue').map((a) => a.service));
	hall.services.forEach((s, i) => {
		seen.add(s.key);
		let row = serviceRows.get(s.key);
		if (!row) {
			row = serviceRow(s);
			serviceRows.set(s.key, row);
		}
		if (body.children[i] !== row.tr)
			body.insertBefore(row.tr, body.children[i] || null);
		const c = row.cells;
		if (row.nameKey !== s.name + s.name_en + s.open) {
			row.nameKey = s.name + s.name_en + s.open;
			setBi(c.name, s.name, s.name_en);
			if (!s.open)
				c.name.append(' ', bi('未开放', 'closed', 'small'));
		}
		cls(row.tr, 'closed', !s.open);
		cls(row.tr, 'late', late.has(s.key));
		text(c.waiting, s.waiting);
		/* The oldest wait counts on from the moment of the hall's answer. */
		row.oldestAt = s.oldest_wait_s === null || s.oldest_wait_s === undefined ? null
			: hall.time_ms - s.oldest_wait_s * 1000;
		/* A duration as the oldest wait beside it is: m:ss, whole minutes. No estimate
		 * (est_wait_s null: no counter of the service is open) is said in words, not 0:00. */
		const none = (s.waiting > 0 || s.open) && typeof s.est_wait_s !== 'number';
		if (none !== row.estNone) {
			row.estNone = none;
			cls(c.est, 'none', none);
			if (none)
				setBi(c.est, '窗口暂未开放', 'No counter open yet');
		}
		/* A hall with estimate_display = range: the 80% range in minutes, "15–25′", as
		 * narrow as the point's m:ss, so that the columns still fit; within a minute, the
		 * point. */
		const range = !none && hall.estimate_display === 'range' ? rangeMinutes(s.est_wait_range_s) : null;
		if (!none && range && range[1] > 1 && (s.waiting || s.open))
			text(c.est, range[0] + '–' + range[1] + '′');
		else if (!none)
			text(c.est, s.waiting || s.open ? clock(Math.round(s.est_wait_s / 60) * 60) : '—');
		const st = onTime.get(s.key);
		text(c.ontime, st && st.called ? percent(st.on_time_rate, 0) : '—');
	});
	for (const [key, row] of serviceRows)
		if (!seen.has(key)) {
			row.tr.remove();
			serviceRows.delete(key);
		}
	tickServices();
}

function tickServices() {
	const now = hallNow();
	for (const row of serviceRows.values())
		text(row.cells.oldest, row.oldestAt === null ? '—' : clock((now - row.oldestAt) / 1000));
}

/* ---- counters ---- */

function counterTile(c) {
	const li = el('li', 'tile');
	const parts = {
		no: el('span', 'no'), name: el('span', 'cname'), state: el('span', 'state'),
		ticket: el('span', 'ticket'), dur: el('span', 'dur'), clerk: el('span', 'clerk'),
		reason: el('div', 'reason'),
	};
	li.dataset.counter = c.number;
	li.append(el('div', 'thead', parts.no, parts.state), parts.name, parts.ticket,
		  el('div', 'tfoot', parts.dur, parts.clerk), parts.reason);
	return { li, parts, since: null };
}

/* What a counter is doing, in words and as a class for its colour. */
function counterMood(c) {
	if (c.state === 'closed')
		return ['closed', '关闭', 'Closed'];
	if (c.state === 'paused')
		return ['paused', '暂停', 'Paused'];
	if (c.serving)
		return c.serving.state === 'serving' ? ['serving', '办理中', 'Serving'] : ['called', '已呼叫', 'Called'];
	if (!c.clerk)
		return ['unstaffed', '无人值守', 'No clerk'];
	return ['idle', '空闲', 'Idle'];
}

function renderCounters() {
	const list = $('counters');
	const seen = new Set();
	const counts = { serving: 0, paused: 0 };
	hall.counters.forEach((c, i) => {
		seen.add(c.number);
		let tile = counterTiles.get(c.number);
		if (!tile) {
			tile = counterTile(c);
			counterTiles.set(c.number, tile);
		}
		if (list.children[i] !== tile.li)
			list.insertBefore(tile.li, list.children[i] || null);
		const p = tile.parts;
		const [mood, zh, en] = counterMood(c);
		if (tile.mood !== mood) {
			tile.li.className = 'tile ' + mood;
			tile.mood = mood;
			setBi(p.state, zh, en);
		}
		if (mood === 'serving' || mood === 'called')
			counts.serving++;
		if (mood === 'paused')
			counts.paused++;
		text(p.no, c.number);
		/* The number is the counter's name on the wall; what follows it (（咨询导办）) stays. */
		text(p.name, c.name.replace(/^\d+号窗口/, '').replace(/^[（(](.*)[）)]$/, '$1'));
		text(p.ticket, c.serving ? c.serving.label : '');
		text(p.clerk, clerkWords(c.clerk));
		text(p.reason, c.state === 'paused' ? reasonWords(c.reason) : '');
		cls(p.reason, 'none', !c.reason || c.reason === 'paused');
		/* How long: the ticket since its call; a pause or a close since it began. */
		const iso = c.serving ? c.serving.called_at : c.state !== 'open' ? c.since || c.paused_at : null;
		tile.since = iso ? Date.parse(iso) : null;
		const alert = openAlerts.some((a) => a.counter === c.number);
		cls(tile.li, 'alerted', alert);
	});
	for (const [n, tile] of counterTiles)
		if (!seen.has(n)) {
			tile.li.remove();
			counterTiles.delete(n);
		}
	text($('counter-sum'), t(counts.serving + ' 服务中 · ' + counts.paused + ' 暂停',
				 counts.serving + ' serving · ' + counts.paused + ' paused'));
	tickCounters();
}

function tickCounters() {
	const now = hallNow();
	for (const tile of counterTiles.values())
		text(tile.parts.dur, tile.since === null ? '' : clock((now - tile.since) / 1000));
}

/* ---- alerts ---- */

function whoDefault() {
	try {
		return localStorage.getItem('hallq.who') || '';
	} catch (e) {
		return '';
	}
}

function alertItem(a) {
	const li = el('li', 'alert');
	li.dataset.alert = a.id;
	const parts = {
		sev: el('span', 'sev'), at: el('span', 'at'), title: el('p', 'atitle'), subject: el('p', 'subject'),
		msg: el('p', 'msg'), acked: el('p', 'acked'),
		ack: el('button', 'ack', bi('确认', 'Acknowledge')),
	};
	parts.ack.type = 'button';
	const form = el('form', 'ack-form');
	form.hidden = true;
	const field = (zh, en, name, max) => {
		const input = el('input');
		Object.assign(input, { name, maxLength: max, autocomplete: 'off' });
		const label = el('label', '', bi(zh, en), input);
		form.append(label);
		return input;
	};
	const who = field('确认人', 'Who', 'who', 63);
	who.required = true;
	const note = field('备注', 'Note', 'note', 200);
	const go = el('button', 'primary', bi('确认告警', 'Acknowledge'));
	go.type = 'submit';
	const cancel = el('button', '', bi('取消', 'Cancel'));
	cancel.type = 'button';
	const msg = el('span', 'error');
	form.append(el('div', 'row', go, cancel, msg));
	parts.ack.addEventListener('click', () => {
		form.hidden = false;
		parts.ack.hidden = true;
		who.value = who.value || whoDefault();
		(who.value ? note : who).focus();
	});
	cancel.addEventListener('click', () => {
		form.hidden = true;
		parts.ack.hidden = false;
		parts.ack.focus();
	});
	/* One key per acknowledgement, kept across retries, so a double click acks once. */
	let key = null;
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		go.disabled = true;
		msg.textContent = '';
		key = key || newKey();
		try {
			const done = await api('POST', '/api/v1/alerts/' + a.id + '/ack',
					       { who: who.value.trim(), note: note.value.trim() }, { key });
			try {
				localStorage.setItem('hallq.who', who.value.trim());
			} catch (e) { /* private mode: no memory of the name */ }
			form.hidden = true;
			updateAlert(alertItems.get(a.id), done);
		} catch (e) {
			msg.textContent = e.message;
			if (e.status && e.status !== 503)
				key = null;
		}
		go.disabled = false;
	});
	/* The server's message is in English: beside the Chinese title when the hall speaks it. */
	parts.msg.lang = 'en';
	li.append(el('div', 'ahead', parts.sev, el('span', 'aright', parts.at, ' ', parts.ack)), parts.title,
		  parts.subject, parts.msg, parts.acked, form);
	return { li, parts, form };
}

function updateAlert(item, a) {
	if (!item)
		return;
	const p = item.parts;
	if (item.sev !== a.severity) {
		item.sev = a.severity;
		item.li.className = 'alert sev-' + a.severity;
		const w = SEVERITY[a.severity] || [a.severity, ''];
		setBi(p.sev, w[0], w[1]);
	}
	text(p.at, a.raised_at ? a.raised_at.slice(11, 16) : '');
	const title = alertTitle(a);
	if (item.titleKey !== title.join('|')) {
		item.titleKey = title.join('|');
		setBi(p.title, title[0], title[1]);
	}
	const subjectKey = [a.counter, a.clerk, a.service, a.subject, clerks.get(a.clerk), !!hall].join('|');
	if (item.subjectKey !== subjectKey) {
		item.subjectKey = subjectKey;
		p.subject.replaceChildren(...alertSubject(a).flatMap((x, i) => (i ? [' · ', x] : [x])));
	}
	p.subject.hidden = !p.subject.childNodes.length;
	text(p.msg, a.message);
	p.msg.hidden = !english() || !a.message;
	if (a.acked_at) {
		text(p.acked, t('已确认', 'Acknowledged') + ' · ' + a.acked_by + ' ' + a.acked_at.slice(11, 16)
		     + (a.ack_note ? ' · ' + a.ack_note : ''));
		p.ack.hidden = true;
		item.form.hidden = true;
	} else {
		text(p.acked, '');
		if (item.form.hidden)
			p.ack.hidden = false;
	}
	p.acked.hidden = !a.acked_at;
}

const SEV_ORDER = { critical: 0, warning: 1, info: 2 };

function renderAlerts() {
	const list = $('alerts');
	/* Unacknowledged first, then by severity, newest first. */
	const sorted = openAlerts.slice().sort((x, y) => (!!x.acked_at - !!y.acked_at)
		|| ((SEV_ORDER[x.severity] ?? 3) - (SEV_ORDER[y.severity] ?? 3)) || y.id - x.id);
	const seen = new Set();
	sorted.forEach((a, i) => {
		seen.add(a.id);
		let item = alertItems.get(a.id);
		if (!item) {
			item = alertItem(a);
			alertItems.set(a.id, item);
		}
		updateAlert(item, a);
		if (list.children[i] !== item.li)
			list.insertBefore(item.li, list.children[i] || null);
	});
	for (const [id, item] of alertItems)
		if (!seen.has(id)) {
			item.li.remove();
			alertItems.delete(id);
		}
	$('no-alerts').hidden = sorted.length > 0;
	const unacked = sorted.filter((a) => !a.acked_at).length;
	text($('alert-count'), sorted.length ? unacked + ' / ' + sorted.length : '');
	cls($('alert-count'), 'hot', unacked > 0);
}

/* ---- devices ---- */

function device(kind, name, ok, ...lines) {
	const li = el('li', 'device ' + (ok ? 'ok' : 'down'));
	li.append(el('div', 'dhead', el('span', 'dot'), kind, el('b', '', name),
		      bi(ok ? '正常' : '异常', ok ? 'OK' : 'Fault', 'span')));
	for (const line of lines)
		if (line)
			li.append(el('div', 'dline', line));
	return li;
}

function renderDevices(units, kiosks) {
	const items = [];
	for (const g of units.gateways || []) {
		const lines = [];
		let ok = !g.stale;
		if (g.stale)
			lines.push(t(g.age_s + ' 秒未上报', 'silent for ' + g.age_s + ' s'));
		for (const b of g.buses || []) {
			const us = b.units || [];
			const off = us.filter((u) => !u.online).map((u) => u.counter);
			if (!b.up || off.length)
				ok = false;
			lines.push(b.bus + ': ' + (b.up ? '' : t('线路断开 ', 'line down ')) + t(
				(us.length - off.length) + '/' + us.length + ' 在线', (us.length - off.length) + '/' + us.length + ' online')
				+ (off.length ? ' · ' + t('离线窗口 ', 'offline: ') + off.join(', ') : ''));
		}
		items.push(device(t('网关', 'Gateway') + ' ', g.gateway, ok, ...lines));
	}
	for (const k of kiosks.kiosks || []) {
		const p = PRINTER[k.printer] || [k.printer, ''];
		const printerOk = k.printer === 'ok' || k.printer === 'near_end' || k.printer === 'none';
		items.push(device(t('取号机', 'Kiosk') + ' ', k.name, k.up && printerOk && k.server_ok !== false,
			k.up ? t('打印机 ', 'Printer ') + t(p[0], p[1]) + (k.detail ? ' (' + k.detail + ')' : '')
				: t(k.age_s + ' 秒未上报', 'silent for ' + k.age_s + ' s'),
			k.unprinted ? t('未打印 ' + k.unprinted + ' 张', k.unprinted + ' unprinted') : ''));
	}
	/* The faulty first: they are what the screen is for. */
	items.sort((x, y) => x.classList.contains('ok') - y.classList.contains('ok'));
	$('devices').replaceChildren(...items);
	$('no-devices').hidden = items.length > 0;
}

/* ---- the page ---- */

const hallSrc = source(async () => {
	await loadHall();
	renderServices();
	renderCounters();
	renderAlerts(); /* the names of the counters and services they are about */
	tick();
}, 400);

const statsSrc = source(async () => {
	const s = await api('GET', '/api/v1/stats?by=service');
	onTime = new Map(s.rows.map((r) => [r.key, r]));
	if (hall)
		renderServices();
}, 5000);

const alertsSrc = source(async () => {
	const r = await api('GET', '/api/v1/alerts');
	openAlerts = r.alerts;
	renderAlerts();
	if (hall) {
		renderServices();
		renderCounters();
	}
}, 500);

const devicesSrc = source(async () => {
	const [u, k] = await Promise.all([api('GET', '/api/v1/units'), api('GET', '/api/v1/kiosks')]);
	renderDevices(u, k);
}, 2000);

const clerksSrc = source(async () => {
	const r = await api('GET', '/api/v1/clerks');
	clerks = new Map(r.clerks.map((c) => [c.id, c.name]));
	if (hall)
		renderCounters();
	renderAlerts();
}, 5000);

/* What each event may have changed. */
const NOT_HALL = new Set(['reviewed', 'review_changed', 'case_opened', 'case_step', 'booked',
			  'alert_raised', 'alert_cleared', 'alert_acked']);
const DEVICE = /:(gateway|unit|kiosk|printer):/;

function onEvent(ev) {
	if (!NOT_HALL.has(ev.type))
		hallSrc.mark();
	if (ev.type === 'called' || ev.type === 'day_closed' || ev.type === 'config_applied')
		statsSrc.mark(1000);
	if (ev.type.startsWith('alert_')) {
		alertsSrc.mark();
		if (DEVICE.test(':' + (ev.detail || '')))
			devicesSrc.mark();
	}
	if (ev.type === 'config_applied' || ev.type === 'signed_in')
		clerksSrc.mark(1000);
}

function tick() {
	if (!hall)
		return;
	const now = hallLocal();
	text($('clock'), now.slice(0, 10) + ' ' + now.slice(11, 19));
	tickServices();
	tickCounters();
}

async function main() {
	const accept = (s) => (s.role === 'manager' || s.role === 'admin' ? ''
		: t('此页需要主任或管理员的令牌', 'This page needs a manager or admin token'));
	try {
		await signedIn($('signin'), { kinds: ['token'], accept });
	} catch (e) {
		showError(e.message);
		return;
	}
	$('wall').hidden = false;
	$('nav').hidden = false;
	$('signout').addEventListener('click', async () => {
		await signOut();
		location.reload();
	});
	const badge = liveBadge($('live'));
	let wasDown = false;
	follow(onEvent, {
		onState: (up) => {
			badge(up);
			/* Back after a gap: the stream resumes where it was, but health and the
			 * clock moved on regardless. */
			if (up && wasDown)
				for (const s of [hallSrc, alertsSrc, devicesSrc, statsSrc])
					s.mark();
			wasDown = !up;
		},
	});
	for (const s of [hallSrc, statsSrc, alertsSrc, devicesSrc, clerksSrc])
		s.mark(0);
	setInterval(tick, 1000);
	/* Health reports are kept in memory and have no events; the hall's clock resyncs. */
	setInterval(() => devicesSrc.mark(), 10000);
	setInterval(() => hallSrc.mark(), 60000);
	setInterval(() => statsSrc.mark(), 60000);
}

main();
