import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RedisLeaderLock, soleLeader } from './leader';
import { openCluster, type Cluster } from './redis';
import { openTestRedis, testPrefix, until } from './test-redis';

process.env.PONTE_QUIET_LOGS = '1';
const { redis: server, skipReason } = await openTestRedis();
if (skipReason) console.warn(skipReason);
afterAll(() => server?.stop());

it('a process on its own always leads', () => {
	expect(soleLeader.isLeader()).toBe(true);
});

describe.skipIf(!server)('the sweep lock in Redis', () => {
	const clusters: Cluster[] = [];
	afterEach(async () => {
		for (const cluster of clusters.splice(0)) await cluster.close();
	});

	/** Two processes' locks on one name; ticked by hand, never by a timer. */
	async function twoLocks(ttlMs: number) {
		const prefix = testPrefix();
		for (let i = 0; i < 2; i++) clusters.push(await openCluster({ url: server!.url, prefix }));
		return clusters.map((cluster) => new RedisLeaderLock(cluster, 'sweeps', { ttlMs }));
	}

	it('has one holder, who keeps it by renewing', async () => {
		const [a, b] = await twoLocks(10_000);
		expect(await a.tick()).toBe(true);
		expect(await b.tick()).toBe(false);
		expect(await a.tick()).toBe(true);
		expect(await b.tick()).toBe(false);
		expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
	});

	it('passes to another process once the holder stops renewing, and stays there', async () => {
		const [a, b] = await twoLocks(300);
		expect(await a.tick()).toBe(true);
		// A dies: no more ticks. B takes over once the lock has expired.
		await until(() => b.tick(), 5000, 'B to take the lock');
		expect(a.isLeader()).toBe(false);
		// A comes back: its renewal finds the lock B's, and it does not take it.
		expect(await a.tick()).toBe(false);
		expect(await b.tick()).toBe(true);
	});

	it('is handed over at once when the holder closes', async () => {
		const [a, b] = await twoLocks(10_000);
		expect(await a.tick()).toBe(true);
		await a.close();
		expect(a.isLeader()).toBe(false);
		expect(await b.tick()).toBe(true);
	});

	it('a holder that cannot renew stops leading when its lock may have expired', async () => {
		const [a] = await twoLocks(1000);
		expect(await a.tick()).toBe(true);
		clusters[0].redis.disconnect();
		expect(await a.tick()).toBe(true);
		await until(() => !a.isLeader(), 5000, 'A to stop leading');
	});
});
