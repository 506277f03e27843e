/*
 * hallq: the evaluation screen of counter N (/counter/N/evaluate), a tablet facing the
 * citizen. Signed in once with the evaluator:N token (the session lasts session_hours), it
 * shows the counter's name and a welcome; on the event stream's `finished` of counter N it
 * asks "请对本次服务评价" with the five 好差评 levels, and for a bad one (1 or 2) the reasons,
 * then sends POST /api/v1/counters/N/evaluate {"level", "reasons"} (the review of the
 * counter's last finished ticket, channel pad), thanks the citizen and goes back to the
 * welcome. The server takes a rating within 120 s of hall time after the finish, so the
 * question goes away then. Digits choose a level, letters (or Space on one) the reasons,
 * Enter sends.
 */
import {
	$, api, bi, el, follow, hall, hallNow, liveBadge, loadHall, setBi, signedIn, t, LEVELS, REASONS,
} from './common.js';

const ASK_MS = 120 * 1000;    /* of hall time after the finish (docs/api.md, evaluate) */
const THANKS_MS = 6000;       /* real time the thanks stay up */
const REASON_KEYS = ['A', 'B', 'C', 'D'];

const n = Number((/^\/counter\/(\d+)\/evaluate/.exec(location.pathname) || [])[1]) ||
	Number(new URLSearchParams(location.search).get('n')) || 0;

let asking = null;    /* {ticket, label, at_ms, level, reasons: Set} while the question is up */
let sending = false;
let timer = null;

function show(which) {
	for (const id of ['idle', 'ask', 'thanks'])
		$(id).hidden = id !== which;
}

function later(ms, fn) {
	clearTimeout(timer);
	timer = setTimeout(fn, Math.max(0, ms));
}

function idle() {
	asking = null;
	clearTimeout(timer);
	const c = hall.counters.find((x) => x.number === n) || {};
	setBi($('hall'), hall.name, hall.name_en);
	setBi($('counter'), c.name || n + '号窗口', c.name_en || 'Counter ' + n);
	setBi($('welcome'), '欢迎您，请稍候', 'Welcome');
	show('idle');
}

/* The question, for the ticket the counter has just finished. */
function ask(ev) {
	asking = { ticket: ev.ticket_id, label: ev.label, at_ms: ev.at_ms, level: 0, reasons: new Set() };
	setBi($('ask-ticket'), ev.label ? '号票 ' + ev.label : '', ev.label ? 'Ticket ' + ev.label : '');
	setBi($('ask-h'), '请对本次服务评价', 'Please rate our service');
	$('ask-error').textContent = '';
	$('why').hidden = true;
	renderLevels();
	show('ask');
	$('levels').querySelector('button').focus();
	/* The hall's clock may run faster than the tablet's (hallqd --speed). */
	const left = (asking.at_ms + ASK_MS - hallNow()) / ((hall && hall.clock_speed) || 1);
	later(left, idle);
}

function renderLevels() {
	const box = $('levels');
	box.replaceChildren(...LEVELS.map(([level, zh, en]) => {
		const b = el('button', 'level l' + level, el('kbd', '', String(level)), bi(zh, en));
		b.type = 'button';
		b.dataset.level = String(level);
		b.setAttribute('aria-pressed', String(asking.level === level));
		b.setAttribute('aria-keyshortcuts', String(level));
		b.disabled = sending;
		b.onclick = () => choose(level);
		return b;
	}));
}

function renderReasons() {
	setBi($('why-h'), '请选择不满意的原因（可多选）', 'What was not good? (choose any)');
	$('reasons').replaceChildren(...REASONS.map(([code, zh, en], i) => {
		const b = el('button', 'reason', el('kbd', '', REASON_KEYS[i]), bi(zh, en));
		b.type = 'button';
		b.dataset.reason = code;
		b.setAttribute('aria-pressed', String(asking.reasons.has(code)));
		b.setAttribute('aria-keyshortcuts', REASON_KEYS[i]);
		b.disabled = sending;
		b.onclick = () => toggle(code);
		return b;
	}));
	setBi($('send'), '提交评价', 'Send').append(' ', el('kbd', '', 'Enter'));
	$('send').disabled = sending;
}

function choose(level) {
	if (!asking || sending)
		return;
	asking.level = level;
	if (level >= 3)
		return send();
	renderLevels();
	renderReasons();
	$('why').hidden = false;
	$('reasons').querySelector('button').focus();
}

function toggle(code) {
	if (!asking || sending || asking.level > 2)
		return;
	if (asking.reasons.has(code))
		asking.reasons.delete(code);
	else
		asking.reasons.add(code);
	const b = $('reasons').querySelector('[data-reason="' + code + '"]');
	b.setAttribute('aria-pressed', String(asking.reasons.has(code)));
}

async function send() {
	if (!asking || sending || !asking.level)
		return;
	sending = true;
	renderLevels();
	if (!$('why').hidden)
		renderReasons();
	const body = { level: asking.level, reasons: asking.level <= 2 ? [...asking.reasons] : [] };
	try {
		await api('POST', '/api/v1/counters/' + n + '/evaluate', body);
		thanks(asking.level);
	} catch (e) {
		if (e.code === 'state' || e.code === 'rated') {
			/* Too late, or rated already: nothing the citizen can do here. */
			$('ask-error').textContent = e.code === 'rated' ? t('本次服务已评价', 'This service has been rated already')
				: t('评价时间已过', 'The time to rate this service has passed');
			later(4000, idle);
		} else {
			$('ask-error').textContent = e.message;
		}
	} finally {
		sending = false;
		if (asking) {
			renderLevels();
			if (!$('why').hidden)
				renderReasons();
		}
	}
}

function thanks(level) {
	asking = null;
	setBi($('thanks-h'), '感谢您的评价！', 'Thank you for your rating!');
	setBi($('thanks-p'), level <= 2 ? '我们会认真改进。' : '欢迎再次光临。',
	      level <= 2 ? 'We will look into it and do better.' : 'We look forward to serving you again.');
	show('thanks');
	later(THANKS_MS, idle);
}

/* A tablet reloaded (or switched on) between a finish and the rating: the counter's last
 * finished ticket, if it finished within the rating window and has no review yet, is asked
 * about now. The finish came before the stream started, so no event will ask. */
async function askIfUnrated() {
	let v;
	try {
		v = await api('GET', '/api/v1/counters/' + n);
	} catch (e) {
		return; /* an older hallqd that keeps the counter from its tablet: wait for the next finish */
	}
	const lf = v.last_finished;
	if (!lf || lf.rating || !lf.ended_at || asking)
		return;
	const at = Date.parse(lf.ended_at);
	if (hallNow() - at < ASK_MS)
		ask({ ticket_id: lf.id, label: lf.label, at_ms: at });
}

function onEvent(ev) {
	if (ev.type === 'config_applied') {
		loadHall().then(() => { if (!asking) idle(); }).catch(() => {});
		return;
	}
	if (ev.counter !== n)
		return;
	if (ev.type === 'finished')
		ask(ev);
	else if ((ev.type === 'reviewed' || ev.type === 'review_changed') && asking && ev.ticket_id === asking.ticket && !sending)
		idle(); /* rated at the unit's keys meanwhile */
}

function onKey(ev) {
	if (ev.ctrlKey || ev.metaKey || ev.altKey || !asking)
		return;
	if (/^[1-5]$/.test(ev.key)) {
		ev.preventDefault();
		choose(Number(ev.key));
		return;
	}
	const i = REASON_KEYS.indexOf(ev.key.toUpperCase());
	if (i >= 0 && !$('why').hidden) {
		ev.preventDefault();
		toggle(REASONS[i][0]);
		return;
	}
	/* Enter sends, from a reason button too (Space toggles that one); on a level button it
	 * chooses that level, as any button does. */
	if (ev.key === 'Enter' && !$('why').hidden && !(ev.target && ev.target.classList && ev.target.classList.contains('level'))) {
		ev.preventDefault();
		send();
	} else if (ev.key === 'Escape') {
		idle();
	}
}

function accept(s) {
	if (s.role === 'evaluator:' + n || s.role === 'admin')
		return '';
	return t('请用 ' + n + ' 号窗口评价器的令牌登录', 'Sign in with the evaluator token of counter ' + n);
}

async function main() {
	const live = liveBadge($('live'));
	if (!n) {
		$('signin').replaceChildren(el('p', 'error', t('地址应为 /counter/窗口号/evaluate', 'The address is /counter/N/evaluate')));
		return;
	}
	try {
		await signedIn($('signin'), { kinds: ['token'], accept });
		await loadHall();
	} catch (e) {
		$('signin').replaceChildren(el('p', 'error', e.message));
		return;
	}
	document.documentElement.lang = 'zh-CN';
	follow(onEvent, { since: hall.last_event_id, onState: live });
	/* The question straight away when there is one to ask, else the welcome. */
	await askIfUnrated();
	if (!asking)
		idle();
	document.body.dataset.ready = '1';
	document.addEventListener('keydown', onKey);
}

main();
