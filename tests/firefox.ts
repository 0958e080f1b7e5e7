// Firefox in the Playwright suite: Debian's firefox-esr driven by puppeteer-core over WebDriver
// BiDi, one browser (fresh profile) per page a test asks for, non-headless on the Xvfb display
// scripts/e2e.js runs the suite on (headless Firefox cannot capture a screen). A thin adapter
// over puppeteer's Page gives the tests what they need, controls found by role and name.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test as base, expect, type Browser as ChromiumBrowser } from '@playwright/test';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { E2E } from '../playwright.config';
import { FIREFOX_PREFS } from '../scripts/firefox-prefs.js';
import { logIn, newClient, newSession, saveToPrivateFiles } from './helpers';

/** Long enough for a cross-browser step on a busy 2-core machine. */
const TIMEOUT = 30_000;

export interface FirefoxOptions {
	/** The browser's preferred language (Accept-Language and navigator.languages). */
	locale?: string;
}

/** Launches Debian's Firefox (PONTE_FIREFOX) on the current DISPLAY with a fresh profile. */
export async function launchFirefox(options: FirefoxOptions = {}, extraPrefs = {}) {
	const executablePath = process.env.PONTE_FIREFOX;
	if (!executablePath) throw new Error('PONTE_FIREFOX is not set: run the suite with npm test');
	if (!process.env.DISPLAY) throw new Error('no DISPLAY: Firefox runs on Xvfb (npm test does it)');
	return puppeteer.launch({
		browser: 'firefox',
		protocol: 'webDriverBiDi',
		executablePath,
		headless: false,
		defaultViewport: null,
		args: ['--width=1280', '--height=1000'],
		extraPrefsFirefox: {
			...FIREFOX_PREFS,
			...(options.locale ? { 'intl.accept_languages': options.locale } : {}),
			...extraPrefs
		}
	});
}

let addressCounter = 0;

const aria = (role: string, name: string) =>
	`::-p-aria([name=${JSON.stringify(name)}][role=${JSON.stringify(role)}])`;

/** What the tests do with a Firefox page, in Playwright's terms. */
export class FirefoxPage {
	constructor(
		readonly page: Page,
		/** Where this page's downloads land. */
		readonly downloads: string
	) {}

	goto(route: string) {
		return this.page.goto(new URL(route, E2E.baseURL).href);
	}

	url() {
		return this.page.url();
	}

	/** Clicks the control with this role and accessible name once it is visible and enabled. */
	async click(role: string, name: string) {
		await this.page.locator(aria(role, name)).setTimeout(TIMEOUT).click();
	}

	/** Fills the text box with this label (a password field has no textbox role: its CSS). */
	async fill(label: string, value: string, selector = aria('textbox', label)) {
		await this.page.locator(selector).setTimeout(TIMEOUT).fill(value);
	}

	/** Waits until an element with this role and name is shown (or, `hidden`, gone). */
	async waitFor(role: string, name: string, { hidden = false, timeout = TIMEOUT } = {}) {
		await this.page.waitForSelector(aria(role, name), {
			visible: !hidden,
			hidden,
			timeout
		});
	}

	/** The text content of the element with this role and name. */
	async textOf(role: string, name: string) {
		const element = await this.page.waitForSelector(aria(role, name), { timeout: TIMEOUT });
		return element!.evaluate((e) => e.textContent ?? '');
	}

	/** Waits until the page's visible text contains `text`. */
	async waitForText(text: string, { timeout = TIMEOUT } = {}) {
		await this.page.waitForFunction((t) => document.body.innerText.includes(t), { timeout }, text);
	}

	/** Waits until the page is at a URL matching `pattern`. */
	async waitForURL(pattern: RegExp) {
		await expect.poll(() => this.page.url(), { timeout: TIMEOUT }).toMatch(pattern);
	}

	/** Picks files for the file input (puppeteer takes paths: the buffers are written out). */
	async setInputFiles(files: { name: string; buffer: Buffer }[]) {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ponte-ff-upload-'));
		const paths = files.map((file) => {
			const target = path.join(dir, file.name);
			fs.writeFileSync(target, file.buffer);
			return target;
		});
		const input = await this.page.waitForSelector('input[type="file"]', { timeout: TIMEOUT });
		await input!.uploadFile(...paths);
	}

	/**
	 * Waits for the download of this name to reach `size` bytes (Firefox creates the file empty
	 * and fills it) and returns its bytes' SHA-256 and size.
	 */
	async downloaded(name: string, size: number) {
		const file = path.join(this.downloads, name);
		const written = () =>
			fs.existsSync(file) && !fs.existsSync(`${file}.part`) ? fs.statSync(file).size : -1;
		await expect.poll(written, { timeout: TIMEOUT }).toBeGreaterThanOrEqual(size);
		const bytes = fs.readFileSync(file);
		return { size: bytes.length, sha256: crypto.createHash('sha256').update(bytes).digest('hex') };
	}

	/**
	 * Frames the <video> with this aria-label has presented since first asked (0 when there is
	 * none). Counted with requestVideoFrameCallback: Firefox's getVideoPlaybackQuality() counts
	 * no frames of a MediaStream.
	 */
	presentedFrames(label: string) {
		return this.page.evaluate((l) => {
			const video = document.querySelector<HTMLVideoElement>(`video[aria-label="${l}"]`);
			if (!video) return 0;
			const counted = video as HTMLVideoElement & { __frames?: number };
			if (counted.__frames === undefined) {
				counted.__frames = 0;
				const count = () => {
					counted.__frames!++;
					video.requestVideoFrameCallback(count);
				};
				video.requestVideoFrameCallback(count);
			}
			return counted.__frames;
		}, label);
	}

	/** Passes when the named video has a size and shows new frames (as expectAdvancingFrames). */
	async expectAdvancingFrames(label: string) {
		await this.page.waitForFunction(
			(l) =>
				(document.querySelector<HTMLVideoElement>(`video[aria-label="${l}"]`)?.videoWidth ?? 0) > 0,
			{ timeout: TIMEOUT },
			label
		);
		const before = await this.presentedFrames(label);
		await expect
			.poll(async () => (await this.presentedFrames(label)) - before, { timeout: TIMEOUT })
			.toBeGreaterThan(5);
	}

	evaluate: Page['evaluate'] = (...args) => this.page.evaluate(...args);
	waitForFunction: Page['waitForFunction'] = (...args) => this.page.waitForFunction(...args);
}

export interface Firefox {
	/** A page in a new Firefox (its own profile), downloads allowed into a fresh folder. */
	newPage(options?: FirefoxOptions): Promise<FirefoxPage>;
}

/** `test` with a `firefox` fixture; every Firefox it launched is closed after the test. */
export const test = base.extend<{ firefox: Firefox }>({
	// eslint-disable-next-line no-empty-pattern
	firefox: async ({}, use) => {
		const browsers: Browser[] = [];
		await use({
			async newPage(options = {}) {
				const browser = await launchFirefox(options);
				browsers.push(browser);
				const downloads = fs.mkdtempSync(path.join(os.tmpdir(), 'ponte-ff-downloads-'));
				const context = await browser.createBrowserContext({
					downloadBehavior: { policy: 'allow', downloadPath: downloads }
				});
				const page = await context.newPage();
				// Its own client address, as newClient() gives a Chromium context (rate limits).
				addressCounter++;
				await page.setExtraHTTPHeaders({
					'x-forwarded-for': `10.252.${process.pid & 255}.${addressCounter % 250}`
				});
				return new FirefoxPage(page, downloads);
			}
		});
		await Promise.all(browsers.map((browser) => browser.close()));
	}
});

/** A Chromium agent (saving to its private files) starts a session; a Firefox customer joins. */
export async function firefoxCustomer(
	browser: ChromiumBrowser,
	firefox: Firefox,
	{ name = 'Maria Rossi', locale }: { name?: string; locale?: string } = {}
) {
	const agentContext = await newClient(browser);
	await saveToPrivateFiles(agentContext);
	const agent = await agentContext.newPage();
	await logIn(agent);
	const { code, sessionId } = await newSession(agent);
	const customer = await firefox.newPage({ locale });
	await customer.goto('/');
	const italian = locale?.startsWith('it');
	await customer.fill(italian ? 'Codice sessione' : 'Session code', code);
	await customer.fill(italian ? 'Il tuo nome' : 'Your name', name);
	await customer.click('button', italian ? 'Partecipa' : 'Join');
	await customer.waitForURL(/\/session$/);
	await customer.waitForText(italian ? 'Connessione sicura' : 'Connected securely');
	await expect(agent.getByRole('heading', { name: `Session with ${name}` })).toBeVisible({
		timeout: 30_000
	});
	return { agent, customer, code, sessionId, close: () => agentContext.close() };
}

export { expect };
