import { afterAll, describe, expect, it } from 'vitest';
import { openCluster } from './redis';
import { SignalRelay, type RelayedSignal } from './signal-relay';
import { openTestRedis, testPrefix, until } from './test-redis';

const { redis: server, skipReason } = await openTestRedis();
if (skipReason) console.warn(skipReason);
afterAll(() => server?.stop());

describe.skipIf(!server)('SignalRelay', () => {
	it('drops what is not a relay message on its channel, and delivers what follows', async () => {
		process.env.PONTE_QUIET_LOGS = '1';
		const prefix = testPrefix();
		const [a, b] = await Promise.all([
			openCluster({ url: server!.url, prefix }),
			openCluster({ url: server!.url, prefix })
		]);
		const delivered: RelayedSignal[] = [];
		const dropped: string[] = [];
		const relay = new SignalRelay(b, {
			deliver: (signal) => delivered.push(signal),
			drop: (peerId) => dropped.push(peerId)
		});
		const sender = new SignalRelay(a, { deliver: () => {}, drop: () => {} });
		try {
			await Promise.all([relay.ready(), sender.ready()]);
			const channel = b.key('signal', b.nodeId);
			for (const garbage of [
				'not json',
				'null',
				JSON.stringify({
					kind: 'signal',
					from: 'x',
					type: 'OPEN',
					src: 'a',
					dst: 'b',
					session: 's'
				}),
				JSON.stringify({ kind: 'signal', from: 'x', type: 'OFFER', src: 'a', session: 's' }),
				JSON.stringify({ kind: 'drop', peerId: 'p'.repeat(500), value: 'v' }),
				JSON.stringify({ kind: 'shutdown' })
			]) {
				await a.redis.publish(channel, garbage);
			}
			const signal = { type: 'OFFER', src: 'p1', dst: 'p2', payload: { sdp: 'x' }, session: 's1' };
			expect(await sender.send(b.nodeId, signal)).toBe(true);
			await until(() => delivered.length > 0);
			expect(delivered).toEqual([signal]);
			expect(dropped).toEqual([]);
		} finally {
			relay.close();
			sender.close();
			await Promise.all([a.close(), b.close()]);
		}
	});
});
