/**
 * A session relayed through a local coturn with short-lived credentials from Ponte (relay-only
 * ICE, so nothing can connect directly), and coturn refusing an expired credential. Skips, with
 * the reason, where coturn cannot be installed.
 */
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { E2E } from '../playwright.config';
import { turnCredential } from '../src/lib/server/turn';
import { ensureCoturn, freePort, startCoturn, startPonte, stop, type Coturn } from './coturn';
import type { PonteServer } from './coturn';
import { expectAdvancingFrames, join, logIn, newSession } from './helpers';

const SECRET = crypto.randomBytes(24).toString('base64url');
const ADMIN = { ADMIN_EMAIL: E2E.adminEmail, ADMIN_PASSWORD: E2E.adminPassword };

let coturn: Coturn | undefined;
let ponte: PonteServer | undefined;
let turnserver = '';
let dir = '';

test.describe.configure({ mode: 'serial', timeout: 120_000 });

test.beforeAll(async () => {
	test.setTimeout(600_000); // A first run may install coturn from apt.
	const found = ensureCoturn();
	if (!found.ok) {
		console.warn(`TURN relay test skipped: ${found.reason}`);
		test.skip(true, found.reason);
		return;
	}
	turnserver = found.turnserver;
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ponte-turn-'));
	// Our own ports, above the suite's server (E2E.port).
	const turnPort = await freePort(E2E.port + 10);
	coturn = await startCoturn({ turnserver: found.turnserver, port: turnPort, secret: SECRET, dir });
	ponte = await startPonte({
		port: await freePort(turnPort + 1),
		dataDir: path.join(dir, 'data'),
		env: {
			...ADMIN,
			TURN_URLS: `turn:127.0.0.1:${turnPort}?transport=udp`,
			TURN_SECRET: SECRET,
			TURN_TTL_SECONDS: '600',
			ICE_TRANSPORT_POLICY: 'relay',
			PONTE_QUIET_LOGS: '1'
		}
	});
});

test.afterAll(async () => {
	await stop(ponte?.process);
	await stop(coturn?.process);
	if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

let addressCounter = 0;
/** A client of our own server that records every RTCPeerConnection the page makes. */
async function client(browser: Browser): Promise<BrowserContext> {
	addressCounter++;
	const context = await browser.newContext({
		baseURL: ponte!.baseURL,
		extraHTTPHeaders: { 'x-forwarded-for': `10.77.${process.pid & 255}.${addressCounter}` }
	});
	await context.addInitScript(() => {
		const Native = window.RTCPeerConnection;
		const made: RTCPeerConnection[] = [];
		(window as unknown as { __connections: RTCPeerConnection[] }).__connections = made;
		window.RTCPeerConnection = class extends Native {
			constructor(configuration?: RTCConfiguration) {
				super(configuration);
				made.push(this);
			}
		};
	});
	return context;
}

interface UsedPath {
	policy: RTCIceTransportPolicy | undefined;
	local: string | undefined;
	remote: string | undefined;
	framesDecoded: number;
}

/** For every connected RTCPeerConnection of the page: its policy and selected pair's types. */
function usedPaths(page: Page): Promise<UsedPath[]> {
	return page.evaluate(async () => {
		const made = (window as unknown as { __connections: RTCPeerConnection[] }).__connections;
		const paths = [];
		for (const connection of made) {
			if (connection.connectionState !== 'connected') continue;
			const stats = await connection.getStats();
			let pair: { localCandidateId: string; remoteCandidateId: string } | undefined;
			let framesDecoded = 0;
			stats.forEach((stat) => {
				if (stat.type === 'transport' && stat.selectedCandidatePairId) {
					pair = stats.get(stat.selectedCandidatePairId);
				}
				if (stat.type === 'inbound-rtp' && stat.kind === 'video')
					framesDecoded += stat.framesDecoded;
			});
			paths.push({
				policy: connection.getConfiguration().iceTransportPolicy,
				local: pair && stats.get(pair.localCandidateId)?.candidateType,
				remote: pair && stats.get(pair.remoteCandidateId)?.candidateType,
				framesDecoded
			});
		}
		return paths;
	});
}

/** Whether two relay-only connections in one page, through this TURN server, can talk. */
function relayPairConnects(page: Page, server: RTCIceServer, timeoutMs: number) {
	return page.evaluate(
		async ({ server, timeoutMs }) => {
			const configuration: RTCConfiguration = { iceServers: [server], iceTransportPolicy: 'relay' };
			const offerer = new RTCPeerConnection(configuration);
			const answerer = new RTCPeerConnection(configuration);
			offerer.addEventListener('icecandidate', (event) => {
				if (event.candidate) void answerer.addIceCandidate(event.candidate);
			});
			answerer.addEventListener('icecandidate', (event) => {
				if (event.candidate) void offerer.addIceCandidate(event.candidate);
			});
			const channel = offerer.createDataChannel('probe');
			const opened = new Promise<boolean>((resolve) => {
				channel.addEventListener('open', () => resolve(true));
				setTimeout(() => resolve(false), timeoutMs);
			});
			await offerer.setLocalDescription();
			await answerer.setRemoteDescription(offerer.localDescription!);
			await answerer.setLocalDescription();
			await offerer.setRemoteDescription(answerer.localDescription!);
			const result = await opened;
			offerer.close();
			answerer.close();
			return result;
		},
		{ server, timeoutMs }
	);
}

/** What a page's RTCPeerConnection gathers with one TURN server and relay-only ICE. */
function gatherRelay(page: Page, server: RTCIceServer) {
	return page.evaluate(async (server) => {
		const connection = new RTCPeerConnection({ iceServers: [server], iceTransportPolicy: 'relay' });
		const candidates: string[] = [];
		const errors: number[] = [];
		connection.addEventListener('icecandidate', (event) => {
			if (event.candidate?.type) candidates.push(event.candidate.type);
		});
		connection.addEventListener('icecandidateerror', (event) => errors.push(event.errorCode));
		connection.createDataChannel('probe');
		await connection.setLocalDescription(await connection.createOffer());
		await new Promise<void>((resolve) => {
			const timer = setTimeout(resolve, 15_000);
			connection.addEventListener('icegatheringstatechange', () => {
				if (connection.iceGatheringState !== 'complete') return;
				clearTimeout(timer);
				resolve();
			});
		});
		connection.close();
		return { candidates, errors };
	}, server);
}

test('a relay-only session through coturn shows the screen, over TURN', async ({ browser }) => {
	const agentContext = await client(browser);
	const customerContext = await client(browser);
	const agent = await agentContext.newPage();
	const customer = await customerContext.newPage();

	await logIn(agent);
	const { code, sessionId } = await newSession(agent);
	await join(customer, code, 'Maria Rossi');
	await expect(customer.getByText(/Connected securely/)).toBeVisible();
	await expect(agent.getByRole('heading', { name: 'Session with Maria Rossi' })).toBeVisible();

	await customer.getByRole('button', { name: 'Share screen' }).click();
	await expectAdvancingFrames(agent, 'Customer screen');

	// The viewer says so, from the same statistics.
	await expect(agent.getByRole('status').filter({ hasText: 'Relayed (TURN)' })).toHaveText(
		/^Relayed \(TURN\) · \d+ ms$/
	);

	// Every connection on both sides is relay-only and runs over relay candidates at both ends,
	// including the one carrying the frames.
	for (const page of [agent, customer]) {
		const paths = await usedPaths(page);
		expect(paths.length).toBeGreaterThanOrEqual(2); // control channel and screen call
		for (const used of paths) {
			expect(used).toMatchObject({ policy: 'relay', local: 'relay', remote: 'relay' });
		}
	}
	const agentPaths = await usedPaths(agent);
	expect(agentPaths.some((used) => used.framesDecoded > 0)).toBe(true);

	// coturn allocated for both peers with the short-lived names Ponte handed out.
	const sessionPeers = await agent.request
		.get(`/agent/sessions/${sessionId}/__data.json`)
		.then((response) => response.text());
	const allocations = [
		...coturn!.log().matchAll(/user <(\d+):([\w-]+)>: incoming packet ALLOCATE processed, success/g)
	];
	expect(allocations.length).toBeGreaterThanOrEqual(2);
	const now = Date.now() / 1000;
	for (const [, expiry, peerId] of allocations) {
		expect(Number(expiry)).toBeGreaterThan(now);
		expect(Number(expiry)).toBeLessThanOrEqual(now + 600);
		expect(sessionPeers).toContain(peerId);
	}

	await agentContext.close();
	await customerContext.close();
});

test('coturn refuses an expired credential and accepts a fresh one', async ({ browser }) => {
	const context = await client(browser);
	const page = await context.newPage();
	await page.goto('/');
	const urls = `turn:127.0.0.1:${coturn!.port}?transport=udp`;

	// Correctly signed, but its expiry passed a minute ago.
	const expired = turnCredential(SECRET, 'expired-peer', -60);
	const refused = await gatherRelay(page, {
		urls,
		username: expired.username,
		credential: expired.credential
	});
	expect(refused.candidates).not.toContain('relay');
	expect(refused.errors).toContain(401);

	const fresh = turnCredential(SECRET, 'fresh-peer', 60);
	const accepted = await gatherRelay(page, {
		urls,
		username: fresh.username,
		credential: fresh.credential
	});
	expect(accepted.candidates).toContain('relay');

	await expect
		.poll(() => coturn!.log())
		.toMatch(new RegExp(`user <${expired.username}>: .*error 401`));
	await context.close();
});

test('the coturn configuration in docs/deployment.md refuses to relay to loopback', async ({
	browser
}) => {
	// The documented file, less what belongs to one deployment (ports, TLS files, secret, realm).
	const markdown = fs.readFileSync('docs/deployment.md', 'utf8');
	const documented = /```ini\n(# \/etc\/turnserver\.conf[\s\S]*?)```/.exec(markdown)?.[1];
	expect(documented).toContain('denied-peer-ip=127.0.0.0-127.255.255.255');
	const deploymentSpecific =
		/^(listening-port|tls-listening-port|cert|pkey|static-auth-secret|realm)=/;
	const configFile = path.join(dir, 'documented.conf');
	fs.writeFileSync(
		configFile,
		documented!
			.split('\n')
			.filter((line) => !deploymentSpecific.test(line))
			.join('\n')
	);
	const strict = await startCoturn({
		turnserver,
		port: await freePort(coturn!.port + 2),
		secret: SECRET,
		dir,
		configFile
	});
	try {
		const context = await client(browser);
		const page = await context.newPage();
		await page.goto('/');
		const credential = turnCredential(SECRET, 'probe-peer', 60);
		const through = (port: number) => ({
			urls: `turn:127.0.0.1:${port}?transport=udp`,
			username: credential.username,
			credential: credential.credential
		});

		// The test's permissive coturn relays between two loopback relays; the documented one
		// allocates relays but refuses the permission to send to a loopback peer.
		expect(await relayPairConnects(page, through(coturn!.port), 15_000)).toBe(true);
		expect(await relayPairConnects(page, through(strict.port), 8_000)).toBe(false);
		expect(strict.log()).toMatch(/ALLOCATE processed, success/);
		expect(strict.log()).toMatch(/CREATE_PERMISSION processed, error 403/);
		await context.close();
	} finally {
		await stop(strict.process);
	}
});
