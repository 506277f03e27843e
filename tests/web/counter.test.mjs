/*
 * The clerk's counter page (/counter) and the citizen's evaluation screen
 * (/counter/N/evaluate) in a real browser, against a hallqd on loopback with the sample
 * hall. Counter 19 is the sample hall's screen-only counter (enquiry, social, hukou); its
 * clerk is 1019 (lib.mjs clerkOf, the PIN from assets/halls/county-centre.pins). Each action
 * is checked in the page, in the event feed (`hallq events --json`) and in `hallq state`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHall, browser, shot, issue as issueAt, openCounter, counterOp, PINS, clerkOf } from './lib.mjs';

const N = 19, CLERK = clerkOf(N), PIN = PINS[clerkOf(N)];
let hall, br, ctx, page;
const errors = []; /* the clerk's page's uncaught errors: none at the end */

/* A request with a token, as a unit's gateway or a kiosk sends it: {status, json}. */
const req = (method, path, body, token) => hall.api(method, path, body, token);

async function counterState() {
	return JSON.parse(await hall.hallq('state', '--json')).counters.find((c) => c.number === N);
}

const lastEventId = () => hall.lastEventId();
const events = (since) => hall.events(since);

/* Wait until the feed has an event matching `want` after `since`; returns it. */
async function eventAfter(since, want) {
	for (let i = 0; i < 50; i++) {
		const e = (await events(since)).find(want);
		if (e)
			return e;
		await new Promise((r) => setTimeout(r, 100));
	}
	assert.fail('no such event after ' + since + ': ' + want);
}

async function issue(service) {
	return (await issueAt(hall, service))[0].label;
}

const currentLabel = () => page.locator('#current .label');

before(async () => {
	/* lib's weekday at 10:00: every service of counter 19 is open. */
	hall = await startHall();
	br = await browser();
	ctx = await br.newContext({ viewport: { width: 1920, height: 1080 } });
	page = await ctx.newPage();
	page.on('pageerror', (e) => errors.push(e.message));
});

after(async () => {
	if (br)
		await br.close();
	if (hall)
		await hall.stop();
});

test('a clerk signs in with counter, id and PIN', async () => {
	await page.goto(hall.url + '/counter');
	await page.fill('#counter', String(N));
	await page.fill('#clerk', CLERK);
	await page.fill('#pin', PIN);
	await page.press('#pin', 'Enter');
	await page.locator('#call-next:not([disabled])').waitFor();
	assert.equal((await counterState()).clerk, CLERK);
	/* Every button shows its key. */
	for (const [id, key] of [['call-next', 'N'], ['recall', 'R'], ['no-show', 'X'], ['start', 'S'], ['finish', 'F'],
		['park', 'K'], ['call-number', 'C'], ['transfer', 'T'], ['pause', 'P'], ['resume', 'U'], ['sign-out', 'O']])
		assert.equal(await page.locator('#' + id + ' kbd').textContent(), key, id);
});

test('call next, transfer to a service', async () => {
	await issue('social');
	await issue('social');
	await issue('enquiry');
	let since = await lastEventId();
	await page.click('#call-next');
	const called = await eventAfter(since, (e) => e.type === 'called' && e.counter === N);
	const a = called.label;
	await currentLabel().filter({ hasText: a }).waitFor();
	assert.equal((await counterState()).ticket.label, a);

	since = await lastEventId();
	await page.keyboard.press('t');
	await page.locator('#dlg-transfer[open]').waitFor();
	await page.selectOption('#target', 's:tax');
	await page.click('#dlg-transfer button.primary');
	await page.locator('#current .idle').waitFor();
	const tr = await eventAfter(since, (e) => e.type === 'transferred');
	assert.equal(tr.label, a);
	assert.equal(tr.detail, 'tax');
	assert.equal((await counterState()).ticket, null);
	assert.match(await page.locator('#msg').textContent(), /tax|税务/);
});

test('park, call back, pause with a reason, resume', async () => {
	let since = await lastEventId();
	await page.keyboard.press('n');
	await page.locator('#current .label').waitFor();
	const b = await currentLabel().textContent();
	await page.keyboard.press('k');
	await page.locator('#parked li[data-ticket="' + b + '"]').waitFor();
	await eventAfter(since, (e) => e.type === 'parked' && e.label === b && e.counter === N);
	assert.equal((await counterState()).ticket, null);

	/* Call back calls the parked ticket to this counter at once (call with its id). */
	since = await lastEventId();
	await page.click('#parked li[data-ticket="' + b + '"] button');
	await currentLabel().filter({ hasText: b }).waitFor();
	const cb = await eventAfter(since, (e) => e.type === 'called' && e.label === b);
	assert.equal(cb.counter, N);
	assert.equal((await counterState()).ticket.label, b);
	await page.locator('#parked li[data-ticket="' + b + '"]').waitFor({ state: 'detached' });
	assert.equal((await events(since)).filter((e) => e.type === 'requeued').length, 0);
	await page.keyboard.press('s');
	await page.locator('#current .state-pill.serving').waitFor();
	await page.keyboard.press('f');
	await page.locator('#current .idle').waitFor();

	since = await lastEventId();
	await page.keyboard.press('p');
	await page.locator('#dlg-pause[open]').waitFor();
	await page.keyboard.press('2'); /* lunch */
	await page.fill('#reason-text', '取材料');
	await page.press('#reason-text', 'Enter');
	await page.locator('#who .state-pill.paused').waitFor();
	const p = await eventAfter(since, (e) => e.type === 'counter_paused');
	assert.equal(p.detail, 'lunch: 取材料');
	const st = await counterState();
	assert.equal(st.state, 'paused');
	assert.equal(st.reason, 'lunch: 取材料');
	assert.match(await page.locator('#who').textContent(), /午餐.*取材料/);
	assert.equal(await page.locator('#call-next').isDisabled(), true);

	since = await lastEventId();
	await page.keyboard.press('u');
	await page.locator('#who .state-pill.open').waitFor();
	await eventAfter(since, (e) => e.type === 'counter_resumed');
	assert.equal((await counterState()).state, 'open');
});

test('a double click calls once', async () => {
	await issue('hukou');
	const since = await lastEventId();
	await page.dblclick('#call-next');
	await page.locator('#current .label').waitFor();
	await new Promise((r) => setTimeout(r, 300));
	const calls = (await events(since)).filter((e) => e.type === 'called');
	assert.equal(calls.length, 1);
});

test('a key pressed at the unit shows on the clerk\'s page within 200 ms', async () => {
	await issue('social');
	/* The page is idle and following the stream. */
	await page.click('#finish');
	await page.locator('#current .idle').waitFor();
	const seen = page.waitForFunction(() => {
		const l = document.querySelector('#current .label');
		return l && l.textContent;
	}, null, { polling: 'raf', timeout: 3000 });
	const t0 = Date.now();
	const r = await req('POST', '/api/v1/counters/' + N + '/call-next', null, hall.tokens.gateway);
	assert.equal(r.status, 200);
	const shown = await (await seen).jsonValue();
	const dt = Date.now() - t0;
	assert.equal(shown, r.json.label);
	assert.ok(dt < 200, 'shown after ' + dt + ' ms');
	await shot(page, 'counter-1920');
	await page.setViewportSize({ width: 390, height: 844 });
	await shot(page, 'counter-390');
	await page.setViewportSize({ width: 1920, height: 1080 });
});

test('a clerk\'s session cannot act on another counter, nor without the CSRF token', async () => {
	const r = await page.evaluate(async () => {
		const s = await (await fetch('/api/v1/session')).json();
		const post = (path, headers) => fetch(path, { method: 'POST', headers: { 'Idempotency-Key': crypto.randomUUID(), ...headers } })
			.then(async (x) => ({ status: x.status, json: await x.json().catch(() => null) }));
		return {
			other: await post('/api/v1/counters/3/call-next', { 'X-CSRF-Token': s.csrf }),
			nocsrf: await post('/api/v1/counters/' + s.counter + '/recall', {}),
		};
	});
	assert.equal(r.other.status, 403);
	assert.equal(r.nocsrf.status, 403);
	assert.equal(r.nocsrf.json.error, 'csrf');
});

test('an API refusal is shown in words', async () => {
	/* A typed number that nobody holds: the dialog shows the API's message. */
	await page.click('#no-show');
	await page.locator('#current .idle').waitFor();
	await page.keyboard.press('c');
	await page.fill('#number', '999');
	await page.press('#number', 'Enter');
	await page.locator('#dlg-number .error').filter({ hasText: '999' }).waitFor();
	await page.keyboard.press('Escape');
});

test('the evaluation screen asks after a finish, and the rating lands as a review from the pad', async () => {
	const tctx = await br.newContext({ viewport: { width: 1280, height: 800 } });
	const tab = await tctx.newPage();
	tab.on('pageerror', (e) => { throw e; });
	await tab.goto(hall.url + '/counter/' + N + '/evaluate');
	await tab.fill('#token', hall.tokens.evaluator(N));
	await tab.press('#token', 'Enter');
	/* The counter finished a ticket a moment ago that nobody rated: the tablet asks about it
	 * at once (see the test of a reloaded tablet below); Esc goes back to the welcome. */
	await tab.locator('body[data-ready="1"]').waitFor();
	if (await tab.locator('#ask').isVisible())
		await tab.keyboard.press('Escape');
	await tab.locator('#idle:not([hidden])').waitFor();
	assert.match(await tab.locator('#counter').textContent(), /19号窗口/);

	await issue('enquiry');
	await page.keyboard.press('n');
	await currentLabel().waitFor();
	const d = await currentLabel().textContent();
	await page.keyboard.press('s');
	await page.locator('#current .state-pill.serving').waitFor();
	await page.keyboard.press('f');
	await tab.locator('#ask:not([hidden])').waitFor({ timeout: 2000 });
	assert.match(await tab.locator('#ask-h').textContent(), /请对本次服务评价/);
	assert.match(await tab.locator('#ask-ticket').textContent(), new RegExp(d));
	await page.locator('#rating.asking').waitFor();
	/* The clerk's page never rates. */
	assert.equal(await page.locator('#rating button, [data-level]').count(), 0);

	await tab.setViewportSize({ width: 1920, height: 1080 });
	await shot(tab, 'evaluate-1920');
	await tab.setViewportSize({ width: 390, height: 844 });
	await shot(tab, 'evaluate-390');
	await tab.setViewportSize({ width: 1280, height: 800 });
	await shot(tab, 'evaluate-1280');

	await tab.keyboard.press('2');
	await tab.locator('#why:not([hidden])').waitFor();
	await tab.keyboard.press('c'); /* attitude */
	await tab.keyboard.press('Enter');
	await tab.locator('#thanks:not([hidden])').waitFor();

	const rv = await req('GET', '/api/v1/reviews', null, hall.tokens.admin);
	const review = rv.json.reviews.find((x) => x.label === d);
	assert.ok(review, 'a review of ' + d);
	assert.equal(review.level, 2);
	assert.equal(review.channel, 'pad');
	assert.deepEqual(review.reasons, ['attitude']);
	await page.locator('#rating.bad').waitFor();
	await tctx.close();
});

test('a tablet reloaded between a finish and the rating asks about that ticket', async () => {
	/* Counter 3 finishes a ticket while its tablet is off; the tablet starts afterwards. */
	const M = 3;
	await openCounter(hall, M);
	const [tk] = await issueAt(hall, 'business');
	await counterOp(hall, M, 'call', { ticket: tk.label });
	await counterOp(hall, M, 'start');
	await counterOp(hall, M, 'finish');
	const tctx = await br.newContext({ viewport: { width: 1280, height: 800 } });
	const tab = await tctx.newPage();
	tab.on('pageerror', (e) => errors.push('evaluate: ' + e.message));
	await tab.goto(hall.url + '/counter/' + M + '/evaluate');
	await tab.fill('#token', hall.tokens.evaluator(M));
	await tab.press('#token', 'Enter');
	await tab.locator('#ask:not([hidden])').waitFor({ timeout: 3000 });
	assert.match(await tab.locator('#ask-ticket').textContent(), new RegExp(tk.label));
	await tab.keyboard.press('5');
	await tab.locator('#thanks:not([hidden])').waitFor();
	const rv = (await req('GET', '/api/v1/reviews', null, hall.tokens.admin)).json.reviews.find((x) => x.label === tk.label);
	assert.equal(rv && rv.level, 5);
	assert.equal(rv.channel, 'pad');

	/* Reloaded again once rated: the welcome, no question. */
	await tab.reload();
	await tab.locator('body[data-ready="1"]').waitFor();
	assert.equal(await tab.locator('#idle').isVisible(), true);
	assert.equal(await tab.locator('#ask').isHidden(), true);
	await tctx.close();
});

test('sign out ends the clerk\'s sign-in', async () => {
	await page.keyboard.press('o');
	await page.locator('#dlg-signout[open]').waitFor();
	await page.click('#dlg-signout button.primary');
	await page.locator('form.signin').waitFor();
	assert.equal((await counterState()).clerk, '');
});

test('the clerk\'s page threw nothing', () => {
	assert.deepEqual(errors, []);
});
