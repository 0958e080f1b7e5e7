import { expect, test, type APIRequestContext } from '@playwright/test';
import { E2E } from '../playwright.config';
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

test('40 wrong passwords sent at once from one address: at most 8 are judged, the rest get 429', async ({
	browser
}) => {
	const context = await newClient(browser);
	const email = `parallel-${unique()}@ponte.test`;
	const results = await Promise.all(
		Array.from({ length: 40 }, (_, i) =>
			postLogin(context.request, { email, password: `parallel guess ${i}`, address: '10.99.0.1' })
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
	expect(results.filter((r) => r.status === 400)).toHaveLength(10);
	const delayed = results.filter((r) => r.status === 429);
	expect(delayed).toHaveLength(30);
	expect(delayed[0].data).toContain(
		'Too many wrong passwords for this account. Try again in 2 seconds.'
	);

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
