// cluster: two Ponte nodes on one Redis (PONTE_BENCH_REDIS_URL, else PONTE_TEST_REDIS_URL) and
// one DATA_DIR (SQLite shared by the two processes; the bench mints sessions there). Three
// figures in the same run:
// - clusterJoin (browser): Join click → the agent's first frame with the customer on the other
//   node, as a ratio of both on one node (runs interleaved);
// - clusterSignaling: a signaling message relayed across nodes against one within a node (p50,
//   p99), then 20,000 peers held by the two nodes together (10,000 each, in parallel, by two
//   load clients) and each node's memory.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { CUSTOMER_SCREEN_SELECTOR, logIn } from '../lib/app.js';
import { benchClient } from '../lib/browser.js';
import {
	adminId,
	insertSessions,
	openDatabase,
	peerId,
	randomId,
	readSecrets,
	signTicket,
	signalingUrl
} from '../lib/data.js';
import { spawnWithFileLimit, startServer } from '../lib/server.js';
import { median, percentile } from '../lib/stats.js';
import { ponteJoin } from './join.js';

export const CLUSTER_PEERS_GOAL = 20_000;
export const CROSS_NODE_JOIN_GOAL_RATIO = 1.2;
const RELAY_SAMPLES = 250;

const redisUrl = () => process.env.PONTE_BENCH_REDIS_URL || process.env.PONTE_TEST_REDIS_URL;

function skipped() {
	return {
		rows: [
			{
				measure: 'skipped',
				value: null,
				note: 'no Redis: set PONTE_BENCH_REDIS_URL (or PONTE_TEST_REDIS_URL; scripts/services.js)'
			}
		]
	};
}

/** Both nodes, started once for the cluster figures and stopped by bench/run.js. */
async function cluster(ctx) {
	if (ctx.cluster) return ctx.cluster;
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ponte-bench-cluster-'));
	const env = { REDIS_URL: redisUrl() };
	// One after the other: the first creates the schema, the administrator and the secrets.
	const a = await startServer(ctx.root, { dataDir, env });
	const b = await startServer(ctx.root, { dataDir, env });
	ctx.cluster = {
		dataDir,
		nodes: [a, b],
		secrets: readSecrets(dataDir),
		async stop() {
			await Promise.all([a.stop(), b.stop()]);
			fs.rmSync(dataDir, { recursive: true, force: true });
		}
	};
	ctx.progress(`cluster nodes on ${a.url} and ${b.url}`);
	return ctx.cluster;
}

export const clusterJoin = {
	async measure(ctx) {
		if (!redisUrl()) return skipped();
		const { nodes } = await cluster(ctx);
		const agent = await benchClient(ctx.browser, {
			root: ctx.root,
			baseUrl: nodes[0].url,
			config: { reader: { ...ctx.readerConfig, selector: CUSTOMER_SCREEN_SELECTOR } }
		});
		try {
			const agentPage = await agent.context.newPage();
			await logIn(agentPage);
			// The agent's page stays on node A; the customer's join form, page and signaling socket
			// go to node A (same) or node B (cross).
			const on = (node) => ({ ...ctx, agent, agentPage, server: nodes[node] });
			await ponteJoin(on(0), 'Warm Up A');
			await ponteJoin(on(1), 'Warm Up B');
			const same = [];
			const cross = [];
			const failures = [];
			for (let run = 0; run < ctx.options.runs; run++) {
				for (const [node, list] of [
					[0, same],
					[1, cross]
				]) {
					try {
						list.push((await ponteJoin(on(node), `Customer ${run + 1}`)).joinToFrame);
					} catch (error) {
						failures.push(String(error?.message ?? error).slice(0, 300));
					}
				}
				ctx.progress(`cluster join ${run + 1}/${ctx.options.runs}`);
			}
			if (!same.length || !cross.length) throw new Error(`no runs: ${failures.join(' | ')}`);
			const ratio = median(cross) / median(same);
			return {
				rows: [
					{
						measure: 'Join → first frame, both peers on node A (median)',
						value: median(same),
						unit: 'ms',
						note: `${same.length} runs`
					},
					{
						measure: 'Join → first frame, customer on node B (median)',
						value: median(cross),
						unit: 'ms',
						note: `${cross.length} runs, signaling relayed through Redis`
					},
					{
						measure: 'cross-node / same-node join',
						value: ratio,
						unit: '×',
						goal: `≤ ${CROSS_NODE_JOIN_GOAL_RATIO}×`,
						pass: ratio <= CROSS_NODE_JOIN_GOAL_RATIO
					},
					{
						measure: 'runs where the agent never saw the screen',
						value: failures.length,
						unit: '',
						digits: 0,
						goal: '0',
						pass: failures.length === 0
					}
				],
				data: { same, cross, failures, ratio }
			};
		} finally {
			await agent.close();
		}
	}
};

/** A registered signaling socket whose incoming messages are awaited by their `n`. */
function openSocket(node, id, ticket) {
	return new Promise((resolve, reject) => {
		const socket = new WebSocket(signalingUrl(node.url, id, ticket), { perMessageDeflate: false });
		const waiting = new Map();
		socket.on('message', (data) => {
			const message = JSON.parse(String(data));
			if (message.type === 'OPEN') resolve({ socket, waiting });
			const n = message.payload?.n;
			if (n !== undefined) waiting.get(n)?.(performance.now());
		});
		socket.on('error', reject);
		socket.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
	});
}

/** One-way latency of a CANDIDATE, sender → receiver (both in this process: one clock). */
async function relayLatencies(ctx, { dataDir, nodes, secrets }) {
	const db = openDatabase(dataDir);
	const sessionId = randomId(12);
	const peers = {
		sender: { id: peerId(), role: 'agent', node: 0 },
		local: { id: peerId(), role: 'customer', node: 0 },
		remote: { id: peerId(), role: 'customer', node: 1 }
	};
	insertSessions(db, [
		{
			id: sessionId,
			agentId: adminId(db),
			participants: Object.values(peers).map(({ id, role }) => ({ peerId: id, role }))
		}
	]);
	db.close();
	const sockets = {};
	for (const [name, peer] of Object.entries(peers)) {
		const ticket = signTicket(secrets.ticketPrivateKey, {
			sessionId,
			role: peer.role,
			peerId: peer.id,
			name
		});
		sockets[name] = await openSocket(nodes[peer.node], peer.id, ticket);
	}
	const samples = { local: [], remote: [] };
	// Interleaved, one at a time (latency, not throughput), within the sender's message budget.
	for (let n = 0; n < RELAY_SAMPLES * 2; n++) {
		const to = n % 2 === 0 ? 'local' : 'remote';
		const arrived = new Promise((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`message ${n} to ${to} lost`)), 5000);
			sockets[to].waiting.set(n, (at) => {
				clearTimeout(timer);
				resolve(at);
			});
		});
		const sent = performance.now();
		sockets.sender.socket.send(
			JSON.stringify({
				type: 'CANDIDATE',
				dst: peers[to].id,
				payload: { connectionId: 'bench', n, candidate: { candidate: 'x'.repeat(200) } }
			})
		);
		samples[to].push((await arrived) - sent);
		sockets[to].waiting.delete(n);
		// Under the per-peer budget (100 messages/s) however fast the answers come.
		await new Promise((resolve) => setTimeout(resolve, 12));
	}
	for (const { socket } of Object.values(sockets)) socket.terminate();
	return samples;
}

function runLoadClient(ctx, node, dataDir, peers, index) {
	const args = [
		path.join(ctx.root, 'bench/signaling-load.js'),
		`--url=${node.url}`,
		`--data-dir=${dataDir}`,
		`--server-pid=${node.pid}`,
		`--peers=${peers}`,
		`--rate=${Math.min(ctx.options.rate, 300)}`,
		`--hold=${ctx.options.hold}`,
		'--joins=2',
		`--code-offset=${index * 1000}`
	];
	return new Promise((resolve, reject) => {
		const child = spawnWithFileLimit(args, { cwd: ctx.root, stdio: ['ignore', 'pipe', 'inherit'] });
		let output = '';
		child.stdout.setEncoding('utf8');
		child.stdout.on('data', (text) => (output += text));
		child.on('error', reject);
		child.on('exit', (code) => {
			if (code !== 0) return reject(new Error(`load client exited with ${code}`));
			try {
				resolve(JSON.parse(output.trim().split('\n').pop()));
			} catch (error) {
				reject(new Error(`load client printed no result (${error.message})`));
			}
		});
	});
}

export const clusterSignaling = {
	async measure(ctx) {
		if (!redisUrl()) return skipped();
		const set = await cluster(ctx);
		const latency = await relayLatencies(ctx, set);
		const stat = (list, p) => percentile(list, p);
		ctx.progress(`relay latency measured; ${ctx.options.clusterPeers} peers over two nodes…`);
		const perNode = Math.ceil(ctx.options.clusterPeers / 2);
		const loads = await Promise.all(
			set.nodes.map((node, index) => runLoadClient(ctx, node, set.dataDir, perNode, index))
		);
		const held = loads.map((r) => Math.min(r.atPeak.open, r.atPeak.serverPeers ?? 0));
		const total = held[0] + held[1];
		const ratioP50 = stat(latency.remote, 50) / stat(latency.local, 50);
		return {
			rows: [
				{
					measure: 'signaling message within a node, p50 / p99',
					value: `${stat(latency.local, 50).toFixed(2)} / ${stat(latency.local, 99).toFixed(2)} ms`,
					note: `${latency.local.length} CANDIDATEs, one at a time`
				},
				{
					measure: 'signaling message across nodes (Redis), p50 / p99',
					value: `${stat(latency.remote, 50).toFixed(2)} / ${stat(latency.remote, 99).toFixed(2)} ms`,
					note: `${latency.remote.length} CANDIDATEs, interleaved with the above; p50 ${ratioP50.toFixed(1)}×`
				},
				{
					measure: 'peers held by two nodes together',
					value: total,
					unit: 'peers',
					goal: `≥ ${CLUSTER_PEERS_GOAL.toLocaleString('en-GB')}`,
					pass: total >= CLUSTER_PEERS_GOAL,
					note: `node A ${held[0]}, node B ${held[1]}, held ${ctx.options.hold} s with heartbeats and registry refreshes`
				},
				...loads.map((r, i) => ({
					measure: `node ${'AB'[i]} RSS peak / per peer`,
					value: `${(r.peakRss / 1e6).toFixed(0)} MB / ${(r.bytesPerPeer / 1000).toFixed(1)} kB`,
					note: `${(r.baselineRss / 1e6).toFixed(0)} MB before the load`
				})),
				{
					measure: 'real joins under load (both nodes)',
					value: loads.flatMap((r) => r.joins).filter((j) => j.ok).length,
					unit: `/ ${loads.flatMap((r) => r.joins).length}`,
					digits: 0,
					goal: 'all',
					pass: loads.every((r) => r.joins.every((j) => j.ok))
				}
			],
			data: { latency, loads }
		};
	}
};
