/*
 * The estimate's 80% range (docs/api.md, "The estimate's range") in a real browser. The
 * hall has a morning of business at counter 3 (eight citizens called 3 to 18 minutes apart
 * between 09:00 and 09:59, through hallq on the hall's clock before hallqd starts), so that
 * the estimate of a ticket with people ahead has a range wider than a minute. With the
 * default estimate_display = point the ticket page shows the point as it always has;
 * reloaded with estimate_display = range, the same page, without a reload, shows
 * "约 L–H 分钟 · about L–H min" from its ticket's now_est_wait_range_s, the low end rounded
 * down and the high end up, and no point. The rounding's edges, a ticket issued before
 * ranges, 即将叫号 and 窗口暂未开放 are checked on answers the test changes on their way to
 * the page. /manage shows the range as "L–H′", and its columns still fit at 1920x1080.
 * Screenshots: ticket-390-range.png (and ticket-320-range.png, ticket-768-range.png).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHall, browser, shot, issue, until, CLOCK } from './lib.mjs';

let hall, chrome, ticket;
const problems = [];
const DAY = CLOCK.slice(0, 10);

before(async () => {
	hall = await startHall({
		prepare: async (hallq) => {
			const at = (hm, ...args) => hallq(DAY + ' ' + hm, ...args);
			for (let i = 0; i < 8; i++)
				await at('09:00', 'issue', 'business');
			for (const hm of ['09:00', '09:05', '09:17', '09:20', '09:38', '09:46', '09:55', '09:59']) {
				await at(hm, 'call', '3');
				await at(hm, 'start', '3');
				await at(hm, 'finish', '3');
			}
		},
	});
	chrome = await browser();
});

after(async () => {
	if (chrome)
		await chrome.close();
	if (hall)
		await hall.stop();
});

/* The rule every place that shows a range follows (docs/api.md), written out again. */
function rangeText([low, high]) {
	const lo = Math.floor(low / 60), hi = Math.max(Math.ceil(high / 60), lo + 1);
	return hi <= 1 ? '不到 1 分钟under a minute' : `约 ${lo}–${hi} 分钟about ${lo}–${hi} min`;
}

/* The point, as the page has always said it. */
function pointText(s) {
	if (s < 60)
		return '不到 1 分钟under a minute';
	const m = Math.ceil(s / 60);
	assert.ok(m < 60, `a wait under an hour in these tests (${s} s)`);
	return `约 ${m} 分钟about ${m} min`;
}

/* A phone's page of ticket t. page.ticket is the last ticket JSON the page itself fetched
 * (each estimate plays the hall forward afresh, so two answers a moment apart differ);
 * page.patch, when set, changes each such answer before the page sees it. */
async function phone(t, viewport = { width: 390, height: 844 }) {
	const ctx = await chrome.newContext({ viewport, deviceScaleFactor: 1, isMobile: viewport.width < 800,
		hasTouch: viewport.width < 800, locale: 'zh-CN' });
	const page = await ctx.newPage();
	page.ticket = null;
	page.patch = null;
	page.on('pageerror', (e) => problems.push('page error: ' + e.message));
	page.on('console', (m) => {
		if (m.type() === 'error' && !/^Failed to load resource/.test(m.text()))
			problems.push('console: ' + m.text());
	});
	const url = new URL(t.status_url);
	await page.route((u) => u.pathname === url.pathname, async (route) => {
		if (!/application\/json/.test(route.request().headers().accept || ''))
			return route.continue();
		try {
			const r = await route.fetch();
			const j = await r.json();
			if (page.patch)
				page.patch(j);
			page.ticket = j;
			await route.fulfill({ response: r, json: j });
		} catch (e) {
			/* The page closed or reloaded meanwhile: nobody waits for this answer. */
		}
	});
	await page.goto(hall.url + url.pathname + url.search);
	return page;
}

const waitText = (page) => page.locator('#wait').textContent();

/* Rewrite the hall's config with edit(text) and have hallqd re-read it (SIGHUP); resolves
 * once /api/v1/hall says estimate_display `mode`. */
async function display(mode) {
	const ini = join(hall.dir, 'hall.ini');
	const text = readFileSync(ini, 'utf8').replace(/^estimate_display = .*\n/m, '');
	writeFileSync(ini, text.replace(/^\[hall\]\n/m, `[hall]\nestimate_display = ${mode}\n`));
	process.kill(hall.pid, 'SIGHUP');
	await until(async () => (await hall.api('GET', '/api/v1/hall')).json.estimate_display === mode,
		{ what: `estimate_display ${mode} after the reload` });
}

test('point, the default: the ticket JSON says so and carries a range; the page shows the point', async () => {
	const ts = await issue(hall, 'business', 4);
	ticket = ts[3];
	assert.equal(ticket.people_ahead, 3);
	assert.equal(ticket.estimate_display, 'point');
	const [low, high] = ticket.est_wait_range_s;
	assert.ok(low <= ticket.est_wait_s && ticket.est_wait_s <= high, `${low} <= ${ticket.est_wait_s} <= ${high}`);
	assert.ok(high - low >= 120, `a range wider than a minute from the morning's turns: [${low}, ${high}]`);

	const page = await phone(ticket);
	await until(async () => page.ticket && (await waitText(page)) === pointText(page.ticket.now_est_wait_s),
		{ what: 'the point of the JSON the page read' });
	assert.equal(page.ticket.estimate_display, 'point');
	assert.ok(Array.isArray(page.ticket.now_est_wait_range_s), 'now_est_wait_range_s is there, unused');
	assert.doesNotMatch(await waitText(page), /–/);
	await page.context().close();
});

test('range: the open page shows "约 L–H 分钟" from now_est_wait_range_s and no point', async () => {
	const page = await phone(ticket);
	await until(async () => page.ticket && /^约 \d+ 分钟/.test(await waitText(page)), { what: 'the point first' });
	await page.evaluate(() => { window.notReloaded = true; });
	await display('range');
	await until(async () => page.ticket && page.ticket.estimate_display === 'range' &&
		(await waitText(page)) === rangeText(page.ticket.now_est_wait_range_s),
		{ what: 'the range of the JSON the page read, without a reload' });
	const t = page.ticket, said = await waitText(page);
	assert.equal(await page.evaluate(() => window.notReloaded), true, 'the page was not reloaded');
	assert.match(said, /^约 \d+–\d+ 分钟about \d+–\d+ min$/);
	assert.ok(t.now_est_wait_range_s[0] <= t.now_est_wait_s && t.now_est_wait_s <= t.now_est_wait_range_s[1]);
	assert.notEqual(said, pointText(t.now_est_wait_s));
	assert.doesNotMatch(said, new RegExp(`约 ${Math.ceil(t.now_est_wait_s / 60)} 分钟`), 'no point beside the range');
	await shot(page, 'ticket-390-range');
	for (const [width, height] of [[320, 640], [768, 1024]]) {
		const other = await phone(ticket, { width, height });
		await until(async () => /–/.test(await waitText(other)) && /实时更新/.test(await other.locator('#live').textContent()),
			{ what: `the range at ${width} px, live` });
		const fit = await other.evaluate(() => [document.documentElement.scrollWidth,
			...[...document.querySelectorAll('.figures dd')].map((e) => e.scrollWidth - e.clientWidth)]);
		assert.ok(fit[0] <= width && fit.slice(1).every((d) => d <= 0), `nothing wider than the page or its box at ${width} px (${fit})`);
		await shot(other, `ticket-${width}-range`);
		await other.context().close();
	}
	await page.context().close();
});

test('range: the rounding, a ticket without a range, and the words that win over a range', async () => {
	const page = await phone(ticket);
	await until(async () => page.ticket && /–/.test(await waitText(page)), { what: 'the range' });
	const now = (s, r, more = {}) => (j) => Object.assign(j, { now_est_wait_s: s, now_est_wait_range_s: r }, more);
	const cases = [
		[now(1200, [900, 1500]), '约 15–25 分钟about 15–25 min'],
		[now(100, [61, 119]), '约 1–2 分钟about 1–2 min'],
		[now(1200, [1200, 1200]), '约 20–21 分钟about 20–21 min'],
		[now(1230, [1199, 1201]), '约 19–21 分钟about 19–21 min'],
		[now(30, [10, 50]), '不到 1 分钟under a minute'],
		[now(60, [0, 60]), '不到 1 分钟under a minute'],
		[now(0, [0, 0]), '不到 1 分钟under a minute'],
		/* No range known (a hallqd without ranges): the point. */
		[now(600, null), '约 10 分钟about 10 min'],
		[(j) => { now(600, [300, 900])(j); delete j.now_est_wait_range_s; }, '约 10 分钟about 10 min'],
		/* A hall in point mode, or a hallqd older than estimate_display: the point. */
		[now(600, [300, 900], { estimate_display: 'point' }), '约 10 分钟about 10 min'],
		[(j) => { now(600, [300, 900])(j); delete j.estimate_display; }, '约 10 分钟about 10 min'],
		/* Without now_* (an older hallqd): the ticket's own, as at its issue. */
		[(j) => {
			for (const k of Object.keys(j))
				if (k.startsWith('now_est_'))
					delete j[k];
			Object.assign(j, { est_wait_s: 700, est_wait_range_s: [600, 900] });
		}, '约 10–15 分钟about 10–15 min'],
		/* Nobody ahead: next, whatever the range. */
		[now(300, [120, 600], { now_ahead: 0 }), "即将叫号you're next"],
		/* No counter open wins over everything. */
		[now(null, null, { now_est_reason: 'no_counter', now_est_opens_at: null }), '窗口暂未开放No counter open yet'],
		[now(null, [300, 600], { now_est_reason: 'no_counter', now_est_opens_at: null }), '窗口暂未开放No counter open yet'],
	];
	for (const [patch, want] of cases) {
		page.patch = patch;
		page.ticket = null;
		await page.reload();
		await until(async () => page.ticket && (await waitText(page)) === want,
			{ what: `"${want}" for ${JSON.stringify(page.ticket && [page.ticket.now_est_wait_s, page.ticket.now_est_wait_range_s])}` });
	}
	await page.context().close();
});

test('/manage in range mode: the estimate as "L–H′", and the columns still fit at 1920x1080', async () => {
	const ctx = await chrome.newContext({ viewport: { width: 1920, height: 1080 }, deviceScaleFactor: 1, locale: 'zh-CN' });
	const wall = await ctx.newPage();
	let seen = null;
	wall.on('pageerror', (e) => problems.push('page error: ' + e.message));
	wall.on('response', async (r) => {
		if (new URL(r.url()).pathname === '/api/v1/hall' && r.ok())
			seen = await r.json().catch(() => seen);
	});
	await wall.goto(hall.url + '/manage');
	await wall.locator('form.signin #token').fill(hall.tokens.manager);
	await wall.locator('form.signin button[type=submit]').click();
	await wall.locator('#wall').waitFor({ state: 'visible', timeout: 5000 });

	const est = wall.locator('#services tr[data-service="business"] td:nth-child(4)');
	const want = () => {
		const s = seen && seen.services.find((x) => x.key === 'business');
		if (!s || !s.est_wait_range_s)
			return null;
		const lo = Math.floor(s.est_wait_range_s[0] / 60), hi = Math.max(Math.ceil(s.est_wait_range_s[1] / 60), lo + 1);
		return `${lo}–${hi}′`;
	};
	await until(async () => seen && seen.estimate_display === 'range' && want() && (await est.textContent()) === want(),
		{ what: 'business\'s range as the hall JSON the page read has it' });
	assert.match(await est.textContent(), /^\d+–\d+′$/);
	for (const td of await wall.locator('#services tr td:nth-child(4)').allTextContents())
		assert.match(td, /^(\d+–\d+′|\d+:\d\d(:\d\d)?|—|窗口暂未开放 No counter open yet)$/, 'estimate ' + td);
	const clipped = await wall.evaluate(() => {
		const panel = document.querySelector('.panel.services');
		const cs = getComputedStyle(panel);
		const right = panel.getBoundingClientRect().right - parseFloat(cs.paddingRight) + 0.5;
		const out = [...panel.querySelectorAll('th, td')].filter((c) => c.getBoundingClientRect().right > right)
			.map((c) => c.textContent.trim());
		if (panel.scrollWidth > panel.clientWidth)
			out.push('the panel scrolls sideways');
		if (document.documentElement.scrollWidth > innerWidth)
			out.push('the page scrolls sideways');
		return out;
	});
	assert.deepEqual(clipped, []);
	const height = () => wall.evaluate(() => document.querySelector('.panel.services').scrollHeight);
	const rangeHeight = await height();

	/* Back to point: m:ss again, without a reload; the range made the table no taller. */
	await display('point');
	await until(async () => /^\d+:\d\d$/.test(await est.textContent()), { what: 'the point on /manage again' });
	assert.ok(rangeHeight <= await height(), `the services no taller with ranges: ${rangeHeight} px, ${await height()} px`);
	await ctx.close();
});

test('no page errors and nothing refused by the Content-Security-Policy', () => {
	assert.deepEqual(problems, []);
});
