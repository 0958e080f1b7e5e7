import { afterAll, describe, expect, it } from 'vitest';
import { openCluster } from './redis';
import { openTestRedis, testPrefix } from './test-redis';

const { redis: server, skipReason } = await openTestRedis();
if (skipReason) console.warn(skipReason);
afterAll(() => server?.stop());

describe.skipIf(!server)('openCluster', () => {
	const url = server?.url ?? '';

	it('gives each process its own node ID and prefixes keys', async () => {
		const prefix = testPrefix();
		const [a, b] = await Promise.all([openCluster({ url, prefix }), openCluster({ url, prefix })]);
		try {
			expect(a.nodeId).not.toBe(b.nodeId);
			expect(a.key('lock', 'sweeps')).toBe(`${prefix}lock:sweeps`);
			await a.redis.set(a.key('x'), '1');
			expect(await b.redis.get(b.key('x'))).toBe('1');
		} finally {
			await Promise.all([a.close(), b.close()]);
		}
	});

	it('opens subscriber connections that receive what the command client publishes', async () => {
		const cluster = await openCluster({ url, prefix: testPrefix() });
		try {
			const subscriber = cluster.subscriber();
			const channel = cluster.key('channel');
			const received = new Promise<string>((resolve) =>
				subscriber.on('message', (_channel, message) => resolve(message))
			);
			await subscriber.subscribe(channel);
			await cluster.redis.publish(channel, 'hello');
			expect(await received).toBe('hello');
		} finally {
			await cluster.close();
		}
	});
});

describe('openCluster without a server', () => {
	it('gives up within its timeout, naming the address but not the URL', async () => {
		// A port nothing listens on: the first connection fails and keeps failing.
		const attempt = openCluster({ url: 'redis://:hunter2@127.0.0.1:1', connectTimeoutMs: 300 });
		await expect(attempt).rejects.toThrow(/could not reach Redis at 127\.0\.0\.1:1 \(REDIS_URL\)/);
		await attempt.catch((error) => expect(String(error)).not.toContain('hunter2'));
	});
});
