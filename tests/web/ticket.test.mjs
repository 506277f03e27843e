/*
 * The ticket status page (assets/web/ticket.html + ticket.js) in a real browser: it follows
 * the ticket's event stream, so a call made through the API shows without a reload within a
 * second, and the people ahead change when someone ahead is called; the phone vibrates at
 * the call; after the finish it offers the 好差评 review, and the review sent shows in the API.
 * With no counter of its service open it says so instead of a wait ("窗口暂未开放"), and from
 * when the service starts when its hours open later today, and shows a wait as soon as a
 * counter opens. Labels of up to 3 letters and 4 digits ("A0003", "ABC1234") fit its card at
 * 320, 390 and 768 px. Screenshots: ticket-320.png, ticket-390.png and ticket-768.png
 * (waiting), ticket-320-nocounter.png, ticket-390-nocounter.png and ticket-768-nocounter.png,
 * ticket-390-called.png, ticket-390-review.png, ticket-320-longest.png and ticket-1920.png.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHall, browser, shot, openCounter, issue, counterOp, until } from './lib.mjs';

let hall, chrome;
const problems = [];

before(async () => {
	/* Business numbered 1-9999 (labels of 5: A0001), one more service with the longest label
	 * there is (3 letters and 4 digits: ABC1234), and a service that only counter 22 serves,
	 * for a queue with no counter open. */
	hall = await startHall({
		edit: (ini) => ini.replace(/(\[service business\][^[]*?numbers = )1-999\n/, '$11-9999\n') +
			'\n[service longest]\nname = 长号测试\nname_en = Longest label\nprefix = ABC\n' +
			'numbers = 1234-9999\nhours = 00:00-24:00\ndays = mon-sun\n\n[counter 21]\nservices = longest\n' +
			'\n[service quiet]\nname = 档案查询\nname_en = Records\nprefix = K\n' +
			'numbers = 1-999\nhours = 00:00-24:00\ndays = mon-sun\n\n[counter 22]\nservices = quiet\n',
		counters: [1, 2, 3, 4, 5, 21, 22],
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
	assert.equal(a3.label, 'A0003');
	const page = await phone(a3);
	await until(async () => (await aheadText(page)).startsWith('2 人'), { ms: 3000, what: '2 people ahead' });
	assert.equal(await stateText(page), '等候中');
	await page.evaluate(() => { window.notReloaded = true; });
	await shot(page, 'ticket-390');
	for (const [width, height] of [[320, 640], [768, 1024]]) {
		const other = await phone(a3, { width, height });
		await until(async () => (await aheadText(other)).startsWith('2 人'), { what: `2 people ahead at ${width} px` });
		await shot(other, `ticket-${width}`);
		await other.context().close();
	}

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

/* Rewrite the hall's config with edit(text) and have hallqd re-read it (SIGHUP), as a hall
 * manager does; resolves once the hall's hours of service `key` read `hours`. */
async function reconfigure(edit, key, hours) {
	const ini = join(hall.dir, 'hall.ini');
	writeFileSync(ini, edit(readFileSync(ini, 'utf8')));
	process.kill(hall.pid, 'SIGHUP');
	await until(async () => {
		const r = await hall.api('GET', '/api/v1/hall');
		return r.json.services.find((s) => s.key === key).hours === hours;
	}, { what: `service ${key}'s hours ${hours} after the reload` });
}

test('with no counter of its service open the page says so, and shows a wait once one opens', async () => {
	const tok = hall.tokens.counter(22);
	assert.equal((await hall.api('POST', '/api/v1/counters/22/close', null, tok)).status, 200);
	const [, k2] = await issue(hall, 'quiet', 2);
	assert.equal(k2.est_wait_s, null);
	assert.equal(k2.est_reason, 'no_counter');
	const page = await phone(k2);
	await until(async () => (await aheadText(page)).startsWith('1 人'), { ms: 3000, what: '1 person ahead' });
	const wait = () => page.locator('#wait').textContent();
	assert.match(await wait(), /^窗口暂未开放No counter open yet$/);
	assert.doesNotMatch(await wait(), /分钟|min/, 'no minutes while no counter is open');
	await page.evaluate(() => { window.notReloaded = true; });

	/* Its hours now end at 10:00 (the hall's time is just after) and open again at 13:30:
	 * the new config reaches the page on its stream, and the page says from when, in the
	 * hall's time. */
	const hours = (h) => (ini) => ini.replace(/(\[service quiet\][^[]*?hours = )[^\n]*/, '$1' + h);
	await reconfigure(hours('09:00-10:00, 13:30-17:00'), 'quiet', '09:00-10:00, 13:30-17:00');
	await until(async () => /约 13:30 后开始办理Service from about 13:30$/.test(await wait()),
		{ ms: 3000, what: 'the service starting at 13:30, without a reload' });
	assert.match(await wait(), /^窗口暂未开放No counter open yet/);
	await shot(page, 'ticket-390-nocounter');
	for (const [width, height] of [[320, 640], [768, 1024]]) {
		const other = await phone(k2, { width, height });
		await until(async () => /13:30/.test(await other.locator('#wait').textContent()), { what: `13:30 at ${width} px` });
		const fit = await other.evaluate(() => [document.documentElement.scrollWidth,
			...[...document.querySelectorAll('.figures dd')].map((e) => e.scrollWidth - e.clientWidth)]);
		assert.ok(fit[0] <= width && fit.slice(1).every((d) => d <= 0), `nothing wider than the page or its box at ${width} px (${fit})`);
		await shot(other, `ticket-${width}-nocounter`);
		await other.context().close();
	}

	/* The hours back, and counter 22 opens: a wait, without a reload. */
	await reconfigure(hours('00:00-24:00'), 'quiet', '00:00-24:00');
	assert.equal((await hall.api('POST', '/api/v1/counters/22/open', null, tok)).status, 200);
	await until(async () => /分钟/.test(await wait()), { ms: 2000, what: 'a wait in minutes once counter 22 opens' });
	assert.doesNotMatch(await wait(), /窗口暂未开放|No counter/);
	assert.equal(await page.evaluate(() => window.notReloaded), true, 'the page was not reloaded');
	await page.context().close();
});

/* How the label sits in its card: the label element's scroll and client widths, its text's
 * and the card's left and right, the page's width and the label's font size. */
const labelFit = (page) => page.evaluate(() => {
	const label = document.getElementById('label');
	const card = label.closest('.card').getBoundingClientRect();
	const txt = document.getElementById('label-text').getBoundingClientRect();
	return { scroll: label.scrollWidth, client: label.clientWidth, text: [txt.left, txt.right],
		card: [card.left, card.right], page: document.documentElement.scrollWidth,
		font: parseFloat(getComputedStyle(label).fontSize) };
});

test('labels of up to 3 letters and 4 digits fit the card at 320, 390 and 768 px; the page at 1920x1080', async () => {
	const [t] = await issue(hall, 'longest', 1);
	assert.equal(t.label, 'ABC1234');
	/* A0003, from the first test: the status URL takes a label of today too. */
	const a = { status_url: hall.url + '/api/v1/tickets/A0003' };
	for (const [ticket, label] of [[a, 'A0003'], [t, 'ABC1234']]) {
		for (const [width, height] of [[320, 640], [390, 844], [768, 1024]]) {
			const page = await phone(ticket, { width, height });
			await until(async () => (await page.locator('#label-text').textContent()) === label, { what: 'the label' });
			const fit = await labelFit(page);
			const at = `${label} at ${width} px: ${JSON.stringify(fit)}`;
			assert.ok(fit.scroll <= fit.client, `nothing of the label clipped: ${at}`);
			assert.ok(fit.text[0] >= fit.card[0] && fit.text[1] <= fit.card[1], `the label inside its card: ${at}`);
			assert.ok(fit.page <= width, `no horizontal scroll: ${at}`);
			assert.ok(fit.font >= 40, `the label still large: ${at}`);
			if (label === 'ABC1234' && width === 320)
				await shot(page, 'ticket-320-longest');
			/* The card narrower with no resize of the window (a scrollbar comes, a side
			 * panel opens): the label follows it. */
			await page.evaluate(() => {
				const main = document.querySelector('main');
				main.style.maxWidth = Math.round(main.getBoundingClientRect().width * 0.85) + 'px';
			});
			await page.waitForTimeout(100);
			const narrow = await labelFit(page);
			assert.ok(narrow.scroll <= narrow.client && narrow.text[1] <= narrow.card[1],
				`${label} in a card 15% narrower at ${width} px: ${JSON.stringify(narrow)}`);
			await page.context().close();
		}
	}

	const wide = await phone(t, { width: 1920, height: 1080 });
	await until(async () => (await wide.locator('#label-text').textContent()) === 'ABC1234', { what: 'the label' });
	await until(async () => (await aheadText(wide)).length > 0, { what: 'the figures' });
	await shot(wide, 'ticket-1920');
	await wide.context().close();
});

test('no page errors and nothing refused by the Content-Security-Policy', () => {
	assert.deepEqual(problems, []);
});
