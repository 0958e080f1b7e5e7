import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openCluster, type Cluster } from './redis';
import {
	RedisAccountDelay,
	RedisAttemptLimiter,
	RedisDeviceFailures,
	sharedAttemptLimiter
} from './redis-ratelimit';
import { openTestRedis, testPrefix } from './test-redis';

process.env.PONTE_QUIET_LOGS = '1';
const { redis: server, skipReason } = await openTestRedis();
if (skipReason) console.warn(skipReason);
afterAll(() => server?.stop());

// Windows long in real time (Redis expires the keys by its own clock), walked through with a
// clock of the test's own.
const OPTIONS = { perKey: 3, global: 10, windowMs: 60_000, blockMs: 300_000 };

describe.skipIf(!server)('rate limits in Redis', () => {
	const clusters: Cluster[] = [];
	afterEach(async () => {
		for (const cluster of clusters.splice(0)) await cluster.close();
	});

	/** `count` processes sharing one Redis, and one key space of their own. */
	async function nodes(count: number) {
		const prefix = testPrefix();
		for (let i = 0; i < count; i++) clusters.push(await openCluster({ url: server!.url, prefix }));
		return clusters.slice(-count);
	}

	it('keeps a guessing burst spread over two processes within one budget', async () => {
		const [a, b] = await nodes(2);
		const options = { ...OPTIONS, perKey: 10, global: 1000 };
		const limiters = [
			new RedisAttemptLimiter(a, 'join', options),
			new RedisAttemptLimiter(b, 'join', options)
		];
		// 60 join attempts from one address in flight at once, alternating between the processes.
		const admitted = await Promise.all(
			Array.from({ length: 60 }, (_, i) => limiters[i % 2].reserve(['198.51.100.7']))
		);
		expect(admitted.filter(Boolean)).toHaveLength(10);
		expect(await limiters[0].reserve(['198.51.100.7'])).toBe(false);
		expect(await limiters[1].reserve(['198.51.100.8'])).toBe(true);
	});

	it('blocks a key for the block time and lets a success forget an unblocked one', async () => {
		const [a, b] = await nodes(2);
		const clock = { t: 1_000_000 };
		const onA = new RedisAttemptLimiter(a, 'login', { ...OPTIONS, now: () => clock.t });
		const onB = new RedisAttemptLimiter(b, 'login', { ...OPTIONS, now: () => clock.t });
		for (let i = 0; i < 3; i++) await (i % 2 ? onA : onB).fail('a');
		expect(await onB.reserve(['a'])).toBe(false);
		clock.t += 299_999;
		expect(await onA.reserve(['a'])).toBe(false);
		clock.t += 1;
		expect(await onA.reserve(['a'])).toBe(true);

		await onA.fail('c');
		await onB.succeed('c');
		for (let i = 0; i < 2; i++) await onA.fail('c');
		expect(await onB.reserve(['c'])).toBe(true);
	});

	it('refunds a reservation, lifting the block it caused, and refuses a spent key whole', async () => {
		const [a] = await nodes(1);
		const clock = { t: 5_000 };
		const l = new RedisAttemptLimiter(a, 'login', { ...OPTIONS, now: () => clock.t });
		for (let i = 0; i < 3; i++) expect(await l.reserve(['ip', 'ip|x'])).toBe(true);
		expect(await l.reserve(['ip|y', 'ip'])).toBe(false);
		await l.refund(['ip', 'ip|x']);
		expect(await l.reserve(['ip|y'])).toBe(true);
		expect(await l.reserve(['ip', 'ip|z'])).toBe(true);
	});

	it('has a global budget shared by the processes, alerting once per window', async () => {
		const [a, b] = await nodes(2);
		const clock = { t: 0 };
		const limiters = [a, b].map((cluster) =>
			sharedAttemptLimiter(cluster, 'join', { ...OPTIONS, now: () => clock.t })
		);
		let alerts = 0;
		for (const limiter of limiters) limiter.onGlobalLimit = () => alerts++;
		for (let i = 0; i < 12; i++) await limiters[i % 2].fail(`k${i}`);
		expect(await limiters[0].reserve(['fresh'])).toBe(false);
		expect(alerts).toBe(1);
		clock.t += 60_000;
		expect(await limiters[1].reserve(['fresh'])).toBe(true);
	});

	it('grows an account delay across processes, reporting the first refusal once', async () => {
		const [a, b] = await nodes(2);
		const clock = { t: 10_000 };
		const options = {
			free: 2,
			firstDelayMs: 2000,
			maxDelayMs: 8000,
			forgetMs: 600_000,
			now: () => clock.t
		};
		const delays = [
			new RedisAccountDelay(a, 'account', options),
			new RedisAccountDelay(b, 'account', options)
		];
		expect(await delays[0].reserve('x@e')).toEqual({ allowed: true });
		expect(await delays[1].reserve('x@e')).toEqual({ allowed: true });
		expect(await delays[0].reserve('x@e')).toEqual({
			allowed: false,
			retryAfterMs: 2000,
			firstRefusal: true
		});
		clock.t += 500;
		expect(await delays[1].reserve('x@e')).toEqual({
			allowed: false,
			retryAfterMs: 1500,
			firstRefusal: false
		});
		clock.t += 1500;
		expect(await delays[1].reserve('x@e')).toEqual({ allowed: true });
		// Three failures: 4 s, then the cap.
		expect(await delays[0].reserve('x@e')).toMatchObject({ allowed: false, retryAfterMs: 4000 });
		await delays[0].succeed('x@e');
		expect(await delays[1].reserve('x@e')).toEqual({ allowed: true });
		clock.t += 600_000;
		expect(await delays[1].reserve('x@e')).toEqual({ allowed: true });
	});

	it('stops trusting a device past its limit, until a success', async () => {
		const [a, b] = await nodes(2);
		const clock = { t: 0 };
		const options = { limit: 2, forgetMs: 600_000, now: () => clock.t };
		const onA = new RedisDeviceFailures(a, 'device', options);
		const onB = new RedisDeviceFailures(b, 'device', options);
		expect(await onA.reserve('d')).toBe(true);
		expect(await onB.reserve('d')).toBe(true);
		expect(await onA.reserve('d')).toBe(false);
		await onB.succeed('d');
		expect(await onA.reserve('d')).toBe(true);
		clock.t += 600_000;
		expect(await onA.reserve('d')).toBe(true);
		expect(await onA.reserve('d')).toBe(true);
	});

	it('counts in the process while Redis fails, and in Redis again once it answers', async () => {
		const [a] = await nodes(1);
		const limiter = sharedAttemptLimiter(a, 'join', OPTIONS);
		a.redis.disconnect();
		// No connection: the shared count fails, the process's own count takes over.
		for (let i = 0; i < 3; i++) expect(await limiter.reserve(['ip'])).toBe(true);
		expect(await limiter.reserve(['ip'])).toBe(false);
		await a.redis.connect();
		expect(await limiter.reserve(['ip'])).toBe(true);
	});
});
