/*
 * hallq: the ticket status page's script (ticket.html, docs/api.md "The status page"). It
 * shows the ticket (/api/v1/tickets/ID as JSON, the page's own URL) and keeps it current:
 * the ticket's public event stream (/api/v1/tickets/ID/events) says `change` whenever
 * something that may move this ticket commits, and the page fetches the ticket again (at
 * once, then at most every 300 ms while changes keep coming), so the people ahead, the
 * estimate and the call show as they happen; a call makes the phone vibrate. A poll every
 * 30 s stands behind the stream for browsers and networks that drop it, and runs at once
 * when the stream breaks or the page comes back to the front. Everything stops once the
 * ticket is over. Once it is done, and the URL has the ticket's key (?key=, from the QR
 * code), the page offers the 好差评 review. Text from the server is only ever set as text.
 */
import { $, follow, rangeMinutes, showLanguages } from '/web/common.js';

const POLL_MS = 30000;     /* the fallback poll, behind the stream */
const DEBOUNCE_MS = 300;   /* changes closer than this share one fetch */
/* States after which nothing changes any more: stop asking. */
const OVER = new Set(['done', 'noshow', 'cancelled']);

/* The ticket's key from the QR code's URL: it alone lets this page review the ticket. */
const key = new URLSearchParams(location.search).get('key') || '';
const query = key ? '?key=' + encodeURIComponent(key) : '';
const self = location.pathname.replace(/\/+$/, '');

let lastState = null, lastRecalls = 0, level = 0, over = false;
let stream = null, poll = null;
/* Whether the hall speaks English (the ticket's `languages`); until the first answer, yes. */
let english = true;

/* Chinese, and " · English" after it when the hall speaks English: for one-line texts. */
const w2 = (zh, en) => (english ? zh + ' · ' + en : zh);

function text(id, s) { $(id).textContent = s === null || s === undefined ? '' : String(s); }
function pair(id, zh, en) {
	const e = $(id), span = document.createElement('span');
	e.textContent = zh;
	span.className = 'en';
	span.lang = 'en';
	span.textContent = en;
	e.append(span);
}

function waitWords(s) {
	if (s < 60)
		return ['不到 1 分钟', 'under a minute'];
	let m = Math.ceil(s / 60);
	if (m < 60)
		return ['约 ' + m + ' 分钟', 'about ' + m + ' min'];
	const h = Math.floor(m / 60);
	m %= 60;
	return ['约 ' + h + ' 小时' + (m ? ' ' + m + ' 分' : ''), 'about ' + h + ' h' + (m ? ' ' + m + ' min' : '')];
}

/* A range in whole minutes (rangeMinutes) in words: "约 15–25 分钟 · about 15–25 min", in
 * minutes however long, so that both ends read alike; all of it within a minute is the
 * point's "under a minute". The figure is one unbroken piece, so that a line too narrow
 * for the whole breaks at a space ("约 15–25 / 分钟"), never inside "15–25". */
function showRange([lo, hi]) {
	if (hi <= 1) {
		pair('wait', '不到 1 分钟', 'under a minute');
		return;
	}
	const fig = document.createElement('span'), en = document.createElement('span');
	fig.className = 'fig';
	fig.textContent = lo + '–' + hi;
	en.className = 'en';
	en.lang = 'en';
	en.textContent = 'about ' + lo + '–' + hi + ' min';
	$('wait').replaceChildren('约 ', fig, ' 分钟', en);
}

/* No counter of the ticket's service is open, so nobody knows the wait (docs/api.md, "No
 * counter open"): say so instead of a figure, and when the hours open later today, from
 * when. `opens` is an ISO time with the hall's offset; its HH:MM is the hall's wall clock,
 * whatever zone the phone is in. */
function noCounter(opens) {
	const e = $('wait');
	pair('wait', '窗口暂未开放', 'No counter open yet');
	const hm = typeof opens === 'string' && /T(\d\d:\d\d)/.exec(opens);
	if (hm) {
		const at = document.createElement('span'), en = document.createElement('span');
		at.className = 'opens';
		at.textContent = '约 ' + hm[1] + ' 后开始办理';
		en.className = 'en';
		en.lang = 'en';
		en.textContent = 'Service from about ' + hm[1];
		e.append(at, en);
	}
}

function stateWords(t) {
	const at = t.counter_name || '', atEn = t.counter_name_en || at;
	switch (t.state) {
	case 'waiting': return ['等候中', 'Waiting', ''];
	case 'called': return ['请到 ' + at + ' 办理', 'Please go to ' + atEn, 'called'];
	case 'serving': return ['正在 ' + at + ' 办理', 'Being served at ' + atEn, 'serving'];
	case 'parked': return ['暂挂中，请留意叫号', 'On hold: listen for your number', ''];
	case 'done': return ['已办结，感谢您的耐心', 'Done. Thank you', 'over'];
	case 'noshow': return ['已过号，请重新取号', 'Missed: please take a new ticket', 'over'];
	case 'transferred': return ['已转办，请留意叫号', 'Transferred: listen for your number', ''];
	case 'cancelled': return ['已取消', 'Cancelled', 'over'];
	default: return [String(t.state), String(t.state), ''];
	}
}

/* The label as large as the card allows: the longest (3 letters and 4 digits, "ABC1234")
 * must fit a 320 px phone without clipping. The style sheet sizes it from the card's width
 * and the label's length (--chars), which fits any font whose letters are no wider than
 * 0.8 em; a wider font (a phone's own) is measured here and the label shrunk to the card,
 * again whenever the card's width or the fonts change. */
function fitLabel() {
	const box = $('label'), inner = $('label-text');
	box.style.setProperty('--chars', Math.max(4, Array.from(inner.textContent).length));
	box.style.fontSize = '';
	const avail = box.clientWidth, w = inner.getBoundingClientRect().width;
	if (w > avail && w > 0) {
		const size = parseFloat(getComputedStyle(box).fontSize);
		box.style.fontSize = Math.floor(size * avail / w * 0.97) + 'px';
	}
}
let fitWidth = 0;
if (window.ResizeObserver) {
	new ResizeObserver(() => {
		if ($('label').clientWidth !== fitWidth) {
			fitWidth = $('label').clientWidth;
			fitLabel();
		}
	}).observe($('label'));
} else {
	addEventListener('resize', fitLabel);
}
if (document.fonts)
	document.fonts.ready.then(fitLabel);

function show(t) {
	if (t.languages) {
		english = t.languages.includes('en');
		showLanguages(t.languages);
		$('comment').placeholder = w2('意见或建议（200 字以内）', 'Comments (up to 200 characters)');
	}
	const w = stateWords(t), waiting = t.state === 'waiting';
	if ($('label-text').textContent !== t.label) {
		text('label-text', t.label);
		fitLabel();
	}
	text('service', t.service_name);
	text('service-en', t.service_name_en);
	text('class', t.class === 'priority' ? w2('优先', 'Priority') : t.class === 'appointment' ? w2('预约', 'Appointment') : '');
	text('state-zh', w[0]);
	text('state-en', w[1]);
	$('state').className = 'state' + (w[2] ? ' ' + w[2] : '');
	$('figures').hidden = !waiting;
	if (waiting) {
		/* Where it stands now when the server says (a waiting ticket's now_*), else as at
		 * its issue; a wait of null is no estimate: no counter of its service is open. A
		 * hall with estimate_display = range shows the 80% range instead of the point,
		 * when the server gives one (not for a ticket issued before ranges, nor by an
		 * older hallqd). */
		const now = 'now_est_wait_s' in t;
		const n = typeof t.now_ahead === 'number' ? t.now_ahead : t.people_ahead;
		const s = now ? t.now_est_wait_s : t.est_wait_s;
		const range = t.estimate_display === 'range' ?
			rangeMinutes(now ? t.now_est_wait_range_s : t.est_wait_range_s) : null;
		pair('ahead', n + ' 人', n === 1 ? '1 person' : n + ' people');
		$('wait').classList.toggle('none', typeof s !== 'number');
		$('wait').classList.toggle('range', typeof s === 'number' && n !== 0 && range !== null && range[1] > 1);
		$('figures').classList.toggle('none', typeof s !== 'number');
		if (typeof s !== 'number')
			noCounter(now ? t.now_est_opens_at : t.est_opens_at);
		else if (n === 0)
			pair('wait', '即将叫号', "you're next");
		else if (range)
			showRange(range);
		else
			pair('wait', waitWords(s)[0], waitWords(s)[1]);
	}
	document.title = t.label + ' ' + w[0];
	showReview(t);
	/* A phone in a pocket: buzz when the number is called, and again at each recall. */
	const called = t.state === 'called' && lastState !== null &&
		(lastState !== 'called' || (t.recalls || 0) > lastRecalls);
	if (called && navigator.vibrate)
		navigator.vibrate([300, 150, 300]);
	lastState = t.state;
	lastRecalls = t.recalls || 0;
	text('updated', w2('更新于 ' + new Date().toLocaleTimeString('zh-CN', { hour12: false }), 'Updated'));
	if (OVER.has(t.state))
		stop();
}

function problem(zh, en) {
	text('state-zh', zh);
	text('state-en', en);
	$('state').className = 'state problem';
	$('figures').hidden = true;
}

/* ---- the review: offered once the ticket is done, to whoever has its key ---------------- */

function showReview(t) {
	$('review').hidden = !(key && t.state === 'done');
	if ($('review').hidden || !t.review || level)
		return;
	pick(t.review.level);
	for (const r of t.review.reasons || []) {
		const box = document.querySelector('#reasons input[value="' + r + '"]');
		if (box)
			box.checked = true;
	}
	$('comment').value = t.review.comment || '';
	text('said', w2('已评价，谢谢！', 'You reviewed it; thank you.'));
}

function pick(l) {
	level = l;
	for (const b of $('levels').children)
		b.setAttribute('aria-pressed', String(Number(b.dataset.level) === l));
	$('reasons').hidden = l > 2;
	$('send').disabled = false;
}

async function send() {
	const reasons = [], comment = $('comment').value;
	if (level <= 2)
		document.querySelectorAll('#reasons input:checked').forEach((b) => reasons.push(b.value));
	if (level <= 2 && !reasons.length) {
		text('said', w2('请选择不满意的原因', 'Please say why'));
		return;
	}
	if (Array.from(comment).length > 200) {
		text('said', w2('意见请在 200 字以内', 'At most 200 characters'));
		return;
	}
	$('send').disabled = true;
	try {
		const r = await fetch(self + '/review' + query, {
			method: 'POST', cache: 'no-store',
			headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
			body: JSON.stringify({ level, reasons, comment }),
		});
		const j = await r.json().catch(() => null);
		if (r.ok)
			text('said', w2('感谢您的评价！', 'Thank you for your review.'));
		else
			text('said', w2('未能提交：' + (j && j.message ? j.message : '请稍后再试'), 'Not sent'));
	} catch (e) {
		text('said', w2('暂时无法连接，请稍后再试', 'Cannot reach the hall; try again'));
	}
	$('send').disabled = false;
}

for (const b of $('levels').children)
	b.addEventListener('click', () => pick(Number(b.dataset.level)));
$('send').addEventListener('click', send);

/* ---- keeping the ticket current -------------------------------------------------------- */

let inflight = false, again = false, lastLoad = -Infinity, timer = null;

async function load() {
	if (inflight) {
		again = true;
		return;
	}
	inflight = true;
	lastLoad = performance.now();
	try {
		const r = await fetch(self + query, { headers: { Accept: 'application/json' }, cache: 'no-store' });
		if (r.status === 404) {
			problem('未找到此号票，可能不是今天的号', 'Ticket not found; it may be from another day');
			stop();
		} else if (!r.ok) {
			throw new Error('HTTP ' + r.status);
		} else {
			show(await r.json());
		}
	} catch (e) {
		/* Keep what was shown; say it may be old. */
		if (lastState)
			text('updated', w2('暂时无法连接，稍后自动重试', 'Cannot reach the hall; retrying'));
		else
			problem('暂时无法连接，稍后自动重试', 'Cannot reach the hall right now; retrying');
	}
	inflight = false;
	if (again && !over) {
		again = false;
		soon();
	}
}

/* A fetch for a change: at once if none ran in the last DEBOUNCE_MS, else at the end of
 * that window, one fetch for every change inside it. */
function soon() {
	if (timer || over)
		return;
	const wait = Math.max(0, lastLoad + DEBOUNCE_MS - performance.now());
	timer = setTimeout(() => { timer = null; load(); }, wait);
}

function liveWords(up) {
	const e = $('live');
	e.classList.toggle('down', !up);
	if (up)
		pair('live', '实时更新 ', '· Live');
	else
		pair('live', '连接中断，每 30 秒刷新 ', '· Reconnecting; refreshing every 30 s');
}

function stop() {
	over = true;
	if (stream)
		stream.close();
	stream = null;
	clearInterval(poll);
	clearTimeout(timer);
	poll = timer = null;
	$('live').hidden = true;
}

load();
stream = follow(() => soon(), {
	path: self + '/events',
	onState: (up) => {
		if (over)
			return;
		liveWords(up);
		/* Back up after a break, or just broken: what changed meanwhile is not known. */
		soon();
	},
});
poll = setInterval(load, POLL_MS);
/* Back from another app: refresh at once rather than up to 30 s later. */
document.addEventListener('visibilitychange', () => {
	if (!document.hidden && !over)
		soon();
});
