// The bench's Firefox side: one Firefox ESR (puppeteer-core over WebDriver BiDi, as the e2e
// suite drives it) in kiosk mode on the Xvfb display bench/run.js runs on, and clients with the
// same shape as benchClient's (bench/lib/browser.js): a context whose pages carry the
// instrumentation, their marks collected in `marks`. Each client is its own user context (a
// tab of the kiosk window). Its pages answer the few Playwright calls the figures make (goto,
// evaluate, waitForFunction, getByLabel().fill, getByRole().click/waitFor, screenshot).
//
// Marks are kept on the *agent's* clock: Firefox's performance.timeOrigin + now() is not
// Chromium's, so each Firefox page's offset from the agent page is measured (tightest of a few
// round trips through this process) and added to its marks.
import fs from 'node:fs';
import path from 'node:path';
import puppeteer from 'puppeteer-core';
import { findFirefox, HOW_TO_GET_FIREFOX } from '../../scripts/find-firefox.js';
import { FIREFOX_PREFS } from '../../scripts/firefox-prefs.js';
import { markLog } from './browser.js';
import { clockOffset } from './sessions.js';

const BENCH_PREFS = {
	...FIREFOX_PREFS,
	// No "You are sharing your entire screen" bar: it would sit on the frame counter.
	'privacy.webrtc.hideGlobalIndicator': true,
	'privacy.webrtc.legacyGlobalIndicator': false,
	// Background tabs keep their timers (the customer's page is behind the shared screen's tab).
	'dom.min_background_timeout_value': 4,
	'dom.timeout.enable_budget_timer_throttling': false
};

/** Firefox, full screen on the current DISPLAY: what it captures is the tab in front. */
export async function launchFirefox() {
	const { firefox } = findFirefox();
	if (!firefox) throw new Error(HOW_TO_GET_FIREFOX);
	if (!process.env.DISPLAY) throw new Error('no DISPLAY: Firefox runs on Xvfb (bench/run.js)');
	const browser = await puppeteer.launch({
		browser: 'firefox',
		protocol: 'webDriverBiDi',
		executablePath: firefox,
		headless: false,
		defaultViewport: null,
		// Without a window manager the kiosk window keeps its size: make it the whole screen.
		args: ['--kiosk', '--width=1280', '--height=720'],
		extraPrefsFirefox: BENCH_PREFS
	});
	return { browser, executablePath: firefox, version: await browser.version() };
}

const aria = (role, name) =>
	`::-p-aria([name=${JSON.stringify(name)}][role=${JSON.stringify(role)}])`;

/** A puppeteer page with the Playwright calls the figures use. */
function wrapPage(page, baseUrl) {
	const locator = (selector) => ({
		fill: (value) => page.locator(selector).setTimeout(30_000).fill(value),
		click: () => page.locator(selector).setTimeout(30_000).click(),
		waitFor: ({ timeout = 30_000 } = {}) =>
			page.waitForSelector(selector, { visible: true, timeout })
	});
	return {
		puppeteer: page,
		goto: (url, { waitUntil } = {}) =>
			page.goto(new URL(url, baseUrl).href, {
				waitUntil: waitUntil === 'networkidle' ? 'networkidle0' : 'load'
			}),
		evaluate: (fn, arg) => page.evaluate(fn, arg),
		waitForFunction: (fn, arg, { timeout = 30_000 } = {}) =>
			page.waitForFunction(fn, { timeout }, arg),
		getByLabel: (label) => locator(aria('textbox', label)),
		getByRole: (role, { name }) => locator(aria(role, name)),
		screenshot: async (options) => Buffer.from(await page.screenshot(options)),
		viewportSize: () => page.viewport(),
		setViewportSize: async () => {},
		bringToFront: () => page.bringToFront(),
		close: () => page.close()
	};
}

let clientNumber = 0;

/**
 * A client like benchClient's, in Firefox. `agentPage` is the page whose clock marks are kept
 * on (the Chromium agent's).
 */
export async function firefoxClient(browser, { root, baseUrl, config = {}, agentPage }) {
	clientNumber++;
	const context = await browser.createBrowserContext();
	const log = markLog(' (Firefox)');
	const instrument = fs.readFileSync(path.join(root, 'bench/pages/instrument.js'), 'utf8');
	const agentOffset = (await clockOffset(agentPage)).offset;
	const client = {
		context: {
			async newPage() {
				const page = await context.newPage();
				await page.setExtraHTTPHeaders({
					'x-forwarded-for': `10.78.${(clientNumber >> 8) & 255}.${clientNumber & 255}`
				});
				const wrapped = wrapPage(page, baseUrl);
				// Until measured on the first loaded page: the two clocks' offsets are near zero.
				wrapped.toAgentClock = 0;
				await page.exposeFunction('__ponteBenchMark', (name, at, detail) => {
					const entry = { name, at: at + wrapped.toAgentClock, detail };
					log.add(entry);
				});
				await page.evaluateOnNewDocument(
					`window.__ponteBenchConfig = ${JSON.stringify(config)};\n${instrument}`
				);
				await page.goto('about:blank');
				const measure = async () => {
					wrapped.toAgentClock = agentOffset - (await clockOffset(wrapped)).offset;
				};
				const goto = wrapped.goto;
				wrapped.goto = async (...args) => {
					const response = await goto(...args);
					await measure();
					return response;
				};
				return wrapped;
			},
			close: () => context.close()
		},
		...log.reader,
		close: () => context.close()
	};
	return client;
}

/** A page's clock, on the agent's clock when it is a Firefox page (see firefoxClient). */
export async function agentClockNow(page) {
	const at = await page.evaluate(() => performance.timeOrigin + performance.now());
	return at + (page.toAgentClock ?? 0);
}
