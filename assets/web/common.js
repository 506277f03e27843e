/*
 * hallq web pages: what every page shares. The session (sign-in form, cookie, CSRF token),
 * requests to hallqd with an Idempotency-Key on every change, the event stream with its
 * reconnect, the hall's clock and languages, and the small formatting helpers. Text from
 * the server is only ever set as text, never as markup.
 */

export const $ = (id) => document.getElementById(id);

/* The hall (/api/v1/hall) as last loaded, and the moment it was. */
export let hall = null;
let hallAt = 0;
let csrf = '';

/* An answer of hallqd that was not 2xx: status, the API's error code and message. */
export class ApiError extends Error {
	constructor(status, code, message) {
		super(message || code || 'HTTP ' + status);
		this.status = status;
		this.code = code || '';
	}
}

/* Whether the hall shows English beside Chinese (its `languages`); Chinese always. */
export function english() {
	return !hall || !hall.languages || hall.languages.includes('en');
}

/* Hide the English that a page's markup carries (.en, lang="en") when the hall's
 * `languages` has no "en": the html element gets the class no-en (style.css). */
export function showLanguages(languages) {
	const no = !!languages && !languages.includes('en');
	document.documentElement.classList.toggle('no-en', no);
	/* The markup's labels for screen readers name both: aria-label="大厅时间 Hall time"
	 * data-label-zh="大厅时间". */
	for (const e of document.querySelectorAll('[data-label-zh]')) {
		if (!e.dataset.labelBoth)
			e.dataset.labelBoth = e.getAttribute('aria-label') || '';
		e.setAttribute('aria-label', no ? e.dataset.labelZh : e.dataset.labelBoth);
	}
}

/* Chinese, and English beside it when the hall speaks it: an element of `tag` holding
 * both, the English in a .en span with lang="en". */
export function bi(zh, en, tag = 'span') {
	const el = document.createElement(tag);
	setBi(el, zh, en);
	return el;
}

/* Replace el's content with Chinese and English (as bi). */
export function setBi(el, zh, en) {
	el.textContent = zh;
	if (en && english()) {
		const e = document.createElement('span');
		e.className = 'en';
		e.lang = 'en';
		e.textContent = en;
		el.append(' ', e);
	}
	return el;
}

/* One string of both, for titles, placeholders and aria labels. */
export function t(zh, en) {
	return en && english() ? zh + ' ' + en : zh;
}

/* An element with a class and children (strings become text). */
export function el(tag, cls, ...kids) {
	const e = document.createElement(tag);
	if (cls)
		e.className = cls;
	for (const k of kids)
		if (k !== null && k !== undefined)
			e.append(k instanceof Node ? k : String(k));
	return e;
}

/* A request to hallqd: JSON in and out, the session's cookie and CSRF token, and on every
 * change a fresh Idempotency-Key unless the caller gives one (a retry of the same click
 * gives the same key, so a double click does one thing). Throws ApiError. Returns the JSON
 * answer, or null for 204. */
export async function api(method, path, body, opts = {}) {
	const headers = { Accept: 'application/json' };
	if (method !== 'GET' && method !== 'HEAD') {
		if (csrf)
			headers['X-CSRF-Token'] = csrf;
		headers['Idempotency-Key'] = opts.key || newKey();
	}
	if (body !== undefined && body !== null)
		headers['Content-Type'] = 'application/json';
	let r;
	try {
		r = await fetch(path, {
			method, headers, cache: 'no-store', credentials: 'same-origin',
			body: body !== undefined && body !== null ? JSON.stringify(body) : undefined,
		});
	} catch (e) {
		throw new ApiError(0, 'network', t('无法连接服务器', 'Cannot reach the hall server'));
	}
	if (r.status === 204)
		return null;
	const type = r.headers.get('Content-Type') || '';
	const j = type.startsWith('application/json') ? await r.json().catch(() => null) : null;
	if (!r.ok)
		throw new ApiError(r.status, j && j.error, j && j.message);
	return j !== null ? j : r.text();
}

export function newKey() {
	if (crypto.randomUUID)
		return crypto.randomUUID();
	const b = crypto.getRandomValues(new Uint8Array(16));
	return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/* The hall's settings and state; also sets the clock that hallNow() follows. */
export async function loadHall() {
	hall = await api('GET', '/api/v1/hall');
	hallAt = performance.now();
	showLanguages(hall.languages);
	if (hall.name)
		document.title = document.title.replace(/^.*?(·|$)/, hall.name + ' $1');
	return hall;
}

/* The hall's time now in unix ms: its clock may run faster (hallqd --speed) or be
 * elsewhere in time (--clock), so pages count waits on it, not on the browser's clock. */
export function hallNow() {
	if (!hall)
		return Date.now();
	return hall.time_ms + (performance.now() - hallAt) * (hall.clock_speed || 1);
}

/* The session this browser holds, or null. Keeps its CSRF token for api(). */
export async function session() {
	try {
		const s = await api('GET', '/api/v1/session');
		csrf = s.csrf;
		return s;
	} catch (e) {
		if (e.status === 401)
			return null;
		throw e;
	}
}

/* Sign in with {token} or {counter, clerk, pin}; returns the session. */
export async function signIn(body) {
	const s = await api('POST', '/api/v1/session', body);
	csrf = s.csrf;
	return s;
}

/* End the session; signOutClerk also signs the clerk out of the counter. */
export async function signOut(signOutClerk = false) {
	await api('DELETE', '/api/v1/session' + (signOutClerk ? '?sign_out=1' : '')).catch(() => {});
	csrf = '';
}

/*
 * The sign-in form, shown in `box` until someone signs in: the counter number, the clerk's
 * id and PIN (kinds includes 'clerk'), or a token (kinds includes 'token'). Resolves with
 * the session. `accept(s)` may refuse a session of the wrong role with a message.
 */
export function signInForm(box, { kinds = ['token'], counter = '', accept = () => '' } = {}) {
	return new Promise((resolve) => {
		box.replaceChildren();
		const form = el('form', 'signin');
		form.append(setBi(el('h1'), '登录', 'Sign in'));
		const field = (parent, id, zh, en, type, value) => {
			const label = el('label', '', bi(zh, en));
			label.htmlFor = id;
			const input = el('input');
			Object.assign(input, { id, name: id, type, value: value || '' });
			input.autocomplete = type === 'password' ? 'current-password' : 'off';
			parent.append(label, input);
			return input;
		};
		let useToken = !kinds.includes('clerk');
		const clerkBox = el('div', 'fields');
		const tokenBox = el('div', 'fields');
		form.append(clerkBox, tokenBox);
		let cN, cId, cPin, tok;
		if (kinds.includes('clerk')) {
			cN = field(clerkBox, 'counter', '窗口号', 'Counter', 'number', counter);
			cN.min = 1;
			cId = field(clerkBox, 'clerk', '工号', 'Clerk id', 'text');
			cPin = field(clerkBox, 'pin', '密码 (PIN)', 'PIN', 'password');
			cPin.inputMode = 'numeric';
		}
		if (kinds.includes('token'))
			tok = field(tokenBox, 'token', '令牌', 'Token', 'password');
		const msg = el('p', 'error');
		msg.setAttribute('role', 'alert');
		const go = el('button', 'primary', bi('登录', 'Sign in'));
		go.type = 'submit';
		form.append(msg, go);
		if (kinds.length > 1) {
			const sw = el('button', 'link');
			sw.type = 'button';
			form.append(sw);
			const show = () => {
				clerkBox.hidden = useToken;
				tokenBox.hidden = !useToken;
				setBi(sw, useToken ? '用工号和密码登录' : '用令牌登录',
				      useToken ? 'Sign in with clerk id and PIN' : 'Sign in with a token');
			};
			sw.addEventListener('click', () => { useToken = !useToken; show(); });
			show();
		} else {
			clerkBox.hidden = useToken;
			tokenBox.hidden = !useToken;
		}
		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			msg.textContent = '';
			go.disabled = true;
			const body = useToken ? { token: tok.value.trim() }
				: { counter: Number(cN.value), clerk: cId.value.trim(), pin: cPin.value };
			try {
				const s = await signIn(body);
				const no = accept(s);
				if (no) {
					await signOut();
					msg.textContent = no;
				} else {
					box.replaceChildren();
					resolve(s);
				}
			} catch (e) {
				msg.textContent = e.message;
			}
			go.disabled = false;
		});
		box.append(form);
		(useToken ? tok : cN.value ? cId : cN).focus();
	});
}

/* The session if there is one, else the sign-in form in box until there is. */
export async function signedIn(box, opts) {
	const s = await session();
	if (s && !(opts && opts.accept && opts.accept(s)))
		return s;
	return signInForm(box, opts);
}

/* Every event type of the feed (docs/queue.md, Events). */
export const EVENT_TYPES = [
	'issued', 'called', 'recalled', 'started', 'finished', 'noshow', 'parked', 'transferred',
	'requeued', 'cancelled', 'reviewed', 'review_changed', 'case_opened', 'case_step',
	'counter_opened', 'counter_paused', 'counter_resumed', 'counter_closed', 'signed_in',
	'signed_out', 'booked', 'checked_in', 'day_closed', 'config_applied', 'alert_raised',
	'alert_cleared', 'alert_acked', 'change',
];

/*
 * Follow the hall's event stream (/api/v1/events, or `path`): onEvent(ev) for each event
 * (ev is the parsed data, with ev.type), onState(true|false) when the stream is up or
 * down. EventSource reconnects by itself and resumes with Last-Event-ID; when it gives up
 * (the server went away for good, or a proxy drops the stream) a new one starts after a
 * backoff, from the last id seen. Returns {close()}.
 */
export function follow(onEvent, { path = '/api/v1/events', since = null, onState = () => {} } = {}) {
	let es = null, last = since, closed = false, wait = 1000, timer = null;
	const open = () => {
		const sep = path.includes('?') ? '&' : '?';
		es = new EventSource(last !== null ? path + sep + 'since=' + last : path);
		es.onopen = () => { wait = 1000; onState(true); };
		es.onmessage = (m) => handle(m);
		es.onerror = () => {
			onState(false);
			if (es.readyState === EventSource.CLOSED && !closed) {
				timer = setTimeout(open, wait);
				wait = Math.min(wait * 2, 30000);
			}
		};
		/* Typed events (event: called) do not reach onmessage. */
		for (const type of EVENT_TYPES)
			es.addEventListener(type, handle);
	};
	const handle = (m) => {
		if (m.lastEventId)
			last = m.lastEventId;
		let data;
		try {
			data = JSON.parse(m.data);
		} catch (e) {
			return;
		}
		if (!data.type)
			data.type = m.type;
		onEvent(data);
	};
	open();
	return {
		close() {
			closed = true;
			clearTimeout(timer);
			if (es)
				es.close();
		},
	};
}

/* Seconds as 分钟 / min, for waits: "12 分钟 · 12 min", "1 小时 5 分 · 1 h 5 min". */
export function minutes(s) {
	if (s === null || s === undefined)
		return '—';
	s = Math.max(0, Math.round(s));
	if (s < 60)
		return t('不到 1 分钟', '< 1 min');
	const m = Math.floor(s / 60), h = Math.floor(m / 60);
	if (h)
		return t(h + ' 小时 ' + (m % 60) + ' 分', h + ' h ' + (m % 60) + ' min');
	return t(m + ' 分钟', m + ' min');
}

/* Seconds as a clock, for a wait so far: "4:05", "1:02:03". */
export function clock(s) {
	s = Math.max(0, Math.floor(s));
	const h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, x = s % 60;
	const two = (n) => String(n).padStart(2, '0');
	return h ? h + ':' + two(m) + ':' + two(x) : m + ':' + two(x);
}

/* An estimate's 80% range, [low, high] in seconds (est_wait_range_s), in whole minutes as
 * every place that shows one rounds it (docs/api.md, "The estimate's range"): the low end
 * down, the high end up and at least a minute above the low. [L, H], or null when there is
 * no range; an H of 1 or less is a wait of under a minute, which the caller says in the
 * point's words. */
export function rangeMinutes(r) {
	if (!Array.isArray(r) || r.length !== 2 || typeof r[0] !== 'number' || typeof r[1] !== 'number')
		return null;
	const lo = Math.max(0, Math.floor(r[0] / 60));
	return [lo, Math.max(Math.ceil(r[1] / 60), lo + 1)];
}

/* A rate 0..1 as a percentage, or a dash when there is none. */
export function percent(r, digits = 1) {
	return r === null || r === undefined || Number.isNaN(r) ? '—' : (r * 100).toFixed(digits) + '%';
}

/* An ISO time's hall-local HH:MM (the server sends times with the hall's offset). */
export function hhmm(iso) {
	return iso ? iso.slice(11, 16) : '—';
}

/* The names of a service or counter by key/number, from the hall. */
export function serviceName(key) {
	const s = hall && hall.services.find((x) => x.key === key);
	return s ? t(s.name, s.name_en) : key;
}

export function counterName(n) {
	const c = hall && hall.counters.find((x) => x.number === n);
	return c ? t(c.name, c.name_en) : String(n);
}

/* The ticket states and counter states in words. */
export const STATES = {
	waiting: ['等候中', 'Waiting'], called: ['已呼叫', 'Called'], serving: ['办理中', 'Serving'],
	parked: ['暂挂', 'Parked'], done: ['已办结', 'Done'], noshow: ['过号', 'No-show'],
	transferred: ['已转办', 'Transferred'], cancelled: ['已取消', 'Cancelled'],
	open: ['开放', 'Open'], paused: ['暂停', 'Paused'], closed: ['关闭', 'Closed'],
};

export function stateWords(s) {
	const w = STATES[s];
	return w ? t(w[0], w[1]) : s;
}

/* The five 好差评 levels and the reasons of a bad one (docs/api.md). */
export const LEVELS = [
	[5, '非常满意', 'Very satisfied'], [4, '满意', 'Satisfied'], [3, '基本满意', 'Fairly satisfied'],
	[2, '不满意', 'Dissatisfied'], [1, '非常不满意', 'Very dissatisfied'],
];
export const REASONS = [
	['efficiency', '服务效率', 'Efficiency'], ['skill', '服务水平', 'Skill'],
	['attitude', '服务态度', 'Attitude'], ['other', '其他', 'Other'],
];

/* The reasons a clerk pauses a counter, as the pages offer them. The API takes any text
 * ({"reason": TEXT}); a page sends the code, or "CODE: what the clerk typed", so that the
 * managers' pages can show the words in either language and the free text beside them. A
 * pause without a reason is stored as "paused" (docs/queue.md, No reason). */
export const PAUSE_REASONS = [
	['break', '休息', 'Break'], ['lunch', '午餐', 'Lunch'], ['meeting', '会议', 'Meeting'],
	['training', '培训', 'Training'], ['backoffice', '后台办件', 'Back-office work'],
	['system', '系统故障', 'System fault'], ['other', '其他', 'Other'],
];

/* A counter's pause reason in words: "午餐 Lunch", "其他 Other: 取档案" or the text as it is. */
export function reasonWords(reason) {
	if (!reason || reason === 'paused')
		return t('未说明原因', 'No reason given');
	const m = /^([a-z]+)(?::\s*(.*))?$/s.exec(reason);
	const r = m && PAUSE_REASONS.find((x) => x[0] === m[1]);
	if (!r)
		return reason;
	return t(r[1], r[2]) + (m[2] ? ': ' + m[2] : '');
}

/* A line at the foot of the page that says whether the live feed is up. */
export function liveBadge(elm) {
	return (up) => {
		elm.classList.toggle('down', !up);
		setBi(elm, up ? '实时' : '连接中断，正在重连', up ? 'Live' : 'Reconnecting');
	};
}
