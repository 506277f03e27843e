/*
 * Screenshots of hallq-central's pages for tests/central.sh: signs in with a viewer token
 * through the page's own form, waits for the board's rows and the ranking's, and keeps
 * central-board.png and central-ranking.png in DIR. Prints "board rows: N".
 *
 * usage: node tests/web/central-shot.mjs URL TOKEN DIR MONTH
 */
import { join } from 'node:path';
import { browser } from './lib.mjs';

const [url, token, dir, month] = process.argv.slice(2);
const b = await browser();
try {
	const ctx = await b.newContext({ viewport: { width: 1600, height: 900 }, locale: 'zh-CN' });
	const page = await ctx.newPage();
	const errors = [];
	page.on('pageerror', (e) => errors.push(e.message));
	await page.goto(`${url}/board`);
	await page.fill('input[name=token]', token);
	await page.click('button[type=submit]');
	await page.waitForSelector('body[data-rows]', { timeout: 10000 });
	console.log(`board rows: ${await page.getAttribute('body', 'data-rows')}`);
	await page.screenshot({ path: join(dir, 'central-board.png') });
	/* The token stays for the tab's session: the ranking opens signed in. */
	await page.goto(`${url}/ranking?month=${month}`);
	await page.waitForSelector('body[data-rows]', { timeout: 10000 });
	console.log(`ranking rows: ${await page.getAttribute('body', 'data-rows')}`);
	await page.screenshot({ path: join(dir, 'central-ranking.png') });
	if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
} finally {
	await b.close();
}
