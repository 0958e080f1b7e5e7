import { describe, expect, it } from 'vitest';
import { FailureRateLimiter } from './ratelimit';

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
