// Driving Ponte's own pages the way people do (the same steps as tests/helpers.ts).
import { ADMIN } from './server.js';

export async function logIn(page) {
	await page.goto('/login');
	await page.getByLabel('Email').fill(ADMIN.email);
	await page.getByLabel('Password').fill(ADMIN.password);
	await page.getByRole('button', { name: 'Log in' }).click();
	await page.waitForURL(/\/agent/);
}

/** Agent clicks New session; returns the code's nine digits and the session ID. */
export async function newSession(page) {
	await page.goto('/agent');
	await page.getByRole('button', { name: 'New session' }).click();
	await page.waitForURL(/\/agent\/sessions\/[\w-]+$/);
	const shown = await page.getByLabel('Session code').textContent();
	const code = (shown ?? '').replace(/\s/g, '');
	if (!/^\d{9}$/.test(code)) throw new Error(`no session code on the agent page (${shown})`);
	return { code, sessionId: page.url().split('/').pop() };
}

/** Opens the join page and fills it in; the caller clicks Join (and starts the clock). */
export async function fillJoinForm(page, code, name) {
	// networkidle: the page is hydrated, as it is for a customer who takes a few seconds to type.
	await page.goto('/', { waitUntil: 'networkidle' });
	await page.getByLabel('Session code').fill(code);
	await page.getByLabel('Your name').fill(name);
}

export function joinButton(page) {
	return page.getByRole('button', { name: 'Join' });
}

/** What the customer page shows while it connects, and once it is connected. */
export const CUSTOMER_TEXTS = {
	'Connecting to your agent': 'session-rendered',
	'Connected securely': 'customer-connected'
};

export const CUSTOMER_SCREEN_SELECTOR = 'video[aria-label="Customer screen"]';
