/*
 * What hallq-central's pages share: the viewer's token (kept in sessionStorage, sent as a
 * Bearer header; a session cookie would keep it from scripts, and is the next step), the
 * sign-in form, fetching the API with it, and the formats of figures.
 */
const KEY = 'hallq-central-token';

export const token = () => sessionStorage.getItem(KEY);
export function signOut() { sessionStorage.removeItem(KEY); location.reload(); }

/* GET an API path with the token: its JSON, or throws an Error whose .status is the HTTP
 * status (401 sends the viewer back to the sign-in form). */
export async function api(path) {
	const res = await fetch(path, { headers: { Authorization: `Bearer ${token()}` }, cache: 'no-store' });
	let body = null;
	try { body = await res.json(); } catch { /* not JSON */ }
	if (!res.ok) {
		if (res.status === 401) { sessionStorage.removeItem(KEY); }
		const e = new Error(body?.message || `HTTP ${res.status}`);
		e.status = res.status;
		throw e;
	}
	return body;
}

/* The sign-in form in `where`; resolves once a token the server accepts is kept. */
export function signIn(where) {
	if (token()) return Promise.resolve();
	return new Promise((resolve) => {
		where.innerHTML = `<form class="signin">
			<h2>查看令牌 <span class="en" lang="en">Viewer token</span></h2>
			<input type="password" name="token" autocomplete="off" required
				aria-label="令牌 Token" placeholder="viewer token">
			<button class="primary" type="submit">登录 <span class="en" lang="en">Sign in</span></button>
			<p class="error" role="alert"></p></form>`;
		const form = where.querySelector('form');
		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			sessionStorage.setItem(KEY, form.token.value.trim());
			try {
				await api('/api/v1/whoami');
				where.innerHTML = '';
				resolve();
			} catch (e) {
				sessionStorage.removeItem(KEY);
				form.querySelector('.error').textContent =
					e.status === 401 ? '令牌无效 Unknown token' : `${e.message}`;
			}
		});
	});
}

export const esc = (s) => String(s ?? '').replace(/[&<>"']/g,
	(c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

/* 754 s → "12:34", 4000 s → "1:06:40"; null → "—". */
export function dur(s) {
	if (s === null || s === undefined) return '—';
	s = Math.max(0, Math.round(s));
	const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), x = String(s % 60).padStart(2, '0');
	return h ? `${h}:${String(m).padStart(2, '0')}:${x}` : `${m}:${x}`;
}
export const pct = (r) => (r === null || r === undefined ? '—' : `${(100 * r).toFixed(1)}%`);
export const bi = (zh, en) => `${esc(zh)}${en ? ` <span class="en" lang="en">${esc(en)}</span>` : ''}`;
