// The signaling load client (a separate process from the server and from bench/run.js).
// Opens `--peers` websockets to a Ponte server's signaling on loopback, each with a ticket
// signed by the server's own key for a session row inserted into its database (two peers per
// session), at `--rate` per second, sends each a HEARTBEAT every 5 s as PeerJS does, holds them
// `--hold` seconds, and meanwhile makes `--joins` real customer joins through the join form.
// It samples the server's resident memory (/proc/<pid>/status) and prints one JSON result on
// stdout. Bounded: it gives up and exits after its own deadline, whatever happens.
//
//   node bench/signaling-load.js --url=http://127.0.0.1:3300 --data-dir=DIR --server-pid=PID \
//     [--peers=10000] [--rate=400] [--hold=15] [--joins=10] [--code-offset=0]
import WebSocket from 'ws';
import {
	adminId,
	codeHash,
	insertSessions,
	openDatabase,
	peerId,
	randomId,
	readSecrets,
	signTicket,
	signalingUrl
} from './lib/data.js';
import { residentBytes } from './lib/server.js';

const HEARTBEAT_MS = 5000;
const TICK_MS = 50;

function options(argv) {
	const parsed = { peers: 10_000, rate: 400, hold: 15, joins: 10, codeOffset: 0 };
	for (const arg of argv) {
		const [key, value] = arg.replace(/^--/, '').split('=');
		const name = key.replace(/-(\w)/g, (_, c) => c.toUpperCase());
		parsed[name] = ['url', 'dataDir'].includes(name) ? value : Number(value);
	}
	if (!parsed.url || !parsed.dataDir || !parsed.serverPid) {
		throw new Error(
			'usage: --url=… --data-dir=… --server-pid=… [--peers] [--rate] [--hold] [--joins]'
		);
	}
	const { hostname } = new URL(parsed.url);
	if (!['127.0.0.1', 'localhost', '[::1]'].includes(hostname)) {
		throw new Error('the load client only targets loopback');
	}
	return parsed;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (text) => process.stderr.write(`    ${text}\n`);

async function signalingPeers(url) {
	const health = await fetch(`${url}/healthz`)
		.then((r) => r.json())
		.catch(() => null);
	return health?.signalingPeers ?? null;
}

/** One attempt to register a peer: resolves null when the server answers OPEN, else why not. */
function attemptPeer(url, id, ticket, sockets, stats) {
	return new Promise((resolve) => {
		const socket = new WebSocket(signalingUrl(url, id, ticket), { perMessageDeflate: false });
		let settled = false;
		let opened = false;
		const settle = (reason) => {
			if (settled) return;
			settled = true;
			resolve(reason);
		};
		socket.on('message', (data) => {
			if (!opened && String(data).includes('"OPEN"')) {
				opened = true;
				sockets.push(socket);
				settle(null);
			}
		});
		socket.on('unexpected-response', (_req, res) => settle(`HTTP ${res.statusCode}`));
		socket.on('error', (error) => settle(error.code ?? error.message));
		socket.on('close', (code) => {
			// Dropped by the server while held (not by our own teardown at the end).
			if (opened && !stats.tearingDown) stats.dropped++;
			settle(`closed ${code}`);
		});
	});
}

/**
 * Registers a peer: resolves true when the server answers OPEN. A connection reset or refused
 * while the server is busy accepting is retried twice (as Ponte's pages reconnect); a refusal
 * by the server (an HTTP status) is final.
 */
async function openPeer(url, id, ticket, sockets, stats) {
	for (let attempt = 0; ; attempt++) {
		const reason = await attemptPeer(url, id, ticket, sockets, stats);
		if (reason === null) return true;
		if (attempt < 2 && !reason.startsWith('HTTP')) {
			stats.retried[reason] = (stats.retried[reason] ?? 0) + 1;
			await sleep(500 * (attempt + 1));
			continue;
		}
		stats.refused[reason] = (stats.refused[reason] ?? 0) + 1;
		return false;
	}
}

/** A customer's real join: the join form action, then signaling with the ticket it set. */
async function realJoin(url, code, number, sockets, stats) {
	const startedAt = performance.now();
	const response = await fetch(`${url}/?/join`, {
		method: 'POST',
		redirect: 'manual',
		headers: {
			// As a browser's own form submission (no JavaScript) asks for it.
			accept: 'text/html',
			'content-type': 'application/x-www-form-urlencoded',
			origin: url,
			'x-forwarded-for': `10.99.0.${number}`
		},
		body: new URLSearchParams({ code, name: `Load customer ${number}` })
	});
	const cookie = response.headers.getSetCookie().find((c) => c.startsWith('ponte_customer='));
	if (response.status !== 303 || response.headers.get('location') !== '/session' || !cookie) {
		return { ok: false, status: response.status, ms: performance.now() - startedAt };
	}
	const ticket = decodeURIComponent(cookie.split(';')[0].slice('ponte_customer='.length));
	const claims = JSON.parse(Buffer.from(ticket.split('.')[0], 'base64url').toString());
	const registered = await openPeer(url, claims.pid, ticket, sockets, stats);
	return { ok: registered, status: response.status, ms: performance.now() - startedAt };
}

async function main() {
	const o = options(process.argv.slice(2));
	const deadline = setTimeout(
		() => {
			log('deadline passed: giving up');
			process.exit(3);
		},
		(o.peers / o.rate + o.hold + 60) * 1000
	);
	deadline.unref();

	const secrets = readSecrets(o.dataDir);
	const db = openDatabase(o.dataDir);
	const agent = adminId(db);
	const peers = [];
	const sessions = [];
	for (let i = 0; i < o.peers; i += 2) {
		const id = randomId(12);
		const session = { id, agentId: agent, participants: [] };
		sessions.push(session);
		for (const role of ['agent', 'customer'].slice(0, Math.min(2, o.peers - i))) {
			const pid = peerId();
			session.participants.push({ peerId: pid, role });
			peers.push({
				id: pid,
				ticket: signTicket(secrets.ticketPrivateKey, {
					sessionId: id,
					role,
					peerId: pid,
					name: role
				})
			});
		}
	}
	// Two load clients on one database (the cluster figure) take different codes.
	const codes = Array.from({ length: o.joins }, (_, i) =>
		String(900_000_000 + o.codeOffset + i * 7919)
	);
	insertSessions(db, [
		...sessions,
		...codes.map((code) => ({
			id: randomId(12),
			agentId: agent,
			status: 'waiting',
			codeHash: codeHash(secrets.hmacKey, code)
		}))
	]);
	db.close();

	await sleep(1000);
	const baseline = residentBytes(o.serverPid);
	log(`baseline RSS ${(baseline / 1e6).toFixed(1)} MB; opening ${o.peers} peers at ${o.rate}/s`);

	const sockets = [];
	const stats = { refused: {}, retried: {}, dropped: 0, tearingDown: false };
	let peakRss = baseline;
	const sampler = setInterval(() => {
		peakRss = Math.max(peakRss, residentBytes(o.serverPid) ?? 0);
	}, 250);

	// Heartbeats: every socket once per 5 s, spread evenly over the ticks.
	let tick = 0;
	const ticksPerBeat = HEARTBEAT_MS / TICK_MS;
	const heartbeat = setInterval(() => {
		const slot = tick++ % ticksPerBeat;
		for (let i = slot; i < sockets.length; i += ticksPerBeat) {
			if (sockets[i].readyState === WebSocket.OPEN) sockets[i].send('{"type":"HEARTBEAT"}');
		}
	}, TICK_MS);

	// Real joins spread over the ramp and the hold.
	const rampMs = (o.peers / o.rate) * 1000;
	const joinEvery = (rampMs + o.hold * 1000) / (o.joins + 1);
	const joins = [];
	const joinTimers = codes.map((code, i) =>
		setTimeout(
			() =>
				joins.push(
					realJoin(o.url, code, i + 1, sockets, stats).catch((e) => ({
						ok: false,
						error: String(e)
					}))
				),
			joinEvery * (i + 1)
		)
	);

	const startedAt = performance.now();
	const opening = [];
	let next = 0;
	let logged = 0;
	while (next < peers.length) {
		const due = Math.min(
			peers.length,
			Math.floor(((performance.now() - startedAt) / 1000) * o.rate)
		);
		for (; next < due; next++) {
			opening.push(openPeer(o.url, peers[next].id, peers[next].ticket, sockets, stats));
		}
		if (next - logged >= 2000) {
			logged = next;
			log(`${next} opened, ${sockets.length} registered`);
		}
		await sleep(TICK_MS);
	}
	const outcomes = await Promise.all(opening);
	const rampSeconds = (performance.now() - startedAt) / 1000;
	const registered = outcomes.filter(Boolean).length;
	log(
		`${registered}/${peers.length} registered in ${rampSeconds.toFixed(1)} s; holding ${o.hold} s`
	);

	await sleep(o.hold * 1000);
	const atPeak = {
		rss: residentBytes(o.serverPid),
		serverPeers: await signalingPeers(o.url),
		open: sockets.filter((s) => s.readyState === WebSocket.OPEN).length
	};
	peakRss = Math.max(peakRss, atPeak.rss ?? 0);
	joinTimers.forEach(clearTimeout);
	const joinResults = await Promise.all(joins);

	clearInterval(heartbeat);
	clearInterval(sampler);
	stats.tearingDown = true;
	for (const socket of sockets) socket.terminate();
	await sleep(3000);
	const after = { rss: residentBytes(o.serverPid), serverPeers: await signalingPeers(o.url) };

	const result = {
		peers: o.peers,
		rate: o.rate,
		holdSeconds: o.hold,
		rampSeconds,
		registered,
		refused: stats.refused,
		retried: stats.retried,
		droppedAfterOpen: stats.dropped,
		atPeak,
		baselineRss: baseline,
		peakRss,
		bytesPerPeer: atPeak.open ? (atPeak.rss - baseline) / atPeak.open : null,
		after,
		joins: joinResults
	};
	process.stdout.write(`${JSON.stringify(result)}\n`);
	process.exit(0);
}

main().catch((error) => {
	process.stderr.write(`${error?.stack ?? error}\n`);
	process.exit(2);
});
