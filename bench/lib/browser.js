// One headless Chromium for the whole bench, and browser contexts that carry the
// instrumentation init script (bench/pages/instrument.js).
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { findChromium, HOW_TO_GET_CHROMIUM } from '../../scripts/find-chromium.js';

/** The title of the tab every screen share captures (bench/pages/screen.html). */
export const SCREEN_TITLE = 'Ponte bench screen';

/**
 * playwright.config.ts's CHROMIUM_ARGS without the fake capture device: with
 * `--use-fake-device-for-media-stream` (or `--use-fake-ui-for-media-stream`) getDisplayMedia
 * returns the synthetic screen and ignores the tab chosen by title, and the latency and
 * quality figures need a real tab we draw into.
 */
export const BENCH_CHROMIUM_ARGS = [
	`--auto-select-tab-capture-source-by-title=${SCREEN_TITLE}`,
	'--enable-precise-memory-info',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	'--no-first-run',
	'--disable-quic',
	'--no-sandbox',
	'--autoplay-policy=no-user-gesture-required'
];

export async function launchBrowser() {
	const executablePath = await findChromium();
	if (!executablePath) throw new Error(HOW_TO_GET_CHROMIUM);
	const browser = await chromium.launch({ executablePath, args: BENCH_CHROMIUM_ARGS });
	return { browser, executablePath };
}

let clientNumber = 0;

/**
 * A browser context with the bench pages and instrumentation. `config` is the instrument
 * script's configuration (see bench/pages/instrument.js); every mark lands in `marks`.
 */
export async function benchClient(browser, { root, baseUrl, config = {}, viewport }) {
	clientNumber++;
	const context = await browser.newContext({
		baseURL: baseUrl,
		viewport: viewport ?? { width: 1280, height: 720 },
		// Each client looks like its own address: the join limiter counts per address.
		extraHTTPHeaders: {
			'x-forwarded-for': `10.77.${(clientNumber >> 8) & 255}.${clientNumber & 255}`
		}
	});
	const log = markLog();
	await context.exposeBinding('__ponteBenchMark', (_source, name, at, detail) =>
		log.add({ name, at, detail })
	);
	const instrument = fs.readFileSync(path.join(root, 'bench/pages/instrument.js'), 'utf8');
	await context.addInitScript({
		content: `window.__ponteBenchConfig = ${JSON.stringify(config)};\n${instrument}`
	});
	return {
		context,
		...log.reader,
		close: () => context.close()
	};
}

/**
 * The marks a client's pages report, and how the figures read them: `find` the first named
 * `name` at or after `since` (shared-clock milliseconds), or wait for it.
 */
export function markLog(label = '') {
	const marks = [];
	const waiters = new Set();
	const reader = {
		marks,
		find(name, since = 0) {
			return marks.find((m) => m.name === name && m.at >= since) ?? null;
		},
		waitForMark(name, { since = 0, timeout = 20_000 } = {}) {
			const found = reader.find(name, since);
			if (found) return Promise.resolve(found);
			return new Promise((resolve, reject) => {
				const timer = setTimeout(() => {
					waiters.delete(check);
					reject(new Error(`no "${name}" mark within ${timeout} ms${label}`));
				}, timeout);
				const check = (entry) => {
					if (entry.name !== name || entry.at < since) return;
					clearTimeout(timer);
					waiters.delete(check);
					resolve(entry);
				};
				waiters.add(check);
			});
		}
	};
	return {
		reader,
		add(entry) {
			marks.push(entry);
			for (const waiter of waiters) waiter(entry);
		}
	};
}

/** The shared clock of every page of the browser (performance.timeOrigin + now()). */
export function pageNow(page) {
	return page.evaluate(() => performance.timeOrigin + performance.now());
}
