import { expect, test, type APIRequestContext } from '@playwright/test';
import { E2E } from '../playwright.config';
import { adminPage, newAgentAccount } from './admin-helpers';
import { database, newClient } from './helpers';

/** Posts the login form as a script would, from `address`; answers SvelteKit's action result. */
async function postLogin(
	request: APIRequestContext,
	input: { email: string; password: string; address: string; language?: string }
): Promise<{ status: number; data: string }> {
	const response = await request.post('/login', {
		form: { email: input.email, password: input.password },
		headers: {
			origin: E2E.baseURL,
			accept: 'application/json',
			'x-forwarded-for': input.address,
			...(input.language ? { 'accept-language': input.language } : {})
		},
		maxRedirects: 0
	});
	return (await response.json()) as { status: number; data: string };
}

function auditRows(action: string, email: string) {
	const db = database();
	try {
		return db
			.prepare('SELECT detail, ip FROM audit_log WHERE action = ? AND detail LIKE ?')
			.all(action, `%${email}%`) as { detail: string; ip: string }[];
	} finally {
		db.close();
	}
}

const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
/** An address no earlier run used (a blocked address stays blocked for 15 minutes). */
const freshAddress = () =>
	`10.${96 + Math.floor(Math.random() * 4)}.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 254)}`;

test('40 wrong passwords sent at once from one address: at most 8 are judged, the rest get 429', async ({
	browser
}) => {
	const context = await newClient(browser);
	const email = `parallel-${unique()}@ponte.test`;
	const address = freshAddress();
	const results = await Promise.all(
		Array.from({ length: 40 }, (_, i) =>
			postLogin(context.request, { email, password: `parallel guess ${i}`, address })
		)
	);
	const statuses = results.map((r) => r.status);
	const judged = statuses.filter((s) => s === 400).length;
	expect(judged).toBeGreaterThan(0);
	expect(judged).toBeLessThanOrEqual(8);
	expect(statuses.filter((s) => s === 429)).toHaveLength(40 - judged);
	expect(auditRows('login.failed', email)).toHaveLength(judged);
	await context.close();
});

test('guessing one account from many addresses meets a growing delay, told in the page language', async ({
	browser
}) => {
	const context = await newClient(browser);
	const email = `victim-${unique()}@ponte.test`;
	// A botnet: every guess from its own address, all at once; the account's budget is 10.
	const results = await Promise.all(
		Array.from({ length: 40 }, (_, i) =>
			postLogin(context.request, { email, password: `botnet ${i}`, address: `10.98.0.${i + 1}` })
		)
	);
	// Exactly 10 when all 40 reach the server within the first 2 s wait (the unit test, on its
	// own clock, checks that exactly); a loaded machine spreading them out lets one more through
	// per elapsed wait, and the waits double, so a few at most.
	const judged = results.filter((r) => r.status === 400).length;
	expect(judged).toBeGreaterThanOrEqual(10);
	expect(judged).toBeLessThanOrEqual(14);
	const delayed = results.filter((r) => r.status === 429);
	expect(delayed).toHaveLength(40 - judged);
	for (const refusal of delayed) {
		expect(refusal.data).toMatch(
			/Too many wrong passwords for this account\. Try again in \d+ (seconds?|minutes?)\./
		);
	}

	// A fresh address, in Italian. The wait runs from the last failure, so an attempt that comes
	// after it is judged (and doubles the wait): try until one lands inside a wait.
	let italian = { status: 0, data: '' };
	for (let i = 0; i < 8 && italian.status !== 429; i++) {
		italian = await postLogin(context.request, {
			email,
			password: `italian guess ${i}`,
			address: `10.97.0.${i + 1}`,
			language: 'it'
		});
	}
	expect(italian.status).toBe(429);
	expect(italian.data).toMatch(
		/Troppe password errate per questo account\. Riprova tra \d+ (secondi|secondo|minuti|minuto)\./
	);

	// The page tells the person at the keyboard the same.
	const page = await context.newPage();
	await page.goto('/login');
	const alert = page.getByRole('alert');
	for (let i = 0; i < 8; i++) {
		await page.getByLabel('Email').fill(email);
		await page.getByLabel('Password').fill(`page guess ${i}`);
		const answered = page.waitForResponse(
			(r) => r.url().includes('/login') && r.request().method() === 'POST'
		);
		await page.getByRole('button', { name: 'Log in' }).click();
		await answered;
		await expect(alert).toBeVisible();
		if ((await alert.textContent())?.includes('this account')) break;
	}
	await expect(alert).toHaveText(
		/^Too many wrong passwords for this account\. Try again in \d+ (seconds?|minutes?)\.$/
	);

	// Audited: the failures by email and address, one line per wait, never a password.
	const audited = [...auditRows('login.failed', email), ...auditRows('login.delayed', email)];
	expect(auditRows('login.delayed', email).length).toBeGreaterThanOrEqual(1);
	expect(JSON.stringify(audited)).not.toMatch(/botnet|guess/);
	await context.close();
});

test('a browser that logged in before is not kept out by strangers guessing its account', async ({
	browser
}) => {
	const { page: admin, context: adminContext } = await adminPage(browser);
	const { email, password } = await newAgentAccount(browser, admin, { name: 'Dora Device' });
	await adminContext.close();

	// The owner's browser logs in once and keeps a device cookie for a year.
	const owner = await newClient(browser);
	expect(
		(await postLogin(owner.request, { email, password, address: freshAddress() })).status
	).toBe(303);
	const device = (await owner.cookies()).find((c) => c.name === 'ponte_device');
	expect(device).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
	expect(device!.expires * 1000 - Date.now()).toBeGreaterThan(360 * 24 * 60 * 60_000);

	// Strangers guess from many addresses, all at once, until the account waits.
	const strangers = await newClient(browser);
	const guess = (i: number) =>
		postLogin(strangers.request, {
			email,
			password: `stranger ${i}`,
			address: `10.95.${Math.floor(i / 8)}.${(i % 8) + 1}`
		});
	await Promise.all(Array.from({ length: 30 }, (_, i) => guess(i)));
	// Right after a stranger is told to wait, the owner's browser is let in, from a new address
	// too. (The unit test, on its own clock, checks that a browser without the cookie is not.)
	let probe = { status: 0, data: '' };
	for (let i = 30; i < 40 && probe.status !== 429; i++) probe = await guess(i);
	expect(probe.data).toMatch(/Too many wrong passwords for this account/);
	expect(
		(await postLogin(owner.request, { email, password, address: freshAddress() })).status
	).toBe(303);
	await owner.close();
	await strangers.close();
});
