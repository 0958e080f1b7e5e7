import {
	expect,
	type Browser,
	type BrowserContext,
	type BrowserContextOptions,
	type Page
} from '@playwright/test';
import SQLite from 'better-sqlite3';
import path from 'node:path';
import { unflatten } from 'devalue';
import { E2E } from '../playwright.config';

let addressCounter = 0;

/** A browser context that looks like its own client address (rate limits are per address). */
export async function newClient(
	browser: Browser,
	options: BrowserContextOptions = {}
): Promise<BrowserContext> {
	addressCounter++;
	const address = `10.${(process.pid >> 8) & 255}.${process.pid & 255}.${addressCounter % 250}`;
	return browser.newContext({ ...options, extraHTTPHeaders: { 'x-forwarded-for': address } });
}

export async function logIn(page: Page, email = E2E.adminEmail, password = E2E.adminPassword) {
	await page.goto('/login');
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password').fill(password);
	await page.getByRole('button', { name: 'Log in' }).click();
	await expect(page).toHaveURL(/\/agent/);
}

/** Agent clicks New session; returns the code's nine digits and the session ID. */
export async function newSession(page: Page): Promise<{ code: string; sessionId: string }> {
	await page.goto('/agent');
	await page.getByRole('button', { name: 'New session' }).click();
	await expect(page).toHaveURL(/\/agent\/sessions\/[\w-]+$/);
	const shown = await page.getByLabel('Session code').textContent();
	const code = (shown ?? '').replace(/\s/g, '');
	expect(code).toMatch(/^\d{9}$/);
	expect(shown?.trim()).toMatch(/^\d{3} \d{3} \d{3}$/);
	return { code, sessionId: page.url().split('/').pop()! };
}

export async function join(page: Page, code: string, name: string) {
	await page.goto('/');
	await page.getByLabel('Session code').fill(code);
	await page.getByLabel('Your name').fill(name);
	await page.getByRole('button', { name: 'Join' }).click();
}

/** Number of frames the <video> with this accessible name has presented so far. */
export async function presentedFrames(page: Page, label: string): Promise<number> {
	return page.getByLabel(label).evaluate((video: HTMLVideoElement) => {
		return video.getVideoPlaybackQuality?.().totalVideoFrames ?? 0;
	});
}

/**
 * Passes when the named video shows new frames over a short interval. `timeout` bounds the wait
 * for the first frame: longer where the screen comes back only after a failed call is placed again.
 */
export async function expectAdvancingFrames(page: Page, label: string, { timeout = 15_000 } = {}) {
	const video = page.getByLabel(label);
	await expect(video).toBeVisible({ timeout });
	await expect
		.poll(async () => video.evaluate((v: HTMLVideoElement) => v.videoWidth), { timeout })
		.toBeGreaterThan(0);
	let before = await presentedFrames(page, label);
	await expect
		.poll(
			async () => {
				const now = await presentedFrames(page, label);
				// The count starts again with a new stream (a call placed again while agents
				// join, say): the frames since then are what shows the picture is alive.
				if (now < before) before = 0;
				return now - before;
			},
			{ timeout: 10_000 }
		)
		.toBeGreaterThan(5);
}

/** Direct access to the test server's database, to stand in for time passing. */
export function database() {
	return new SQLite(path.join(E2E.dataDir!, 'ponte.sqlite'));
}

/** The page data SvelteKit would hydrate a route with (as the browser fetches it). */
export async function routeData(page: Page, route: string): Promise<Record<string, unknown>> {
	const response = await page.request.get(`${route.replace(/\/$/, '')}/__data.json`);
	const body = (await response.json()) as { nodes: ({ type: string; data: unknown } | null)[] };
	const node = body.nodes.filter((n) => n?.type === 'data').pop()!;
	return unflatten(node.data as never) as Record<string, unknown>;
}

export interface SessionSetup {
	customerName?: string;
	/** Prepares each context before its page opens (init scripts). */
	prepareCustomer?: (context: BrowserContext) => Promise<void>;
	prepareAgent?: (context: BrowserContext) => Promise<void>;
	/** The customer's device (a phone's viewport and touch screen, say). */
	customerDevice?: BrowserContextOptions;
	agentDevice?: BrowserContextOptions;
}

/** A customer and a logged-in agent in one session, the customer on the toolbar page. */
export async function startSession(browser: Browser, setup: string | SessionSetup = {}) {
	const options = typeof setup === 'string' ? { customerName: setup } : setup;
	const customerName = options.customerName ?? 'Maria Rossi';
	const agentContext = await newClient(browser, options.agentDevice);
	const customerContext = await newClient(browser, options.customerDevice);
	await options.prepareCustomer?.(customerContext);
	await options.prepareAgent?.(agentContext);
	const agent = await agentContext.newPage();
	const customer = await customerContext.newPage();
	await logIn(agent);
	const { code, sessionId } = await newSession(agent);
	await join(customer, code, customerName);
	await expect(customer).toHaveURL(/\/session$/);
	await expect(customer.getByText(/Connected securely/)).toBeVisible();
	await expect(agent.getByRole('heading', { name: `Session with ${customerName}` })).toBeVisible();
	return {
		agent,
		customer,
		agentContext,
		customerContext,
		code,
		sessionId,
		async close() {
			await agentContext.close();
			await customerContext.close();
		}
	};
}

/**
 * Stands in for the user choosing where to save: `showSaveFilePicker` answers with a file in
 * the origin-private file system (same writable-stream API as a file on disk). `delayMs` slows
 * every write, like a slow disk, so a transfer can be caught mid-way.
 */
export async function saveToPrivateFiles(context: BrowserContext, delayMs = 0) {
	await context.addInitScript((delay: number) => {
		(window as unknown as Record<string, unknown>).showSaveFilePicker = async (options?: {
			suggestedName?: string;
		}) => {
			const root = await navigator.storage.getDirectory();
			const handle = await root.getFileHandle(options?.suggestedName ?? 'file', { create: true });
			(window as unknown as { __savedNames: string[] }).__savedNames ??= [];
			(window as unknown as { __savedNames: string[] }).__savedNames.push(handle.name);
			return {
				async createWritable() {
					const writable = await handle.createWritable();
					if (!delay) return writable;
					return {
						async write(data: BufferSource) {
							await new Promise((r) => setTimeout(r, delay));
							await writable.write(data);
						},
						close: () => writable.close(),
						abort: (reason?: unknown) => writable.abort(reason)
					};
				}
			};
		};
	}, delayMs);
}

/** The SHA-256 (hex) and size of a file saved by `saveToPrivateFiles`, or null. */
export async function privateFileDigest(page: Page, name: string) {
	return page.evaluate(async (fileName) => {
		const root = await navigator.storage.getDirectory();
		try {
			const file = await (await root.getFileHandle(fileName)).getFile();
			const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
			const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join(
				''
			);
			return { size: file.size, sha256: hex };
		} catch {
			return null;
		}
	}, name);
}

/** Browsers without a save picker (Firefox, Safari): the file arrives as a download. */
export async function withoutSavePicker(context: BrowserContext) {
	await context.addInitScript(() => {
		delete (window as unknown as Record<string, unknown>).showSaveFilePicker;
	});
}

/** Keeps the last screen stream the page captured reachable, to act as the browser's own UI. */
export async function keepCapturedStreams(context: BrowserContext) {
	await context.addInitScript(() => {
		const original = navigator.mediaDevices.getDisplayMedia.bind(navigator.mediaDevices);
		navigator.mediaDevices.getDisplayMedia = async (constraints) => {
			const stream = await original(constraints);
			(window as unknown as { __lastCapture: MediaStream }).__lastCapture = stream;
			return stream;
		};
	});
}
