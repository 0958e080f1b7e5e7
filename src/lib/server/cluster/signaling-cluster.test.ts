// Two signaling nodes in one process, on one Redis (PONTE_TEST_REDIS_URL, or a throwaway one):
// peers on different nodes reach each other as if on one, and a peer ID moves between nodes.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { DEFAULT_FEATURES, type Role } from '$lib/session/protocol';
import type { Runtime } from '../runtime';
import {
	createSignaling,
	SIGNALING_KEY,
	SIGNALING_SOCKET_PATH,
	type Signaling
} from '../signaling';
import { openTestRuntime } from '../test-runtime';
import { signTicket } from '../tickets';
import { openCluster, type Cluster } from './redis';
import { openTestRedis, testPrefix } from './test-redis';

const found = await openTestRedis();
const REDIS_URL = found.redis?.url;

interface Node {
	cluster: Cluster;
	signaling: Signaling;
	server: http.Server;
	port: number;
}

async function startNode(runtime: Runtime, prefix: string): Promise<Node> {
	const cluster = await openCluster({ url: REDIS_URL!, prefix });
	const signaling = createSignaling(runtime, async () => true, cluster);
	await signaling.ready();
	const server = http.createServer((_req, res) => res.writeHead(404).end());
	server.on('upgrade', (req, socket, head) => {
		if (!signaling.handleUpgrade(req, socket, head)) socket.destroy();
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return { cluster, signaling, server, port: (server.address() as AddressInfo).port };
}

async function stopNode(node: Node) {
	await node.signaling.close();
	node.server.close();
	await node.cluster.close();
}

/** A PeerJS-speaking socket: collects what signaling sends it. */
class TestPeer {
	readonly received: { type: string; src?: string; dst?: string; payload?: unknown }[] = [];
	readonly socket: WebSocket;
	readonly closed: Promise<number>;

	constructor(
		runtime: Runtime,
		node: Node,
		peerId: string,
		sessionId: string,
		role: Role,
		features = DEFAULT_FEATURES
	) {
		const token = signTicket(runtime.secrets.ticketPrivateKey, {
			sessionId,
			role,
			peerId,
			name: peerId,
			organisation: 'Test',
			features
		});
		this.socket = new WebSocket(
			`ws://127.0.0.1:${node.port}${SIGNALING_SOCKET_PATH}?key=${SIGNALING_KEY}&id=${peerId}&token=${encodeURIComponent(token)}`
		);
		this.socket.on('message', (data) => this.received.push(JSON.parse(String(data))));
		this.closed = new Promise((resolve) => this.socket.on('close', resolve));
	}

	send(message: object) {
		this.socket.send(JSON.stringify(message));
	}

	async next(type: string, timeoutMs = 5000) {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const index = this.received.findIndex((m) => m.type === type);
			if (index >= 0) return this.received.splice(index, 1)[0];
			if (Date.now() > deadline) throw new Error(`no ${type} within ${timeoutMs} ms`);
			await new Promise((resolve) => setTimeout(resolve, 10));
		}
	}
}

async function until(condition: () => boolean) {
	while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

const offer = (dst: string, connectionId = 'dc_1') => ({
	type: 'OFFER',
	dst,
	payload: { type: 'data', label: 'chat', connectionId, sdp: { type: 'offer', sdp: 'v=0' } }
});

describe.skipIf(!REDIS_URL)(
	`signaling across two nodes${found.skipReason ? ` (${found.skipReason})` : ''}`,
	() => {
		let runtime: Runtime;
		let a: Node;
		let b: Node;
		const prefix = testPrefix();

		beforeAll(async () => {
			runtime = await openTestRuntime(fs.mkdtempSync(path.join(os.tmpdir(), 'ponte-cluster-')));
			a = await startNode(runtime, prefix);
			b = await startNode(runtime, prefix);
		});

		afterAll(async () => {
			await stopNode(a);
			await stopNode(b);
			await runtime.close();
			await found.redis?.stop();
		});

		it("relays between nodes within a session, in order, in the peer server's form", async () => {
			const session = randomUUID();
			const agent = new TestPeer(runtime, a, 'agent-1', session, 'agent');
			const customer = new TestPeer(runtime, b, 'customer-1', session, 'customer');
			await agent.next('OPEN');
			await customer.next('OPEN');

			agent.send(offer('customer-1'));
			for (let i = 0; i < 20; i++) {
				agent.send({
					type: 'CANDIDATE',
					dst: 'customer-1',
					payload: { n: i, connectionId: 'dc_1' }
				});
			}
			const got = await customer.next('OFFER');
			expect(got).toEqual({
				type: 'OFFER',
				src: 'agent-1',
				dst: 'customer-1',
				payload: offer('x').payload
			});
			const candidates = [];
			for (let i = 0; i < 20; i++) candidates.push(await customer.next('CANDIDATE'));
			expect(candidates.map((c) => (c.payload as { n: number }).n)).toEqual([...Array(20).keys()]);

			customer.send({ type: 'ANSWER', dst: 'agent-1', payload: { connectionId: 'dc_1' } });
			expect(await agent.next('ANSWER')).toMatchObject({ src: 'customer-1', dst: 'agent-1' });

			const peers = await a.signaling.connectedPeers(session);
			expect(peers.sort((x, y) => x.peerId.localeCompare(y.peerId))).toEqual([
				{ peerId: 'agent-1', role: 'agent' },
				{ peerId: 'customer-1', role: 'customer' }
			]);
			agent.socket.close();
			customer.socket.close();
			await Promise.all([agent.closed, customer.closed]);
		});

		it('keeps sessions apart across nodes and says EXPIRE for an absent peer', async () => {
			const mine = new TestPeer(runtime, a, 'agent-2', randomUUID(), 'agent');
			const theirs = new TestPeer(runtime, b, 'customer-2', randomUUID(), 'customer');
			await mine.next('OPEN');
			await theirs.next('OPEN');
			mine.send(offer('customer-2'));
			expect(await mine.next('EXPIRE')).toEqual({
				type: 'EXPIRE',
				src: 'customer-2',
				dst: 'agent-2'
			});
			mine.send(offer('nobody'));
			expect(await mine.next('EXPIRE')).toEqual({ type: 'EXPIRE', src: 'nobody', dst: 'agent-2' });
			expect(theirs.received.filter((m) => m.type === 'OFFER')).toEqual([]);
			mine.socket.close();
			theirs.socket.close();
			await Promise.all([mine.closed, theirs.closed]);
		});

		it('still refuses what the ticket denies before relaying', async () => {
			const session = randomUUID();
			const agent = new TestPeer(runtime, a, 'agent-3', session, 'agent', {
				...DEFAULT_FEATURES,
				agentScreenShare: false
			});
			const customer = new TestPeer(runtime, b, 'customer-3', session, 'customer');
			await agent.next('OPEN');
			await customer.next('OPEN');
			agent.send({
				type: 'OFFER',
				dst: 'customer-3',
				payload: {
					type: 'media',
					connectionId: 'mc_1',
					metadata: { kind: 'agent-screen' },
					sdp: { type: 'offer', sdp: 'v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n' }
				}
			});
			agent.send({ type: 'CANDIDATE', dst: 'customer-3', payload: { connectionId: 'mc_1' } });
			agent.send(offer('customer-3', 'dc_ok'));
			expect((await customer.next('OFFER')).payload).toMatchObject({ connectionId: 'dc_ok' });
			expect(customer.received.filter((m) => m.type === 'CANDIDATE')).toEqual([]);
			agent.socket.close();
			customer.socket.close();
			await Promise.all([agent.closed, customer.closed]);
		});

		it('moves a peer ID to another node: the new node wins, the old socket goes', async () => {
			const session = randomUUID();
			const customer = new TestPeer(runtime, b, 'customer-4', session, 'customer');
			const first = new TestPeer(runtime, a, 'agent-4', session, 'agent');
			await customer.next('OPEN');
			await first.next('OPEN');
			const second = new TestPeer(runtime, b, 'agent-4', session, 'agent');
			await second.next('OPEN');
			await first.closed;
			await until(() => a.signaling.size === 0);
			customer.send(offer('agent-4'));
			expect(await second.next('OFFER')).toMatchObject({ src: 'customer-4' });
			// The old node's close did not delete the new entry: node A still reaches agent-4 on B.
			const third = new TestPeer(runtime, a, 'customer-5', session, 'customer');
			await third.next('OPEN');
			third.send(offer('agent-4', 'dc_5'));
			expect((await second.next('OFFER')).payload).toMatchObject({ connectionId: 'dc_5' });
			for (const peer of [customer, second, third]) peer.socket.close();
			await Promise.all([customer.closed, second.closed, third.closed]);
			expect(await a.signaling.connectedPeers(session)).toEqual([]);
		});

		it('forgets the peers of a node that is gone: a message to them expires', async () => {
			const session = randomUUID();
			const c = await startNode(runtime, prefix);
			const lost = new TestPeer(runtime, c, 'agent-6', session, 'agent');
			const customer = new TestPeer(runtime, a, 'customer-6', session, 'customer');
			await lost.next('OPEN');
			await customer.next('OPEN');
			// Gone without a word: its subscriber drops, its registry entries stay until they expire.
			await c.cluster.close();
			c.server.close();
			lost.socket.terminate();
			const channel = c.cluster.key('signal', c.cluster.nodeId);
			for (;;) {
				const [, listeners] = (await a.cluster.redis.pubsub('NUMSUB', channel)) as [string, number];
				if (listeners === 0) break;
				await new Promise((resolve) => setTimeout(resolve, 10));
			}
			customer.send(offer('agent-6'));
			expect(await customer.next('EXPIRE')).toMatchObject({ src: 'agent-6' });
			expect((await a.signaling.connectedPeers(session)).map((p) => p.peerId)).toEqual([
				'customer-6'
			]);
			customer.socket.close();
			await customer.closed;
		});
	}
);
