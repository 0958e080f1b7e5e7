import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_FEATURES } from '$lib/session/protocol';
import { openCluster, type Cluster } from './cluster/redis';
import { openTestRedis, testPrefix, until } from './cluster/test-redis';
import { redisSessionEvents, type SessionEvents } from './session-events';

process.env.PONTE_QUIET_LOGS = '1';
const { redis: server, skipReason } = await openTestRedis();
if (skipReason) console.warn(skipReason);
afterAll(() => server?.stop());

describe.skipIf(!server)('redisSessionEvents', () => {
	const open: { cluster: Cluster; events: SessionEvents }[] = [];
	afterEach(async () => {
		for (const { cluster, events } of open.splice(0)) {
			await events.close();
			await cluster.close();
		}
	});

	/** Two processes sharing one Redis (their own prefix, so tests never cross). */
	async function twoNodes() {
		const prefix = testPrefix();
		for (let i = 0; i < 2; i++) {
			const cluster = await openCluster({ url: server!.url, prefix });
			open.push({ cluster, events: await redisSessionEvents(cluster) });
		}
		return [open[0].events, open[1].events, open[0].cluster] as const;
	}

	it('delivers an event on the node that published it at once, and on the other once', async () => {
		const [a, b] = await twoNodes();
		const heardOnA: string[] = [];
		const heardOnB: string[] = [];
		a.subscribe('participant-left', (sessionId, peerId) => heardOnA.push(`${sessionId}/${peerId}`));
		b.subscribe('participant-left', (sessionId, peerId) => heardOnB.push(`${sessionId}/${peerId}`));
		a.subscribe('session-ended', (sessionId) => heardOnA.push(`ended ${sessionId}`));

		a.publish('participant-left', 's1', 'p1');
		expect(heardOnA).toEqual(['s1/p1']);
		await until(() => heardOnB.length === 1, 5000, 'B to hear A');
		expect(heardOnB).toEqual(['s1/p1']);

		// A hears B's event after its own echo (one channel, in order): by then the echo was skipped.
		b.publish('session-ended', 's1');
		await until(() => heardOnA.length === 2, 5000, 'A to hear B');
		expect(heardOnA).toEqual(['s1/p1', 'ended s1']);
	});

	it('carries the features with the event', async () => {
		const [a, b] = await twoNodes();
		const heard: unknown[] = [];
		b.subscribe('features-changed', (...args) => heard.push(args));
		const features = { ...DEFAULT_FEATURES, fileTransfer: false, maxFileSize: 1024 };
		a.publish('features-changed', 's2', 'p2', features);
		await until(() => heard.length === 1, 5000, 'the features');
		expect(heard).toEqual([['s2', 'p2', features]]);
	});

	it('refuses what does not match the schema, and keeps listening', async () => {
		const [, b, cluster] = await twoNodes();
		const heard: string[] = [];
		b.subscribe('session-ended', (sessionId) => heard.push(sessionId));
		b.subscribe('features-changed', (sessionId) => heard.push(`features ${sessionId}`));
		const channel = cluster.key('session-events');
		for (const raw of [
			'not json',
			JSON.stringify({ from: 'x', event: 'session-ended', args: [] }),
			JSON.stringify({ from: 'x', event: 'session-ended', args: [42] }),
			JSON.stringify({
				from: 'x',
				event: 'features-changed',
				args: ['s', 'p', { fileTransfer: 1 }]
			}),
			JSON.stringify({ from: 'x', event: 'drop-tables', args: ['s'] })
		]) {
			await cluster.redis.publish(channel, raw);
		}
		await cluster.redis.publish(
			channel,
			JSON.stringify({ from: 'x', event: 'session-ended', args: ['s3'] })
		);
		await until(() => heard.length > 0, 5000, 'the valid event');
		expect(heard).toEqual(['s3']);
	});
});
