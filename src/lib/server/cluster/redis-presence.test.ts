import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { LocalConsolePresence, ONLINE_WINDOW_MS } from '../console-presence';
import { openCluster, type Cluster } from './redis';
import { RedisConsolePresence } from './redis-presence';
import { openTestRedis, testPrefix, until } from './test-redis';

process.env.PONTE_QUIET_LOGS = '1';
const { redis: server, skipReason } = await openTestRedis();
if (skipReason) console.warn(skipReason);
afterAll(() => server?.stop());

describe('console presence in the process', () => {
	it('shows an agent online for the window after a check-in', () => {
		const clock = { t: 0 };
		const presence = new LocalConsolePresence(() => clock.t);
		presence.markPresent('u1');
		clock.t = ONLINE_WINDOW_MS;
		presence.markPresent('u2');
		expect(presence.onlineAmong(['u1', 'u2', 'u3'])).toEqual(new Set(['u1', 'u2']));
		clock.t += 1;
		expect(presence.onlineAmong(['u1', 'u2'])).toEqual(new Set(['u2']));
	});
});

describe.skipIf(!server)('console presence in Redis', () => {
	const clusters: Cluster[] = [];
	afterEach(async () => {
		for (const cluster of clusters.splice(0)) await cluster.close();
	});

	it('shows a check-in on one process as online on the other, until it expires', async () => {
		const prefix = testPrefix();
		for (let i = 0; i < 2; i++) clusters.push(await openCluster({ url: server!.url, prefix }));
		// A short window, so the expiry is seen within the test (polled, not slept on).
		const [a, b] = clusters.map((cluster) => new RedisConsolePresence(cluster, 300));
		await a.markPresent('u1');
		expect(await b.onlineAmong(['u1', 'u2'])).toEqual(new Set(['u1']));
		expect(await b.onlineAmong([])).toEqual(new Set());
		await until(async () => (await b.onlineAmong(['u1'])).size === 0, 5000, 'the expiry');
		await b.markPresent('u1');
		expect(await a.onlineAmong(['u1'])).toEqual(new Set(['u1']));
	});
});
