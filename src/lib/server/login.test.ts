import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createUser } from './auth';
import { attemptLogin } from './login';
import { FailureCount, FailureRateLimiter, GrowingDelay } from './ratelimit';
import type { Runtime } from './runtime';
import { openTestRuntime } from './test-runtime';

let runtime: Runtime;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ponte-login-'));
const EMAIL = 'victim@unit.test';
const PASSWORD = 'the real password 1';
const OTHER_EMAIL = 'other@unit.test';
const clock = { t: 1_000_000 };

beforeAll(async () => {
	runtime = await openTestRuntime(dataDir);
	await createUser(runtime.db, { email: EMAIL, name: 'Victim', password: PASSWORD, role: 'agent' });
	await createUser(runtime.db, {
		email: OTHER_EMAIL,
		name: 'Other',
		password: PASSWORD,
		role: 'agent'
	});
}, 60_000);

// The production limits, on a clock the test moves (no real waiting).
beforeEach(() => {
	runtime.loginLimiter = new FailureRateLimiter({
		...runtime.loginLimiter.options,
		now: () => clock.t
	});
	runtime.accountDelay = new GrowingDelay({ ...runtime.accountDelay.options, now: () => clock.t });
	runtime.deviceFailures = new FailureCount({
		...runtime.deviceFailures.options,
		now: () => clock.t
	});
});

afterAll(async () => {
	await runtime.close();
	fs.rmSync(dataDir, { recursive: true, force: true });
});

async function auditCount(action: string) {
	const rows = await runtime.db
		.selectFrom('audit_log')
		.select(['detail'])
		.where('action', '=', action)
		.execute();
	return rows;
}

// scrypt for each judged guess: slow on a busy machine.
describe('login limits', { timeout: 30_000 }, () => {
	it('40 wrong passwords at once from one address: at most 8 are judged, the rest refused', async () => {
		const before = (await auditCount('login.failed')).length;
		const results = await Promise.all(
			Array.from({ length: 40 }, (_, i) =>
				attemptLogin(runtime, { email: EMAIL, password: `guess ${i}`, address: '198.51.100.1' })
			)
		);
		const judged = results.filter((r) => !r.ok && r.error === 'wrong');
		expect(judged.length).toBeLessThanOrEqual(8);
		expect(results.filter((r) => !r.ok && r.error === 'address-limited')).toHaveLength(
			40 - judged.length
		);
		expect((await auditCount('login.failed')).length - before).toBe(judged.length);
		// Even the right password waits now, from this address.
		expect(
			await attemptLogin(runtime, { email: EMAIL, password: PASSWORD, address: '198.51.100.1' })
		).toEqual({ ok: false, error: 'address-limited' });
	});

	it('guesses from many addresses at one account meet a growing delay; audited without the password', async () => {
		const free = runtime.accountDelay.options.free;
		const guess = (i: number) =>
			attemptLogin(runtime, { email: EMAIL, password: `botnet ${i}`, address: `203.0.113.${i}` });
		const results = await Promise.all(Array.from({ length: 40 }, (_, i) => guess(i)));
		expect(results.filter((r) => !r.ok && r.error === 'wrong')).toHaveLength(free);
		const delayed = results.filter((r) => !r.ok && r.error === 'account-delayed');
		expect(delayed).toHaveLength(40 - free);
		expect(delayed[0]).toMatchObject({ retryAfterMs: 2000 });

		// Once the wait has passed, one more guess is judged, and the next wait doubles.
		clock.t += 2000;
		expect(await guess(100)).toEqual({ ok: false, error: 'wrong' });
		expect(await guess(101)).toEqual({ ok: false, error: 'account-delayed', retryAfterMs: 4000 });

		// Refused attempts are audited once per wait, by email, never with a password.
		const audited = await auditCount('login.delayed');
		expect(audited).toHaveLength(2);
		expect(JSON.parse(audited[0].detail!)).toEqual({ email: EMAIL, retryAfterSeconds: 2 });
		expect(JSON.stringify(await auditCount('login.failed'))).not.toContain('botnet');
	});

	it('the wait is capped, and the real user logs in once it has passed, which resets it', async () => {
		const free = runtime.accountDelay.options.free;
		for (let i = 0; i < free + 10; i++) {
			clock.t += 60 * 60_000 - 1;
			await attemptLogin(runtime, { email: EMAIL, password: `slow ${i}`, address: `192.0.2.${i}` });
		}
		const refused = await attemptLogin(runtime, {
			email: EMAIL,
			password: PASSWORD,
			address: '192.0.2.200'
		});
		expect(refused).toEqual({ ok: false, error: 'account-delayed', retryAfterMs: 15 * 60_000 });

		clock.t += 15 * 60_000;
		const success = await attemptLogin(runtime, {
			email: EMAIL,
			password: PASSWORD,
			address: '192.0.2.200'
		});
		expect(success).toMatchObject({ ok: true, user: { email: EMAIL } });
		// Afresh: a typo now is just a wrong password, with no wait.
		expect(
			await attemptLogin(runtime, { email: EMAIL, password: 'typo', address: '192.0.2.200' })
		).toEqual({ ok: false, error: 'wrong' });
	});

	/** Logs in with the right password and hands back the browser's new device cookie. */
	async function deviceCookieFor(email: string, address: string) {
		const login = await attemptLogin(runtime, { email, password: PASSWORD, address });
		if (!login.ok) throw new Error(`expected a login, got ${login.error}`);
		return login.deviceToken;
	}

	/** Enough strangers' guesses, each from its own address, to put the account in a wait. */
	async function strangersGuess(count: number) {
		await Promise.all(
			Array.from({ length: count }, (_, i) =>
				attemptLogin(runtime, { email: EMAIL, password: `stranger ${i}`, address: `10.9.0.${i}` })
			)
		);
	}

	it('a browser that logged in before is not delayed by strangers\u2019 guesses', async () => {
		const deviceToken = await deviceCookieFor(EMAIL, '192.0.2.50');
		await strangersGuess(30);
		// A browser without the cookie waits, even with the right password.
		expect(
			await attemptLogin(runtime, { email: EMAIL, password: PASSWORD, address: '192.0.2.51' })
		).toMatchObject({ ok: false, error: 'account-delayed' });
		// The owner's browser: a typo is just a typo, and the right password logs in.
		const owner = { email: EMAIL, address: '192.0.2.50', deviceToken };
		expect(await attemptLogin(runtime, { ...owner, password: 'typo' })).toEqual({
			ok: false,
			error: 'wrong'
		});
		expect(await attemptLogin(runtime, { ...owner, password: PASSWORD })).toMatchObject({
			ok: true,
			user: { email: EMAIL }
		});

		// Still true when the strangers keep up one guess per wait (the wait at its cap).
		await strangersGuess(30);
		clock.t += 15 * 60_000;
		await strangersGuess(1);
		expect(
			await attemptLogin(runtime, { email: EMAIL, password: PASSWORD, address: '192.0.2.51' })
		).toMatchObject({ ok: false, error: 'account-delayed' });
		expect(await attemptLogin(runtime, { ...owner, password: PASSWORD })).toMatchObject({
			ok: true
		});
	});

	it('a device cookie\u2019s own failures: past 10, that browser meets the account\u2019s delay until a success', async () => {
		const deviceToken = await deviceCookieFor(EMAIL, '192.0.2.60');
		await strangersGuess(30);
		const limit = runtime.deviceFailures.options.limit;
		// From many addresses, so the per-address limits stay out of the way.
		for (let i = 0; i < limit; i++) {
			expect(
				await attemptLogin(runtime, {
					email: EMAIL,
					password: `stolen cookie ${i}`,
					address: `192.0.2.${100 + i}`,
					deviceToken
				})
			).toEqual({ ok: false, error: 'wrong' });
		}
		expect(
			await attemptLogin(runtime, {
				email: EMAIL,
				password: PASSWORD,
				address: '192.0.2.60',
				deviceToken
			})
		).toMatchObject({ ok: false, error: 'account-delayed' });

		// Once the wait has passed, a success trusts the browser again.
		clock.t += 15 * 60_000;
		const owner = { email: EMAIL, password: PASSWORD, address: '192.0.2.60', deviceToken };
		expect(await attemptLogin(runtime, owner)).toMatchObject({ ok: true });
		await strangersGuess(30);
		expect(await attemptLogin(runtime, owner)).toMatchObject({ ok: true });
	}, 90_000);

	it('a forged or other account\u2019s device cookie does not skip the delay', async () => {
		const othersToken = await deviceCookieFor(OTHER_EMAIL, '192.0.2.70');
		const ownToken = await deviceCookieFor(EMAIL, '192.0.2.71');
		await strangersGuess(30);
		const [version, nonce, signature] = ownToken.split('.');
		const flipped = signature[0] === 'A' ? 'B' : 'A';
		const forged = [
			othersToken,
			`${version}.${nonce}.${flipped}${signature.slice(1)}`,
			`${version}.${othersToken.split('.')[1]}.${signature}`,
			'v1.garbage',
			''
		];
		for (const [i, deviceToken] of forged.entries()) {
			expect(
				await attemptLogin(runtime, {
					email: EMAIL,
					password: PASSWORD,
					address: `192.0.2.${80 + i}`,
					deviceToken
				})
			).toMatchObject({ ok: false, error: 'account-delayed' });
		}
		// The other account's own browser is unaffected.
		expect(
			await attemptLogin(runtime, {
				email: OTHER_EMAIL,
				password: PASSWORD,
				address: '192.0.2.70',
				deviceToken: othersToken
			})
		).toMatchObject({ ok: true, user: { email: OTHER_EMAIL } });
	});
});
