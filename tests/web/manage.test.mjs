/*
 * The managers' pages in a real browser: /manage (the live hall) and /manage/reports. A
 * manager signs in with the manager token; a call made through the API shows on the live
 * hall within a second; an alert (a pause without a reason, pause_no_reason: 2 minutes of
 * hall time, seconds at --speed 30) is acknowledged with a note from the page, as
 * GET /api/v1/alerts then says; the reports' cells equal /api/v1/stats for the same range;
 * the statistics' CSV downloads and equals /api/v1/stats?format=csv; a service with no
 * counter open shows 窗口暂未开放 instead of an estimate. Screenshots manage-1920.png,
 * manage-390.png, reports-1920.png and reports-390.png of a hall with some activity.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startHall, browser, shot, openCounters, issue, counterOp, until } from './lib.mjs';

let hall, chrome, wall;
const problems = [];

/* The formatting of reports.js, for comparing its cells with the JSON. */
const clock = (s) => {
	s = Math.max(0, Math.floor(s));
	const h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, x = s % 60;
	const two = (n) => String(n).padStart(2, '0');
	return h ? h + ':' + two(m) + ':' + two(x) : m + ':' + two(x);
};
const CELLS = {
	issued: (r) => String(r.issued), served: (r) => String(r.served), waiting: (r) => String(r.waiting),
	called: (r) => String(r.called),
	wait_mean_s: (r) => (r.called ? clock(r.wait_mean_s) : '—'),
	on_time_rate: (r) => (r.called ? (r.on_time_rate * 100).toFixed(1) + '%' : '—'),
	satisfaction_rate: (r) => (r.rated ? (r.satisfaction_rate * 100).toFixed(1) + '%' : '—'),
};

before(async () => {
	hall = await startHall({ speed: 30 });
	chrome = await browser();
	/* Some activity: six counters at work, tickets of four services, a few served and
	 * rated (one badly, which opens a case). */
	await openCounters(hall, [1, 2, 3, 4, 5, 6]);
	/* Counter 20 alone serves green: closed, that queue has no counter open, no estimate. */
	const closed = await hall.api('POST', '/api/v1/counters/20/close', null, hall.tokens.counter(20));
	assert.equal(closed.status, 200, closed.text);
	await issue(hall, 'business', 5);
	await issue(hall, 'enquiry', 4);
	await issue(hall, 'realestate', 3);
	await issue(hall, 'tax', 2);
	for (const n of [1, 2, 3, 4]) {
		await counterOp(hall, n, 'call-next');
		await counterOp(hall, n, 'start');
		await counterOp(hall, n, 'finish');
		const r = await hall.api('POST', `/api/v1/counters/${n}/rate`, { score: n === 4 ? 2 : 5 }, hall.tokens.manager);
		assert.equal(r.status, 200, r.text);
		await counterOp(hall, n, 'call-next');
	}
});

after(async () => {
	if (chrome)
		await chrome.close();
	if (hall)
		await hall.stop();
});

/* A page at `path`, signed in as the manager (the sign-in form when there is no session). */
async function open(path, viewport, ctx = null) {
	ctx = ctx || await chrome.newContext({ viewport, deviceScaleFactor: 1, locale: 'zh-CN' });
	const page = await ctx.newPage();
	page.on('pageerror', (e) => problems.push('page error: ' + e.message));
	page.on('console', (m) => {
		if (m.type() === 'error' && !/^Failed to load resource/.test(m.text()))
			problems.push('console: ' + m.text());
	});
	await page.goto(hall.url + path);
	const form = page.locator('form.signin #token');
	const main = page.locator(path === '/manage' ? '#wall' : '#page');
	await until(async () => (await form.isVisible()) || (await main.isVisible()), { what: 'the page or its sign-in' });
	if (await form.isVisible()) {
		await form.fill(hall.tokens.manager);
		await page.locator('form.signin button[type=submit]').click();
	}
	await main.waitFor({ state: 'visible', timeout: 5000 });
	return page;
}

test('a manager signs in with the manager token and sees every service and counter', async () => {
	wall = await open('/manage', { width: 1920, height: 1080 });
	const h = (await hall.api('GET', '/api/v1/hall', null, hall.tokens.manager)).json;
	await until(async () => (await wall.locator('#counters li').count()) === h.counters.length, { what: 'the counters' });
	assert.equal(await wall.locator('#services tr').count(), h.services.length);
	const c1 = h.counters.find((c) => c.number === 1);
	assert.equal(await wall.locator('li[data-counter="1"] .ticket').textContent(), c1.serving.label);
});

test('at 1920x1080 every column of the services fits, the estimate with its unit', async () => {
	const clipped = await wall.evaluate(() => {
		const panel = document.querySelector('.panel.services');
		const cs = getComputedStyle(panel);
		const right = panel.getBoundingClientRect().right - parseFloat(cs.paddingRight) + 0.5;
		const out = [...panel.querySelectorAll('th, td')].filter((c) => c.getBoundingClientRect().right > right)
			.map((c) => c.textContent.trim());
		if (panel.scrollWidth > panel.clientWidth)
			out.push('the panel scrolls sideways');
		return out;
	});
	assert.deepEqual(clipped, []);
	/* The estimate is a duration as the oldest wait is (m:ss), not a bare number; or the
	 * words when no counter of the service is open. */
	for (const td of await wall.locator('#services tr td:nth-child(4)').allTextContents())
		assert.match(td, /^(\d+:\d\d(:\d\d)?|—|窗口暂未开放 No counter open yet)$/, 'estimate ' + td);
});

test('a service with no counter open shows the words instead of an estimate, and a figure once one opens', async () => {
	const est = wall.locator('#services tr[data-service="green"] td:nth-child(4)');
	const h = (await hall.api('GET', '/api/v1/hall', null, hall.tokens.manager)).json;
	const green = h.services.find((s) => s.key === 'green');
	assert.equal(green.est_wait_s, null);
	assert.equal(green.est_reason, 'no_counter');
	await until(async () => (await est.textContent()) === '窗口暂未开放 No counter open yet', { what: 'the words for green' });
	const r = await hall.api('POST', '/api/v1/counters/20/open', null, hall.tokens.counter(20));
	assert.equal(r.status, 200, r.text);
	await until(async () => /^\d+:\d\d$/.test(await est.textContent()), { ms: 2000, what: 'an estimate for green once counter 20 opens' });
	const again = await hall.api('POST', '/api/v1/counters/20/close', null, hall.tokens.counter(20));
	assert.equal(again.status, 200, again.text);
	await until(async () => (await est.textContent()) === '窗口暂未开放 No counter open yet', { what: 'the words again' });
});

test('a call made through the API shows on the live hall within a second', async () => {
	const [t] = await issue(hall, 'business', 1);
	await counterOp(hall, 5, 'call', { ticket: t.label });
	const t0 = Date.now();
	await until(async () => (await wall.locator('li[data-counter="5"] .ticket').textContent()) === t.label,
		    { ms: 1000, every: 10, what: `counter 5 to show ${t.label}` });
	const took = Date.now() - t0;
	assert.ok(took < 1000, `shown after ${took} ms`);
	assert.match(await wall.locator('li[data-counter="5"] .state').textContent(), /已呼叫/);
});

test('an alert raised by a pause without a reason is acknowledged with a note from the page', async () => {
	await counterOp(hall, 6, 'pause');
	/* pause_no_reason: 2 minutes of hall time, 4 s at --speed 30. */
	const alert = await until(async () => {
		const r = await hall.api('GET', '/api/v1/alerts', null, hall.tokens.manager);
		return r.json.alerts.find((a) => a.rule === 'pause_no_reason' && a.subject === 'counter:6');
	}, { ms: 20000, every: 200, what: 'pause_no_reason on counter 6' });
	const item = wall.locator(`li[data-alert="${alert.id}"]`);
	await item.waitFor({ state: 'visible', timeout: 3000 });
	assert.match(await wall.locator('li[data-counter="6"] .state').textContent(), /暂停/);
	await item.locator('button.ack').click();
	await item.locator('input[name=who]').fill('王主任');
	await item.locator('input[name=note]').fill('已提醒窗口说明暂停原因');
	await item.locator('form.ack-form button[type=submit]').click();
	const acked = await until(async () => {
		const r = await hall.api('GET', '/api/v1/alerts?state=all', null, hall.tokens.manager);
		const a = r.json.alerts.find((x) => x.id === alert.id);
		return a && a.acked_at ? a : null;
	}, { ms: 3000, what: 'the acknowledgement in the API' });
	assert.equal(acked.acked_by, '王主任');
	assert.equal(acked.ack_note, '已提醒窗口说明暂停原因');
	await until(async () => /王主任/.test(await item.locator('.acked').textContent()), { what: 'the page to show who' });
	await shot(wall, 'manage-1920');
});

test('an alert is acknowledged with the keyboard alone: Tab to it, Enter, the note, Enter', async () => {
	const open = (await hall.api('GET', '/api/v1/alerts', null, hall.tokens.manager)).json.alerts;
	const alert = open.find((a) => !a.acked_at);
	assert.ok(alert, 'an alert not yet acknowledged');
	/* Its title is Chinese first, from its kind; the counter it names in both languages. */
	const item = wall.locator(`li[data-alert="${alert.id}"]`);
	if (alert.kind === 'bad_review')
		assert.match(await item.locator('.atitle').textContent(), /^差评待核实/);
	if (alert.counter)
		assert.match(await item.locator('.subject').textContent(), new RegExp(alert.counter + '号窗口.*Counter ' + alert.counter));
	const button = item.locator('button.ack');
	await wall.evaluate(() => document.activeElement && document.activeElement.blur());
	let there = false;
	for (let i = 0; i < 100 && !there; i++) {
		await wall.keyboard.press('Tab');
		there = await button.evaluate((b) => b === document.activeElement);
	}
	assert.ok(there, 'Tab reaches the acknowledge button');
	await wall.keyboard.press('Enter');
	/* The name is remembered from the last acknowledgement: the note has the focus. */
	if (await wall.evaluate(() => document.activeElement.name) === 'who') {
		await wall.keyboard.type('李科长');
		await wall.keyboard.press('Tab');
	}
	assert.equal(await wall.evaluate(() => document.activeElement.name), 'note');
	await wall.keyboard.type('键盘确认');
	await wall.keyboard.press('Enter');
	await until(async () => {
		const r = await hall.api('GET', '/api/v1/alerts?state=all', null, hall.tokens.manager);
		const a = r.json.alerts.find((x) => x.id === alert.id);
		return a && a.ack_note === '键盘确认';
	}, { ms: 3000, what: 'the acknowledgement made with the keyboard' });
	await item.locator('.acked').filter({ hasText: '键盘确认' }).waitFor();
});

test("the reports' numbers equal /api/v1/stats for the same range", async () => {
	const page = await open('/manage/reports', { width: 1920, height: 1080 });
	await page.locator('body[data-ready="1"]').waitFor({ timeout: 5000 });
	const from = await page.locator('#from').inputValue();
	const to = await page.locator('#to').inputValue();
	assert.equal(from, (await hall.hallTime()).slice(0, 10));
	for (const by of ['service', 'counter']) {
		await page.locator(`#groups button[data-group="${by}"]`).click();
		await until(async () => (await page.locator('#stats-csv').getAttribute('href') || '').includes('by=' + by),
			    { what: `the table by ${by}` });
		const s = (await hall.api('GET', `/api/v1/stats?by=${by}&from=${from}&to=${to}`, null, hall.tokens.manager)).json;
		assert.ok(s.rows.length > 0, `rows by ${by}`);
		for (const row of s.rows.concat([s.total])) {
			const tr = row === s.total ? page.locator('#stats-table tfoot tr')
				: page.locator(`#stats-table tbody tr[data-key="${row.key}"]`);
			for (const [field, fmt] of Object.entries(CELLS))
				assert.equal(await tr.locator(`td[data-field="${field}"]`).textContent(), fmt(row),
					     `${by} ${row.key} ${field}`);
		}
		if (by === 'service')
			for (const field of ['issued', 'served', 'on_time_rate'])
				assert.equal(await page.locator(`#figures [data-field="${field}"] .v`).textContent(),
					     CELLS[field](s.total), `key figure ${field}`);
	}
	await page.locator('#groups button[data-group="service"]').click();
	await shot(page, 'reports-1920');
	await page.context().close();
});

test('the statistics CSV downloads and equals /api/v1/stats?format=csv', async () => {
	const ctx = await chrome.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
	const page = await open('/manage/reports', null, ctx);
	await page.locator('body[data-ready="1"]').waitFor({ timeout: 5000 });
	const href = await page.locator('#stats-csv').getAttribute('href');
	const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#stats-csv').click()]);
	const got = readFileSync(await download.path(), 'utf8');
	const want = (await hall.api('GET', href, null, hall.tokens.manager)).text;
	assert.match(want, /^key,issued,/);
	assert.equal(got, want);
	await ctx.close();
});

test('screenshots at 390 px', async () => {
	const ctx = await chrome.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1,
		isMobile: true, hasTouch: true, locale: 'zh-CN' });
	const m = await open('/manage', null, ctx);
	await until(async () => (await m.locator('#counters li').count()) > 0, { what: 'the counters' });
	await shot(m, 'manage-390');
	const r = await open('/manage/reports', null, ctx);
	await r.locator('body[data-ready="1"]').waitFor({ timeout: 5000 });
	await shot(r, 'reports-390');
	await ctx.close();
});

test('no page error, console error or CSP refusal', () => {
	assert.deepEqual(problems, []);
});
