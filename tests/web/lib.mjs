/*
 * hallq's browser suite: what every tests/web/*.test.mjs shares. startHall() runs a hallqd
 * of the test's own (the binary of $BUILD, default build) on a free loopback port, in a new
 * directory, with the sample hall (assets/halls/county-centre.ini), a tokens file of every
 * role and hall time on hallqd's simulated clock (a fixed weekday at 10:00, never the
 * machine's date), and stops it by its PID. browser() launches Debian's Chromium through
 * playwright-core (nothing is downloaded); shot() keeps a screenshot in $HALLQ_SHOTS.
 * The helpers below open counters and issue tickets through the API, as a hall's units and
 * kiosks would.
 */
import { spawn, execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, chmodSync, rmSync, openSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

/* The repository, and the programs under test. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BUILD = resolve(ROOT, process.env.BUILD || 'build');
const HALLQD = join(BUILD, 'hallqd');
const HALLQ = join(BUILD, 'hallq');
export const SAMPLE_INI = join(ROOT, 'assets/halls/county-centre.ini');

/* The sample hall's clerks and their demo PINs (county-centre.pins: "CLERK PIN" a line). */
export const PINS = Object.fromEntries(
	readFileSync(join(ROOT, 'assets/halls/county-centre.pins'), 'utf8').split('\n')
		.filter((l) => /^\d/.test(l)).map((l) => l.trim().split(/\s+/)));

/* The hall's zone: the sample hall is in China, and every test sees the same local times. */
export const TZ = 'Asia/Shanghai';
/* Tuesday 24 November 2026, 10:00 hall time: every service of the sample hall is open. */
export const CLOCK = '2026-11-24 10:00';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/* Poll fn() every `every` ms until it returns something truthy, at most ms; its last
 * answer, or throws with `what` when the time is up. */
export async function until(fn, { ms = 5000, every = 20, what = 'a condition' } = {}) {
	const end = Date.now() + ms;
	for (;;) {
		const v = await fn();
		if (v)
			return v;
		if (Date.now() >= end)
			throw new Error(`timed out after ${ms} ms waiting for ${what}`);
		await sleep(every);
	}
}

/* A port nothing listens on now: the kernel's pick for a socket bound to port 0. Another
 * process may take it before hallqd does; startHall() then tries another. */
function freePort() {
	return new Promise((ok, ko) => {
		const s = createServer();
		s.unref();
		s.on('error', ko);
		s.listen(0, '127.0.0.1', () => {
			const { port } = s.address();
			s.close(() => ok(port));
		});
	});
}

const token = () => randomBytes(16).toString('hex');

/*
 * A hallqd of the test's own. opts:
 *   clock   hall time at start, "YYYY-MM-DD HH:MM" (default CLOCK); speed: how many times
 *           real time it runs (default 1);
 *   ini     a hall config file (default the sample hall); edit(text) -> text changes it
 *           first (e.g. to set sign_in = open);
 *   counters  the counter numbers that get a counter:N and an evaluator:N token (default 1-20);
 *   args    more hallqd options;
 *   prepare(hallq)  gives the hall a past before hallqd starts: hallq(now, ...args) runs the
 *           CLI on the new database at hall time `now` ("YYYY-MM-DD HH:MM").
 * Returns the hall: {url, dir, db, port, pid, tokens, api, hallq, events, hallTime, stop, log}.
 * tokens: admin, manager, display, kiosk, gateway, review, booking, counter(n), evaluator(n).
 */
export async function startHall(opts = {}) {
	const dir = mkdtempSync(join(tmpdir(), 'hallq-web.'));
	const ini = join(dir, 'hall.ini');
	let text = readFileSync(opts.ini || SAMPLE_INI, 'utf8');
	if (opts.edit)
		text = opts.edit(text);
	writeFileSync(ini, text);
	const db = join(dir, 'hall.db');
	const env = { ...process.env, TZ };
	delete env.HALLQ_DB;
	delete env.HALLQ_NOW;
	delete env.HALLQ_TOKEN;

	const counters = opts.counters || Array.from({ length: 20 }, (_, i) => i + 1);
	const tokens = {
		admin: token(), manager: token(), display: token(), kiosk: token(), gateway: token(),
		review: token(), booking: token(), counters: {}, evaluators: {},
	};
	for (const n of counters) {
		tokens.counters[n] = token();
		tokens.evaluators[n] = token();
	}
	tokens.counter = (n) => tokens.counters[n];
	tokens.evaluator = (n) => tokens.evaluators[n];
	const lines = ['admin', 'manager', 'display', 'kiosk', 'gateway', 'review', 'booking']
		.map((r) => `${r} ${tokens[r]}`);
	for (const n of counters)
		lines.push(`counter:${n} ${tokens.counters[n]}`, `evaluator:${n} ${tokens.evaluators[n]}`);
	const tokensFile = join(dir, 'tokens');
	const writeTokens = () => {
		writeFileSync(tokensFile, lines.join('\n') + '\n', { mode: 0o600 });
		chmodSync(tokensFile, 0o600);
	};
	writeTokens();

	const clock = opts.clock || CLOCK;
	await run(HALLQ, ['init', '--config', ini, '--db', db], { env: { ...env, HALLQ_NOW: clock } });
	if (opts.prepare)
		await opts.prepare((now, ...args) => run(HALLQ, [...args, '--db', db], { env: { ...env, HALLQ_NOW: now } }));

	let proc = null, url = '', port = 0, logFile = '', exited = null;
	for (let attempt = 1; attempt <= 5; attempt++) {
		port = await freePort();
		url = `http://127.0.0.1:${port}`;
		logFile = join(dir, `hallqd${attempt}.log`);
		const args = ['--config', ini, '--db', db, '--listen', `127.0.0.1:${port}`, '--tokens', tokensFile,
			'--clock', clock, '--speed', String(opts.speed || 1), ...(opts.args || [])];
		const fd = openSync(logFile, 'w');
		proc = spawn(HALLQD, args, { env, stdio: ['ignore', fd, fd] });
		closeSync(fd);
		exited = null;
		proc.on('exit', (code, sig) => { exited = sig || code; });
		const ready = await until(async () => {
			if (exited !== null)
				return 'exited';
			try {
				const r = await fetch(url + '/healthz', { signal: AbortSignal.timeout(2000) });
				return r.ok ? 'ready' : false;
			} catch (e) {
				return false;
			}
		}, { ms: 10000, what: 'hallqd to answer /healthz' }).catch(() => 'slow');
		if (ready === 'ready')
			break;
		const log = readFileSync(logFile, 'utf8');
		await stopPid(proc);
		/* A hallqd older than the evaluator role (issue 15's sessions) refuses its lines:
		 * start without them, and the tests that need one say so. */
		if (/unknown role 'evaluator:/.test(log) && lines.some((l) => l.startsWith('evaluator:'))) {
			lines.splice(0, lines.length, ...lines.filter((l) => !l.startsWith('evaluator:')));
			tokens.evaluators = {};
			writeTokens();
			continue;
		}
		/* Another process took the port between freePort() and hallqd's bind: try another. */
		if (attempt === 5 || !/address already in use|bind/i.test(log))
			throw new Error(`hallqd did not start (${ready}): ${log.split('\n').slice(-6).join('\n')}`);
	}

	const hall = {
		url, dir, db, port, pid: proc.pid, tokens, log: () => readFileSync(logFile, 'utf8'),

		/* A request as a program sends it: Bearer token (none when token is null), JSON
		 * body, an Idempotency-Key on every POST. headers: more request headers. */
		async api(method, path, body, tok = tokens.admin, headers = {}) {
			const h = { Accept: 'application/json', ...headers };
			if (tok)
				h.Authorization = 'Bearer ' + tok;
			if (method !== 'GET' && method !== 'HEAD' && !h['Idempotency-Key'])
				h['Idempotency-Key'] = randomUUID();
			if (body !== undefined && body !== null)
				h['Content-Type'] = 'application/json';
			const r = await fetch(url + path, {
				method, headers: h,
				body: body !== undefined && body !== null ? JSON.stringify(body) : undefined,
			});
			const raw = await r.text();
			let json = null;
			try {
				json = raw ? JSON.parse(raw) : null;
			} catch (e) {
				json = null;
			}
			return { status: r.status, json, headers: r.headers, text: raw };
		},

		/* The hall's time now, "YYYY-MM-DD HH:MM:SS" local, from hallqd's clock. */
		async hallTime() {
			const r = await hall.api('GET', '/api/v1/hall');
			return r.json.time.slice(0, 19).replace('T', ' ');
		},

		/* The hallq CLI on this hall's database at the hall's time; its stdout. Throws on a
		 * non-zero exit (the error carries code, stdout and stderr). */
		async hallq(...args) {
			const now = await hall.hallTime();
			return run(HALLQ, [...args, '--db', db], { env: { ...env, HALLQ_NOW: now } });
		},

		/* The event feed after event id `since` (hallq events --json), as objects. */
		async events(since = 0) {
			const out = await hall.hallq('events', '--since', String(since), '--json', '--limit', '100000');
			return out.split('\n').filter(Boolean).map((l) => JSON.parse(l));
		},

		/* The last event id now. */
		async lastEventId() {
			const r = await hall.api('GET', '/api/v1/hall');
			return r.json.last_event_id;
		},

		/* SIGTERM to hallqd by its PID, up to 5 s, then SIGKILL; the directory removed
		 * unless HALLQ_KEEP=1 (then printed). */
		async stop() {
			await stopPid(proc);
			if (process.env.HALLQ_KEEP === '1')
				console.log(`kept ${dir}`);
			else
				rmSync(dir, { recursive: true, force: true });
		},
	};
	return hall;
}

async function stopPid(proc) {
	if (!proc || proc.exitCode !== null || proc.signalCode !== null)
		return;
	const gone = new Promise((r) => proc.once('exit', r));
	proc.kill('SIGTERM');
	const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
	await gone;
	clearTimeout(t);
}

function run(file, args, { env } = {}) {
	return new Promise((ok, ko) => {
		execFile(file, args, { env, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
			if (err) {
				const e = new Error(`${file.split('/').pop()} ${args.join(' ')}: exit ${err.code}: ${stderr.trim()}`);
				Object.assign(e, { code: err.code, stdout, stderr });
				ko(e);
			} else {
				ok(stdout);
			}
		});
	});
}

/* ---- the hall's counters and tickets, through the API ------------------------------------ */

/* The sample hall's clerk for counter n: 1000 + n (1001 at counter 1, ...). */
export const clerkOf = (n) => String(1000 + n);

/* Sign counter n's clerk in with their PIN and open the counter, with the counter's token,
 * as a clerk at a unit does. Returns the counter. */
export async function openCounter(hall, n, clerk = clerkOf(n)) {
	const tok = hall.tokens.counter(n);
	let r = await hall.api('POST', `/api/v1/counters/${n}/sign-in`, { clerk, pin: PINS[clerk] }, tok);
	if (r.status !== 200)
		throw new Error(`sign-in of clerk ${clerk} at counter ${n}: ${r.status} ${r.text}`);
	if (r.json.state !== 'open') {
		r = await hall.api('POST', `/api/v1/counters/${n}/open`, null, tok);
		if (r.status !== 200)
			throw new Error(`open counter ${n}: ${r.status} ${r.text}`);
	}
	return r.json;
}

export async function openCounters(hall, ns) {
	const out = [];
	for (const n of ns)
		out.push(await openCounter(hall, n));
	return out;
}

/* Issue `count` tickets of a service at the kiosk; the tickets, in order. */
export async function issue(hall, service, count = 1, cls = 'normal') {
	const out = [];
	for (let i = 0; i < count; i++) {
		const r = await hall.api('POST', '/api/v1/tickets', { service, class: cls }, hall.tokens.kiosk);
		if (r.status !== 201)
			throw new Error(`issue ${service}: ${r.status} ${r.text}`);
		out.push(r.json);
	}
	return out;
}

/* A counter operation (call-next, start, finish, ...) with the counter's token. */
export async function counterOp(hall, n, op, body) {
	const r = await hall.api('POST', `/api/v1/counters/${n}/${op}`, body, hall.tokens.counter(n));
	if (r.status >= 300)
		throw new Error(`counter ${n} ${op}: ${r.status} ${r.text}`);
	return r.json;
}

/* ---- the browser ---------------------------------------------------------------------------- */

export const CHROMIUM = process.env.HALLQ_CHROMIUM || '/usr/bin/chromium';

/* Debian's Chromium, headless (no display needed), through playwright-core. Root has no
 * user namespace sandbox to give it, so it runs without one then. */
export async function browser(opts = {}) {
	const args = ['--disable-gpu', '--no-first-run', '--disable-dev-shm-usage', '--lang=zh-CN'];
	if (process.getuid && process.getuid() === 0)
		args.push('--no-sandbox');
	const b = await chromium.launch({ executablePath: CHROMIUM, headless: true, args, ...opts });
	if (process.env.HALLQ_WEB_FROM_TREE === '1') {
		/* For editing the pages: /web/PATH from assets/web of the work tree, so a change
		 * shows without rebuilding hallqd (its headers, CSP and ETag are then not tested). */
		const newContext = b.newContext.bind(b);
		b.newContext = async (o) => {
			const ctx = await newContext({ ...o, bypassCSP: true });
			await ctx.route(/\/web\/[^?]+/, (route) => {
				const path = new URL(route.request().url()).pathname.slice('/web/'.length);
				const type = { js: 'text/javascript', css: 'text/css', html: 'text/html', svg: 'image/svg+xml' }[
					path.split('.').pop()] || 'application/octet-stream';
				let body;
				try {
					body = readFileSync(join(ROOT, 'assets/web', path.replace(/\.\./g, '')));
				} catch (e) {
					return route.fulfill({ status: 404, body: 'not found' });
				}
				return route.fulfill({ status: 200, contentType: type + '; charset=utf-8', body });
			});
			return ctx;
		};
	}
	return b;
}

/* Where screenshots go: $HALLQ_SHOTS (make web-shots: docs/web), else a new temp dir. */
let shotsDir = null;
export function shotsDirectory() {
	if (!shotsDir) {
		shotsDir = process.env.HALLQ_SHOTS ? resolve(ROOT, process.env.HALLQ_SHOTS)
			: mkdtempSync(join(tmpdir(), 'hallq-shots.'));
		mkdirSync(shotsDir, { recursive: true });
	}
	return shotsDir;
}

/* A PNG of the page as it is now, NAME.png in the shots directory; its path. */
export async function shot(page, name) {
	const path = join(shotsDirectory(), name.endsWith('.png') ? name : name + '.png');
	await page.screenshot({ path, fullPage: false });
	return path;
}
