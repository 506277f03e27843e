/*
 * Accessibility of every page, in a real browser: the front page (/), the clerk's counter
 * signed out and signed in, the evaluation screen idle and asking, the live hall (its
 * sign-in and the wall), the reports and the ticket page (waiting, and done with its review).
 * On each:
 *   - contrast (WCAG 2, 1.4.3): every visible text's colour against its effective background
 *     (the first opaque background up the ancestors, semi-transparent ones blended over it,
 *     the page's as the last resort) is at least 4.5:1, or 3:1 for large text (24px, or
 *     18.66px bold). Disabled controls are exempt, as WCAG exempts them, and so are the
 *     charts' canvases;
 *   - keyboard: every visible button, link and form field is reached with Tab (none has
 *     tabindex=-1) and shows a focus ring when it is (outline or box-shadow);
 *   - every form field has a label with words in it.
 * A failure lists the elements by selector and text.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHall, browser, openCounter, issue, counterOp, PINS, clerkOf, until, shot } from './lib.mjs';

let hall, chrome, waiting, done;

before(async () => {
	hall = await startHall();
	chrome = await browser();
	/* Counter 2 finished a ticket a moment ago (unrated: its tablet asks) and has one
	 * parked; counter 3 pauses for lunch; counter 4 got a bad review (an alert); the
	 * business queue is long (another). */
	await openCounter(hall, 2);
	await openCounter(hall, 3);
	await openCounter(hall, 4);
	[done] = await issue(hall, 'enquiry');
	await counterOp(hall, 2, 'call', { ticket: done.label });
	await counterOp(hall, 2, 'start');
	await counterOp(hall, 2, 'finish');
	await issue(hall, 'enquiry', 2);
	await counterOp(hall, 2, 'call-next');
	await counterOp(hall, 2, 'park');
	await issue(hall, 'business', 2);
	await counterOp(hall, 4, 'call-next');
	await counterOp(hall, 4, 'start');
	await counterOp(hall, 4, 'finish');
	const r = await hall.api('POST', '/api/v1/counters/4/rate', { score: 2 }, hall.tokens.manager);
	assert.equal(r.status, 200, r.text);
	await counterOp(hall, 3, 'pause', { reason: 'lunch' });
	await issue(hall, 'business', 21);
	[waiting] = await issue(hall, 'tax');
	const alerts = (await hall.api('GET', '/api/v1/alerts', null, hall.tokens.manager)).json.alerts;
	assert.ok(alerts.length >= 2, 'two alerts open');
	await hall.api('POST', `/api/v1/alerts/${alerts[0].id}/ack`, { who: '王主任', note: '已处理' }, hall.tokens.manager);
});

after(async () => {
	if (chrome)
		await chrome.close();
	if (hall)
		await hall.stop();
});

/* ---- in the page ---- */

/* Runs in the page: the texts whose contrast is too low, the fields without a label, the
 * focusable elements taken out of the Tab order. */
function audit() {
	const rgba = (c) => {
		const m = /rgba?\(([^)]+)\)/.exec(c || '');
		if (!m)
			return null;
		const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
		return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
	};
	const over = (top, under) => {
		const a = top[3];
		return [0, 1, 2].map((i) => top[i] * a + under[i] * (1 - a)).concat(1);
	};
	const lum = (c) => {
		const f = (v) => {
			v /= 255;
			return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
		};
		return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
	};
	const ratio = (a, b) => {
		const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
		return (x + 0.05) / (y + 0.05);
	};
	const sel = (e) => {
		const parts = [];
		for (let n = e; n && n.nodeType === 1 && parts.length < 4; n = n.parentElement) {
			let s = n.tagName.toLowerCase();
			if (n.id)
				s += '#' + n.id;
			else if (n.classList.length)
				s += '.' + [...n.classList].join('.');
			parts.unshift(s);
			if (n.id)
				break;
		}
		return parts.join(' > ');
	};
	/* The background behind e: the backgrounds up its ancestors to the first opaque one,
	 * blended; the page's (html, then body, then white) under all. */
	const pageBg = rgba(getComputedStyle(document.documentElement).backgroundColor);
	const bodyBg = rgba(getComputedStyle(document.body).backgroundColor);
	const base = pageBg && pageBg[3] === 1 ? pageBg : bodyBg && bodyBg[3] === 1 ? bodyBg : [255, 255, 255, 1];
	const background = (e) => {
		const layers = [];
		for (let n = e; n && n.nodeType === 1; n = n.parentElement) {
			const c = rgba(getComputedStyle(n).backgroundColor);
			if (c && c[3] > 0) {
				layers.push(c);
				if (c[3] === 1)
					break;
			}
		}
		let bg = layers.length && layers[layers.length - 1][3] === 1 ? layers.pop() : base;
		while (layers.length)
			bg = over(layers.pop(), bg);
		return bg;
	};
	const opacity = (e) => {
		let o = 1;
		for (let n = e; n && n.nodeType === 1; n = n.parentElement)
			o *= Number(getComputedStyle(n).opacity);
		return o;
	};
	const visible = (e) => e.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true }) &&
		e.getClientRects().length > 0 && e.getBoundingClientRect().width > 0;

	const contrast = [];
	const seen = new Set();
	const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
	for (let t = walker.nextNode(); t; t = walker.nextNode()) {
		const e = t.parentElement;
		if (!t.nodeValue.trim() || seen.has(e) || !e || !visible(e))
			continue;
		seen.add(e);
		if (e.closest('canvas, .chart, noscript, script, style, option') || e.closest(':disabled'))
			continue;
		const cs = getComputedStyle(e);
		const fg0 = rgba(cs.color);
		if (!fg0)
			continue;
		const bg = background(e);
		const fg = over([fg0[0], fg0[1], fg0[2], fg0[3] * opacity(e)], bg);
		const px = parseFloat(cs.fontSize), bold = Number(cs.fontWeight) >= 700;
		const need = px >= 24 || (px >= 18.66 && bold) ? 3 : 4.5;
		const r = ratio(fg, bg);
		if (r < need - 0.005)
			contrast.push(`${sel(e)} "${t.nodeValue.trim().slice(0, 40)}": ${r.toFixed(2)}:1 < ${need}:1 ` +
				      `(${cs.color} on rgb(${bg.slice(0, 3).map(Math.round).join(', ')}), ${px}px${bold ? ' bold' : ''})`);
	}

	const fields = [...document.querySelectorAll('input, select, textarea')]
		.filter((f) => !['hidden', 'submit', 'button', 'reset'].includes(f.type));
	const unlabelled = fields.filter((f) => {
		const words = [...(f.labels || [])].map((l) => l.textContent).join('') +
			(f.getAttribute('aria-label') || '') +
			(f.getAttribute('aria-labelledby') || '').split(/\s+/).map((id) => (id && document.getElementById(id) || {}).textContent || '').join('');
		return !words.trim();
	}).map(sel);

	const focusable = [...document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')]
		.filter((f) => f.type !== 'hidden' && !f.disabled && visible(f));
	const untabbable = focusable.filter((f) => f.tabIndex < 0).map(sel);
	focusable.forEach((f, i) => { f.dataset.a11y = String(i); });
	return { contrast, unlabelled, untabbable, focusable: focusable.length };
}

/* Press Tab until every focusable element marked by audit() was reached (or twice their
 * number of presses); those not reached, and those reached without a visible focus ring. */
async function tabThrough(page, count) {
	const reached = new Set(), noRing = [];
	await page.evaluate(() => {
		if (document.activeElement && document.activeElement !== document.body)
			document.activeElement.blur();
	});
	for (let i = 0; i < count * 2 + 4 && reached.size < count; i++) {
		await page.keyboard.press('Tab');
		const r = await page.evaluate(() => {
			const a = document.activeElement;
			if (!a || a === document.body || a.dataset.a11y === undefined)
				return null;
			const cs = getComputedStyle(a);
			const ring = (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0) || cs.boxShadow !== 'none';
			const name = a.tagName.toLowerCase() + (a.id ? '#' + a.id : '') + ' "' + (a.textContent || a.name || '').trim().slice(0, 30) + '"';
			return { i: a.dataset.a11y, ring, name };
		});
		if (!r)
			continue;
		if (!reached.has(r.i) && !r.ring)
			noRing.push(r.name);
		reached.add(r.i);
	}
	const missed = await page.evaluate((got) => [...document.querySelectorAll('[data-a11y]')]
		.filter((e) => !got.includes(e.dataset.a11y))
		.map((e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' "' + e.textContent.trim().slice(0, 30) + '"'), [...reached]);
	return { missed, noRing };
}

/* controls: whether the page has any (an idle tablet and a waiting ticket have none). */
async function check(page, { controls = true } = {}) {
	const a = await page.evaluate(audit);
	const k = await tabThrough(page, a.focusable);
	const problems = [
		...a.contrast.map((x) => 'contrast: ' + x),
		...a.unlabelled.map((x) => 'no label: ' + x),
		...a.untabbable.map((x) => 'tabindex=-1: ' + x),
		...k.missed.map((x) => 'not reached with Tab: ' + x),
		...k.noRing.map((x) => 'no focus ring: ' + x),
	];
	assert.deepEqual(problems, [], problems.join('\n'));
	if (controls)
		assert.ok(a.focusable > 0, 'something to use with the keyboard');
}

async function context(viewport = { width: 1920, height: 1080 }) {
	return chrome.newContext({ viewport, deviceScaleFactor: 1, locale: 'zh-CN' });
}

async function signInToken(page, token, ready) {
	await page.locator('#token').fill(token);
	await page.locator('form.signin button[type=submit]').click();
	await page.locator(ready).waitFor({ state: 'visible', timeout: 5000 });
}

/* ---- the pages ---- */

test('/ (the front page)', async () => {
	const ctx = await context();
	const page = await ctx.newPage();
	await page.goto(hall.url + '/');
	assert.equal(await page.locator('ul.pages a').count(), 4);
	await check(page);
	await page.setViewportSize({ width: 1920, height: 1080 });
	await shot(page, 'index-1920');
	await page.setViewportSize({ width: 390, height: 844 });
	await shot(page, 'index-390');
	await ctx.close();
});

test('/counter, signed out and signed in', async () => {
	const ctx = await context();
	const page = await ctx.newPage();
	await page.goto(hall.url + '/counter');
	await page.locator('form.signin #counter').waitFor();
	await check(page);
	await page.fill('#counter', '2');
	await page.fill('#clerk', clerkOf(2));
	await page.fill('#pin', PINS[clerkOf(2)]);
	await page.press('#pin', 'Enter');
	await page.locator('#parked li[data-ticket]').waitFor();
	await page.locator('#rating.asking').waitFor();
	await check(page);
	await ctx.close();
});

test('/counter/N/evaluate, idle and asking', async () => {
	const ctx = await context({ width: 1280, height: 800 });
	const idle = await ctx.newPage();
	await idle.goto(hall.url + '/counter/3/evaluate');
	await idle.locator('form.signin #token').waitFor();
	await check(idle);
	await signInToken(idle, hall.tokens.evaluator(3), '#idle');
	await check(idle, { controls: false });
	await ctx.close();

	const ctx2 = await context({ width: 1280, height: 800 });
	const ask = await ctx2.newPage();
	await ask.goto(hall.url + '/counter/2/evaluate');
	await signInToken(ask, hall.tokens.evaluator(2), '#ask');
	await check(ask);
	await ask.keyboard.press('2'); /* a bad one: the reasons */
	await ask.locator('#why:not([hidden])').waitFor();
	await check(ask);
	await ctx2.close();
});

test('/manage, its sign-in and the wall', async () => {
	const ctx = await context();
	const page = await ctx.newPage();
	await page.goto(hall.url + '/manage');
	await page.locator('form.signin #token').waitFor();
	await check(page);
	await signInToken(page, hall.tokens.manager, '#wall');
	await until(async () => (await page.locator('#alerts li .atitle').count()) >= 2, { what: 'the alerts' });
	await page.locator('li[data-counter="3"] .reason').filter({ hasText: '午餐' }).waitFor();
	await check(page);
	await ctx.close();
});

test('/manage/reports', async () => {
	const ctx = await context();
	const page = await ctx.newPage();
	await page.goto(hall.url + '/manage/reports');
	await signInToken(page, hall.tokens.manager, '#page');
	await page.locator('body[data-ready="1"]').waitFor({ timeout: 5000 });
	await check(page);
	await ctx.close();
});

test('the ticket page, waiting and done with its review', async () => {
	const ctx = await context({ width: 390, height: 844 });
	const page = await ctx.newPage();
	const url = (t) => { const u = new URL(t.status_url); return hall.url + u.pathname + u.search; };
	await page.goto(url(waiting));
	await page.locator('#figures:not([hidden])').waitFor();
	await check(page, { controls: false });
	await page.goto(url(done));
	await page.locator('#review:not([hidden])').waitFor();
	await page.locator('#levels button[data-level="2"]').click();
	await page.locator('#reasons:not([hidden])').waitFor();
	await check(page);
	await ctx.close();
});
