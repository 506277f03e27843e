/*
 * A hall whose `languages` is zh alone (docs/config.md): the clerk's counter, the live hall
 * and the ticket page, signed in, show no English: nothing of class .en or lang="en" is
 * visible, and no visible text has an English word. (A sign-in form comes before the hall
 * is known, so it keeps both languages.)
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHall, browser, openCounter, issue, counterOp, PINS, clerkOf, until } from './lib.mjs';

let hall, chrome;

before(async () => {
	hall = await startHall({
		edit: (ini) => {
			assert.match(ini, /^languages\s*=.*$/m);
			return ini.replace(/^languages\s*=.*$/m, 'languages = zh');
		},
		counters: [2, 3, 19],
	});
	chrome = await browser();
	await openCounter(hall, 3);
	await issue(hall, 'business', 22); /* long_queue: an alert on the wall */
	await counterOp(hall, 3, 'call-next');
	await counterOp(hall, 3, 'pause', { reason: 'lunch' }).catch(() => {});
});

after(async () => {
	if (chrome)
		await chrome.close();
	if (hall)
		await hall.stop();
});

/* The visible English: elements of .en or lang=en, and texts with a word of Latin letters
 * (ticket labels such as A012 have one letter). */
async function english(page) {
	return page.evaluate(() => {
		const shown = (e) => e.checkVisibility({ checkVisibilityCSS: true }) && e.getClientRects().length > 0;
		const out = [...document.querySelectorAll('.en, [lang="en"]')].filter(shown)
			.map((e) => 'en: ' + e.textContent.trim().slice(0, 40));
		const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
		for (let t = w.nextNode(); t; t = w.nextNode())
			if (/[A-Za-z]{2,}/.test(t.nodeValue) && t.parentElement && shown(t.parentElement) &&
			    !t.parentElement.closest('option, script, style, noscript'))
				out.push('text: ' + t.nodeValue.trim().slice(0, 40));
		const attrs = [...document.querySelectorAll('[placeholder], [aria-label], [title]')].filter(shown)
			.flatMap((e) => ['placeholder', 'aria-label', 'title'].map((a) => e.getAttribute(a) || ''))
			.filter((s) => /[A-Za-z]{2,}/.test(s)).map((s) => 'attribute: ' + s);
		return out.concat(attrs);
	});
}

test('a zh-only hall: /counter signed in shows no English', async () => {
	const ctx = await chrome.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'zh-CN' });
	const page = await ctx.newPage();
	await page.goto(hall.url + '/counter');
	await page.fill('#counter', '19');
	await page.fill('#clerk', clerkOf(19));
	await page.fill('#pin', PINS[clerkOf(19)]);
	await page.press('#pin', 'Enter');
	await page.locator('#call-next').waitFor();
	await page.locator('#services tbody tr').first().waitFor();
	await page.locator('#live:not(.down)').waitFor();
	assert.deepEqual(await english(page), []);
	await ctx.close();
});

test('a zh-only hall: /manage shows no English', async () => {
	const ctx = await chrome.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'zh-CN' });
	const page = await ctx.newPage();
	await page.goto(hall.url + '/manage');
	await page.locator('#token').fill(hall.tokens.manager);
	await page.locator('form.signin button[type=submit]').click();
	await page.locator('#wall').waitFor();
	await until(async () => (await page.locator('#alerts li .atitle').count()) > 0, { what: 'an alert' });
	await page.locator('#live:not(.down)').waitFor();
	await until(async () => /\d/.test(await page.locator('#clock').textContent()), { what: 'the clock' });
	assert.deepEqual(await english(page), []);
	await ctx.close();
});

test('a zh-only hall: the ticket page shows no English', async () => {
	const ctx = await chrome.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
	const page = await ctx.newPage();
	const [tk] = await issue(hall, 'tax');
	const u = new URL(tk.status_url);
	await page.goto(hall.url + u.pathname + u.search);
	await page.locator('#figures:not([hidden])').waitFor();
	await until(async () => /实时/.test(await page.locator('#live').textContent()), { what: 'the live line' });
	assert.deepEqual(await english(page), []);
	await ctx.close();
});
