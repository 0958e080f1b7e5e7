import { describe, expect, it } from 'vitest';
import { FailureRateLimiter, GrowingDelay } from './ratelimit';

function limiter(now: { t: number }) {
	return new FailureRateLimiter({
		perKey: 3,
		global: 10,
		windowMs: 1000,
		blockMs: 5000,
		maxKeys: 5,
		now: () => now.t
	});
}

describe('failure rate limiter', () => {
	it('blocks a key after its budget, for the block time', () => {
		const now = { t: 0 };
		const l = limiter(now);
		for (let i = 0; i < 3; i++) l.fail('a');
		expect(l.allowed('a')).toBe(false);
		expect(l.allowed('b')).toBe(true);
		now.t = 4999;
		expect(l.allowed('a')).toBe(false);
		now.t = 5000;
		expect(l.allowed('a')).toBe(true);
	});

	it('has a global budget across keys, and raises an alert once', () => {
		const now = { t: 0 };
		const l = limiter(now);
		let alerts = 0;
		l.onGlobalLimit = () => alerts++;
		for (let i = 0; i < 12; i++) l.fail(`k${i}`);
		expect(l.allowed('fresh')).toBe(false);
		expect(alerts).toBe(1);
		now.t = 1000;
		expect(l.allowed('fresh')).toBe(true);
	});

	it('stays bounded in memory and forgets expired entries', () => {
		const now = { t: 0 };
		const l = limiter(now);
		for (let i = 0; i < 8; i++) l.fail(`key${i}`);
		expect(l.size).toBeLessThanOrEqual(5);
		now.t = 10_000;
		l.sweep();
		expect(l.size).toBe(0);
	});
});

describe('reserving attempts', () => {
	it('charges at once, so attempts in flight together stay within the budget', () => {
		const now = { t: 0 };
		const l = limiter(now);
		// Five requests arrive before any is judged: each reserves before its slow check.
		const admitted = Array.from({ length: 5 }, () => l.reserve(['a', 'a|x'])).filter(Boolean);
		expect(admitted).toHaveLength(3);
		expect(l.allowed('a')).toBe(false);
	});

	it('a refund hands the attempt back, lifting the block it caused', () => {
		const now = { t: 0 };
		const l = limiter(now);
		expect(l.reserve(['a'])).toBe(true);
		expect(l.reserve(['a'])).toBe(true);
		expect(l.reserve(['a'])).toBe(true);
		expect(l.allowed('a')).toBe(false);
		// The third was the right password: the key is as it was after two failures.
		l.refund(['a']);
		expect(l.allowed('a')).toBe(true);
		expect(l.reserve(['a'])).toBe(true);
		expect(l.reserve(['a'])).toBe(false);
	});

	it('refuses the whole reservation when any key is spent, charging none', () => {
		const now = { t: 0 };
		const l = limiter(now);
		for (let i = 0; i < 3; i++) l.fail('spent');
		expect(l.reserve(['fresh', 'spent'])).toBe(false);
		for (let i = 0; i < 2; i++) expect(l.reserve(['fresh'])).toBe(true);
		expect(l.allowed('fresh')).toBe(true);
	});
});

describe('growing delay per account', () => {
	function delay(now: { t: number }) {
		return new GrowingDelay({
			free: 3,
			firstDelayMs: 2000,
			maxDelayMs: 60_000,
			forgetMs: 3_600_000,
			maxKeys: 5,
			now: () => now.t
		});
	}

	it('waits 2^k seconds after the free failures, capped, counted from the last failure', () => {
		const now = { t: 0 };
		const d = delay(now);
		for (let i = 0; i < 3; i++) expect(d.reserve('acct')).toEqual({ allowed: true });
		expect(d.reserve('acct')).toEqual({ allowed: false, retryAfterMs: 2000, firstRefusal: true });
		now.t = 1500;
		expect(d.reserve('acct')).toEqual({ allowed: false, retryAfterMs: 500, firstRefusal: false });
		now.t = 2000;
		expect(d.reserve('acct').allowed).toBe(true);
		expect(d.reserve('acct')).toMatchObject({ allowed: false, retryAfterMs: 4000 });
		expect([3, 4, 5, 6, 8, 20].map((f) => d.delayAfter(f))).toEqual([
			2000, 4000, 8000, 16_000, 60_000, 60_000
		]);
		expect(d.delayAfter(2)).toBe(0);
	});

	it('refused attempts do not lengthen the wait, and a success starts afresh', () => {
		const now = { t: 0 };
		const d = delay(now);
		for (let i = 0; i < 3; i++) d.reserve('acct');
		for (let t = 100; t < 2000; t += 100) {
			now.t = t;
			expect(d.reserve('acct').allowed).toBe(false);
		}
		now.t = 2000;
		expect(d.reserve('acct').allowed).toBe(true);
		d.succeed('acct');
		for (let i = 0; i < 3; i++) expect(d.reserve('acct').allowed).toBe(true);
	});

	it('forgets an account after a quiet spell, and stays bounded in memory', () => {
		const now = { t: 0 };
		const d = delay(now);
		for (let i = 0; i < 8; i++) d.reserve(`k${i}`);
		expect(d.size).toBeLessThanOrEqual(5);
		for (let i = 0; i < 3; i++) d.reserve('acct');
		now.t = 3_600_000;
		expect(d.reserve('acct').allowed).toBe(true);
		now.t = 2 * 3_600_000;
		d.sweep();
		expect(d.size).toBe(0);
	});
});
