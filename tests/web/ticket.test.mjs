/*
 * The ticket status page (assets/web/ticket.html + ticket.js) in a real browser: it follows
 * the ticket's event stream, so a call made through the API shows without a reload within a
 * second, and the people ahead change when someone ahead is called; the phone vibrates at
 * the call; after the finish it offers the 好差评 review, and the review sent shows in the API.
 * Its longest label fits a 320 px phone. Screenshots: ticket-390.png (390x844, waiting),
 * ticket-390-called.png, ticket-390-review.png and ticket-1920.png.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHall, browser, shot, openCounter, issue, counterOp, until } from './lib.mjs';

let hall, chrome;
const problems = [];

before(async () => {
	/* One more service with the longest label there is: 3 letters and 4 digits (XYZ9876). */
	hall = await startHall({
		edit: (ini) => ini + '\n[service longest]\nname = 长号测试\nname_en = Longest label\nprefix = XYZ\n' +
			'numbers = 9876-9999\nhours = 00:00-24:00\ndays = mon-sun\n\n[counter 21]\nservices = longest\n',
		counters: [1, 2, 3, 4, 5, 21],
	});
	chrome = await browser();
	await openCounter(hall, 3);
});

after(async () => {
	if (chrome)
		await chrome.close();
	if (hall)
		await hall.stop();
});

/* A phone's page of the ticket: its status URL with the key, as the QR code has it. What
 * the page passes to navigator.vibrate is kept in window.buzzes; errors and CSP refusals
 * are collected. */
async function phone(t, viewport = { width: 390, height: 844 }) {
	const ctx = await chrome.newContext({ viewport, deviceScaleFactor: 1, isMobile: viewport.width < 800,
		hasTouch: viewport.width < 800, locale: 'zh-CN' });
	await ctx.addInitScript(() => {
		window.buzzes = [];
		navigator.vibrate = (p) => { window.buzzes.push(p); return true; };
	});
	const page = await ctx.newPage();
	page.on('pageerror', (e) => problems.push('page error: ' + e.message));
	page.on('console', (m) => {
		if (m.type() === 'error' && !/^Failed to load resource/.test(m.text()))
			problems.push('console: ' + m.text());
	});
	const url = new URL(t.status_url);
	await page.goto(hall.url + url.pathname + url.search);
	return page;
}

const stateText = (page) => page.locator('#state-zh').textContent();
const aheadText = (page) => page.locator('#ahead').textContent();

test('a waiting ticket shows the people ahead, and they change live when someone ahead is called', async () => {
	const [a1, a2, a3] = await issue(hall, 'business', 3);
	assert.equal(a3.label, 'A003');
	const page = await phone(a3);
	await until(async () => (await aheadText(page)).startsWith('2 人'), { ms: 3000, what: '2 people ahead' });
	assert.equal(await stateText(page), '等候中');
	await page.evaluate(() => { window.notReloaded = true; });
	await shot(page, 'ticket-390');

	const t0 = Date.now();
	const c1 = await counterOp(hall, 3, 'call-next');
	assert.equal(c1.label, a1.label);
	await until(async () => (await aheadText(page)).startsWith('1 人'), { ms: 1000, what: '1 person ahead, within 1 s' });
	const aheadMs = Date.now() - t0;

	await counterOp(hall, 3, 'finish');
	const c2 = await counterOp(hall, 3, 'call-next');
	assert.equal(c2.label, a2.label);
	await until(async () => (await aheadText(page)).startsWith('0 人'), { ms: 1000, what: 'nobody ahead, within 1 s' });
	assert.match(await page.locator('#wait').textContent(), /即将叫号/);

	/* The call: shown at once, and the phone vibrates. */
	await counterOp(hall, 3, 'finish');
	const t1 = Date.now();
	const c3 = await counterOp(hall, 3, 'call-next');
	assert.equal(c3.label, a3.label);
	await until(async () => (await stateText(page)) === '请到 3号窗口 办理', { ms: 1000, what: 'the call, within 1 s' });
	const callMs = Date.now() - t1;
	assert.equal(await page.locator('#figures').isHidden(), true, 'no figures once called');
	assert.equal(await page.evaluate(() => window.buzzes.length), 1, 'the phone vibrated once');
	assert.equal(await page.evaluate(() => window.notReloaded), true, 'the page was not reloaded');
	await page.waitForTimeout(3100 - (Date.now() - t1)); /* the flash of the call is over */
	await shot(page, 'ticket-390-called');

	/* A recall buzzes again. */
	await counterOp(hall, 3, 'recall');
	await until(() => page.evaluate(() => window.buzzes.length === 2), { ms: 1000, what: 'a second buzz at the recall' });

	/* Finished: the review is offered; a bad one needs a reason. */
	await counterOp(hall, 3, 'start');
	await counterOp(hall, 3, 'finish');
	await page.locator('#review').waitFor({ state: 'visible', timeout: 1000 });
	assert.match(await stateText(page), /已办结/);
	assert.equal(await page.locator('#live').isHidden(), true, 'the page stops following a ticket that is over');
	await page.locator('#levels button[data-level="2"]').click();
	await page.locator('#send').click();
	assert.match(await page.locator('#said').textContent(), /请选择不满意的原因/);
	await page.locator('#reasons input[value="efficiency"]').check();
	await page.locator('#comment').fill('等候时间稍长');
	await page.locator('#send').click();
	await until(async () => /感谢您的评价/.test(await page.locator('#said').textContent()),
		{ ms: 2000, what: 'the thanks for the review' });
	await shot(page, 'ticket-390-review');

	const r = await hall.api('GET', `/api/v1/tickets/${a3.id}/review`, null, hall.tokens.review);
	assert.equal(r.status, 200, r.text);
	assert.equal(r.json.level, 2);
	assert.deepEqual(r.json.reasons, ['efficiency']);
	assert.equal(r.json.comment, '等候时间稍长');
	assert.equal(r.json.channel, 'phone');
	const ev = await hall.events(0);
	assert.ok(ev.some((e) => e.type === 'reviewed' && e.ticket_id === a3.id), 'a reviewed event');

	/* A reload shows the review given. */
	await page.reload();
	await until(async () => /已评价/.test(await page.locator('#said').textContent()), { ms: 2000, what: 'the review given' });
	assert.equal(await page.locator('#levels button[data-level="2"]').getAttribute('aria-pressed'), 'true');
	console.log(`# people ahead changed ${aheadMs} ms after the call; the call showed after ${callMs} ms`);
	await page.context().close();
});

test('without the key the page offers no review', async () => {
	const [t] = await issue(hall, 'business', 1);
	await counterOp(hall, 3, 'call-next');
	await counterOp(hall, 3, 'start');
	await counterOp(hall, 3, 'finish');
	const page = await phone({ status_url: hall.url + '/api/v1/tickets/' + t.id });
	await until(async () => /已办结/.test(await stateText(page)), { ms: 2000, what: 'done' });
	assert.equal(await page.locator('#review').isHidden(), true);
	await page.context().close();
});

test('an unknown ticket says so', async () => {
	const page = await phone({ status_url: hall.url + '/api/v1/tickets/99999' });
	await until(async () => /未找到此号票/.test(await stateText(page)), { ms: 2000, what: 'not found' });
	await page.context().close();
});

test('the longest label (3 letters, 4 digits) fits a 320 px phone; the page at 1920x1080', async () => {
	const [t] = await issue(hall, 'longest', 1);
	assert.equal(t.label, 'XYZ9876');
	const page = await phone(t, { width: 320, height: 640 });
	await until(async () => (await page.locator('#label-text').textContent()) === 'XYZ9876', { what: 'the label' });
	const fit = await page.evaluate(() => {
		const box = document.getElementById('label').getBoundingClientRect();
		const txt = document.getElementById('label-text').getBoundingClientRect();
		return { box: [box.left, box.right], text: [txt.left, txt.right],
			page: document.documentElement.scrollWidth, font: parseFloat(getComputedStyle(document.getElementById('label')).fontSize) };
	});
	assert.ok(fit.text[0] >= fit.box[0] - 0.5 && fit.text[1] <= fit.box[1] + 0.5,
		`label ${JSON.stringify(fit.text)} inside its card ${JSON.stringify(fit.box)}`);
	assert.ok(fit.page <= 320, `no horizontal scroll (${fit.page} px)`);
	assert.ok(fit.font >= 40, `the label still large (${fit.font} px)`);
	await shot(page, 'ticket-320-longest');
	await page.context().close();

	const wide = await phone(t, { width: 1920, height: 1080 });
	await until(async () => (await wide.locator('#label-text').textContent()) === 'XYZ9876', { what: 'the label' });
	await until(async () => (await aheadText(wide)).length > 0, { what: 'the figures' });
	await shot(wide, 'ticket-1920');
	await wide.context().close();
});

test('no page errors and nothing refused by the Content-Security-Policy', () => {
	assert.deepEqual(problems, []);
});
