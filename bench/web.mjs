/*
 * bench/web.mjs: the web pages' figures (issue 15, docs/bench.md "web"), in Debian's
 * Chromium through playwright-core (tests/web/lib.mjs), against a hallqd of its own on
 * loopback. Three figures, each printed with its target and its ratio to it:
 *   1. page load to first paint, for every page (target < 300 ms);
 *   2. "call next" clicked on the /counter page to the `called` event at a separate
 *      event-stream client (target p99 < 100 ms); through the API while the page has no
 *      #call-next button;
 *   3. /manage following a hall of 20 busy counters at 120x simulated speed: the browser's
 *      CPU (CDP Performance.getMetrics TaskDuration over wall time, target < 5% of a core)
 *      and its JS heap over HALLQ_BENCH_WEB_MINUTES (default 2; the issue asks 10), which
 *      must not grow.
 * Sizes: HALLQ_BENCH_WEB_LOADS (loads a page, default 20), HALLQ_BENCH_WEB_CALLS (default
 * 200), HALLQ_BENCH_WEB_MINUTES. It measures; it exits non-zero only when something fails.
 */
import { startHall, browser, openCounter, openCounters, issue, counterOp, sleep, until } from '../tests/web/lib.mjs';

const num = (name, dflt) => {
	const v = process.env[name];
	if (v === undefined || v === '')
		return dflt;
	const n = Number(v);
	if (!(n > 0))
		throw new Error(`${name}=${v}: want a positive number`);
	return n;
};
const LOADS = num('HALLQ_BENCH_WEB_LOADS', 20);
const CALLS = num('HALLQ_BENCH_WEB_CALLS', 200);
const MINUTES = num('HALLQ_BENCH_WEB_MINUTES', 2);

const pct = (xs, p) => {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.max(0, Math.ceil(p / 100 * s.length) - 1)];
};
const f1 = (x) => x.toFixed(1);
const verdict = (ok) => (ok ? 'met' : 'NOT met');
const summary = [];
/* The sample hall without its daily caps, which a bench's hundreds of tickets would reach. */
const noCaps = (ini) => ini.replace(/^daily_cap = \d+\n/gm, '');

/* A session cookie in the browser context, as a page's sign-in form gets one. */
async function signIn(ctx, hall, token) {
	const r = await ctx.request.post(hall.url + '/api/v1/session', { data: { token } });
	return r.status();
}

/* An event-stream client of its own (not the browser): the arrival time of each event by
 * ticket id and type. */
function eventClient(hall, token) {
	const ctl = new AbortController();
	const waiters = [];
	const done = (async () => {
		const r = await fetch(hall.url + '/api/v1/events', {
			headers: { Authorization: 'Bearer ' + token, Accept: 'text/event-stream' }, signal: ctl.signal,
		});
		const dec = new TextDecoder();
		let buf = '';
		for await (const chunk of r.body) {
			const at = performance.now();
			buf += dec.decode(chunk, { stream: true });
			let i;
			while ((i = buf.indexOf('\n\n')) >= 0) {
				const block = buf.slice(0, i);
				buf = buf.slice(i + 2);
				const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5)).join('');
				if (!data)
					continue;
				const ev = JSON.parse(data);
				for (let k = waiters.length - 1; k >= 0; k--)
					if (waiters[k].match(ev)) {
						waiters[k].resolve(performance.timeOrigin + at);
						waiters.splice(k, 1);
					}
			}
		}
	})().catch(() => {});
	return {
		next(match) {
			return new Promise((resolve) => waiters.push({ match, resolve }));
		},
		close() { ctl.abort(); return done; },
	};
}

/* ---- 1. page load to first paint ---------------------------------------------------------- */
async function firstPaint(chrome) {
	const hall = await startHall({ counters: [3] });
	try {
		const [t] = await issue(hall, 'business', 1);
		const pages = [['/', 'index'], ['/counter', 'counter'], ['/counter/3/evaluate', 'evaluate'],
			['/manage', 'manage'], ['/manage/reports', 'reports'], [`/api/v1/tickets/${t.id}`, 'ticket']];
		console.log(`page load to first paint, ${LOADS} loads a page, fresh context each (ms):`);
		let worst = 0, measured = 0;
		for (const [path, name] of pages) {
			const xs = [];
			let status = 0;
			for (let i = 0; i < LOADS; i++) {
				const ctx = await chrome.newContext({ viewport: { width: 1920, height: 1080 } });
				const page = await ctx.newPage();
				const resp = await page.goto(hall.url + path, { waitUntil: 'load' });
				status = resp.status();
				const fp = await page.evaluate(() => new Promise((ok) => {
					const get = () => {
						const e = performance.getEntriesByType('paint').find((x) => x.name === 'first-contentful-paint') ||
							performance.getEntriesByType('paint').find((x) => x.name === 'first-paint');
						if (e)
							ok(e.startTime);
						else
							requestAnimationFrame(get);
					};
					get();
					setTimeout(() => ok(null), 3000);
				}));
				await ctx.close();
				if (fp !== null)
					xs.push(fp);
			}
			if (status >= 400 || !xs.length) {
				console.log(`  ${name.padEnd(9)} ${path}: not measured (HTTP ${status})`);
				continue;
			}
			measured++;
			const p50 = pct(xs, 50), max = Math.max(...xs);
			worst = Math.max(worst, pct(xs, 99));
			console.log(`  ${name.padEnd(9)} p50 ${f1(p50)}  p99 ${f1(pct(xs, 99))}  max ${f1(max)}  (${f1(pct(xs, 99) / 300)} of 300 ms)`);
		}
		summary.push(`first paint: worst page p99 ${f1(worst)} ms over ${measured} pages, ` +
			`${(worst / 300).toFixed(2)} of target (target < 300 ms: ${verdict(worst < 300)})`);
	} finally {
		await hall.stop();
	}
}

/* ---- 2. call next to the event ------------------------------------------------------------ */
async function callToEvent(chrome) {
	const hall = await startHall({ counters: [3], edit: noCaps });
	const events = eventClient(hall, hall.tokens.display);
	try {
		await openCounter(hall, 3);
		await issue(hall, 'business', CALLS + 5);
		await sleep(200); /* the stream's head is in */
		const ctx = await chrome.newContext({ viewport: { width: 1920, height: 1080 } });
		const page = await ctx.newPage();
		let how = 'API (POST /api/v1/counters/3/call-next)';
		let click = null;
		if ((await signIn(ctx, hall, hall.tokens.counter(3))) === 201) {
			const resp = await page.goto(hall.url + '/counter');
			const button = page.locator('#call-next');
			if (resp.ok() && await button.waitFor({ state: 'visible', timeout: 5000 }).then(() => true, () => false)) {
				how = 'the /counter page (#call-next clicked)';
				/* The page notes when the click reaches the button (unix ms, the same clock
				 * as this process's performance.timeOrigin + now()): what the driver spends
				 * before it (actionability checks, scrolling) is not the page's. */
				await page.evaluate(() => document.getElementById('call-next').addEventListener('click',
					() => { window.hallqClickAt = performance.timeOrigin + performance.now(); }, true));
				click = async () => {
					await until(() => button.isEnabled(), { ms: 5000, what: '#call-next enabled' });
					await button.click();
					return page.evaluate(() => window.hallqClickAt);
				};
			}
		}
		const xs = [];
		for (let i = 0; i < CALLS; i++) {
			const arrived = events.next((e) => e.type === 'called' && e.counter === 3);
			let t0 = performance.timeOrigin + performance.now();
			if (click)
				t0 = await click();
			else
				await counterOp(hall, 3, 'call-next');
			const at = await Promise.race([arrived, sleep(5000).then(() => null)]);
			if (at === null)
				throw new Error(`call ${i + 1}: no called event within 5 s`);
			xs.push(at - t0);
		}
		await ctx.close();
		const p99 = pct(xs, 99);
		console.log(`call next to the event at another stream client, ${CALLS} calls through ${how} (ms):`);
		console.log(`  p50 ${f1(pct(xs, 50))}  p99 ${f1(p99)}  max ${f1(Math.max(...xs))}`);
		summary.push(`call next to event (${click ? 'page' : 'API'}): p99 ${f1(p99)} ms, ` +
			`${(p99 / 100).toFixed(2)} of target (target < 100 ms: ${verdict(p99 < 100)})`);
	} finally {
		await events.close();
		await hall.stop();
	}
}

/* ---- 3. /manage over a busy hall at 120x ---------------------------------------------------- */
async function manageLoad(chrome) {
	const counters = Array.from({ length: 20 }, (_, i) => i + 1);
	const hall = await startHall({ speed: 120, counters, edit: noCaps });
	let driving = true;
	try {
		await openCounters(hall, counters);
		const services = (await hall.api('GET', '/api/v1/hall')).json.services.filter((s) => s.open).map((s) => s.key);
		/* The hall: a ticket issued and a counter calling its next (finishing the one before)
		 * about every 150 ms of real time, 18 s of hall time at 120x: a busy day's pace. */
		const drive = (async () => {
			let k = 0;
			while (driving) {
				await issue(hall, services[k % services.length], 1).catch(() => {});
				await counterOp(hall, counters[k % counters.length], 'call-next').catch(() => {});
				k++;
				await sleep(150);
			}
		})();
		const ctx = await chrome.newContext({ viewport: { width: 1920, height: 1080 } });
		const signed = await signIn(ctx, hall, hall.tokens.manager);
		const page = await ctx.newPage();
		const resp = await page.goto(hall.url + '/manage');
		if (signed !== 201 || !resp.ok()) {
			console.log(`/manage: not measured (session ${signed}, page HTTP ${resp.status()})`);
			summary.push('manage CPU and memory: not measured (no /manage page or sessions in this hallqd)');
			driving = false;
			await drive;
			await ctx.close();
			return;
		}
		const cdp = await ctx.newCDPSession(page);
		await cdp.send('Performance.enable', { timeDomain: 'threadTicks' }).catch(() => cdp.send('Performance.enable'));
		const metrics = async () => {
			const m = (await cdp.send('Performance.getMetrics')).metrics;
			return Object.fromEntries(m.map((x) => [x.name, x.value]));
		};
		const heap = async () => {
			await cdp.send('HeapProfiler.collectGarbage').catch(() => {});
			return (await metrics()).JSHeapUsedSize / 1048576;
		};
		await sleep(5000); /* the page has loaded and settled */
		const heaps = [await heap()];
		const m0 = await metrics(), w0 = performance.now();
		const end = w0 + MINUTES * 60000;
		const step = Math.min(30000, MINUTES * 60000 / 4);
		console.log(`/manage, 20 counters at 120x, ${MINUTES} min (JS heap after GC, MB):`);
		console.log(`  0 s: ${heaps[0].toFixed(2)} MB`);
		while (performance.now() < end) {
			await sleep(Math.min(step, end - performance.now()));
			const h = await heap();
			heaps.push(h);
			console.log(`  ${Math.round((performance.now() - w0) / 1000)} s: ${h.toFixed(2)} MB`);
		}
		const m1 = await metrics(), wall = (performance.now() - w0) / 1000;
		const cpu = (m1.TaskDuration - m0.TaskDuration) / wall;
		driving = false;
		await drive;
		await ctx.close();
		/* Growth: the second half's mean over the first half's (a leak shows as a rise). */
		const half = Math.floor(heaps.length / 2);
		const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
		const growth = heaps.length > 2 ? mean(heaps.slice(half)) / mean(heaps.slice(0, half)) : heaps.at(-1) / heaps[0];
		console.log(`  browser CPU: ${(cpu * 100).toFixed(2)}% of a core (TaskDuration ${f1(m1.TaskDuration - m0.TaskDuration)} s over ${f1(wall)} s)`);
		summary.push(`manage CPU: ${(cpu * 100).toFixed(2)}% of a core, ${(cpu / 0.05).toFixed(2)} of target (target < 5%: ${verdict(cpu < 0.05)})`);
		summary.push(`manage JS heap: ${heaps[0].toFixed(2)} -> ${heaps.at(-1).toFixed(2)} MB over ${MINUTES} min, ` +
			`second half ${growth.toFixed(2)} of first (target: no growth, <= 1.10: ${verdict(growth <= 1.1)})`);
	} finally {
		driving = false;
		await hall.stop();
	}
}

const chrome = await browser();
let failed = false;
for (const part of [firstPaint, callToEvent, manageLoad]) {
	try {
		await part(chrome);
	} catch (e) {
		failed = true;
		console.log(`ERROR in ${part.name}: ${e.stack || e}`);
	}
}
await chrome.close();
console.log('');
for (const l of summary)
	console.log(l);
process.exit(failed ? 1 : 0);
