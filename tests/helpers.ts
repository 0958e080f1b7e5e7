import { expect, type Browser, type BrowserContext, type Page } from '@playwright/test';
import SQLite from 'better-sqlite3';
import path from 'node:path';
import { unflatten } from 'devalue';
import { E2E } from '../playwright.config';

let addressCounter = 0;

/** A browser context that looks like its own client address (rate limits are per address). */
export async function newClient(browser: Browser): Promise<BrowserContext> {
	addressCounter++;
	const address = `10.${(process.pid >> 8) & 255}.${process.pid & 255}.${addressCounter % 250}`;
	return browser.newContext({ extraHTTPHeaders: { 'x-forwarded-for': address } });
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

/** Passes when the named video shows new frames over a short interval. */
export async function expectAdvancingFrames(page: Page, label: string) {
	const video = page.getByLabel(label);
	await expect(video).toBeVisible();
	await expect
		.poll(async () => video.evaluate((v: HTMLVideoElement) => v.videoWidth), { timeout: 15_000 })
		.toBeGreaterThan(0);
	const before = await presentedFrames(page, label);
	await expect
		.poll(async () => (await presentedFrames(page, label)) - before, { timeout: 10_000 })
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

/** A customer and a logged-in agent in one session, the customer on the toolbar page. */
export async function startSession(browser: Browser, customerName = 'Maria Rossi') {
	const agentContext = await newClient(browser);
	const customerContext = await newClient(browser);
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
		code,
		sessionId,
		async close() {
			await agentContext.close();
			await customerContext.close();
		}
	};
}
