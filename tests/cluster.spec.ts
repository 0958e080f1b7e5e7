/**
 * Two Ponte nodes on one database and one Redis, behind one address (tests/cluster-proxy.ts):
 * peers on different nodes reach each other, a node killed with `kill -9` hands its pages to
 * the other without losing or doubling a chat message, and the limits and session events hold
 * across both. Needs Redis (PONTE_TEST_REDIS_URL; PostgreSQL via PONTE_TEST_POSTGRES_URL when
 * set, else both nodes share one SQLite DATA_DIR): see scripts/services.js.
 */
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import SQLite from 'better-sqlite3';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { E2E } from '../playwright.config';
import { NODE_COOKIE, startClusterProxy, type ClusterProxy } from './cluster-proxy';
import { freePort, startPonte, stop, type PonteServer } from './coturn';
import {
	expectAdvancingFrames,
	join,
	logIn,
	newSession,
	privateFileDigest,
	saveToPrivateFiles
} from './helpers';

const REDIS_URL = process.env.PONTE_TEST_REDIS_URL;
const POSTGRES_URL = process.env.PONTE_TEST_POSTGRES_URL;

test.describe.configure({ mode: 'serial', timeout: 240_000 });
test.skip(
	!REDIS_URL,
	'no Redis: set PONTE_TEST_REDIS_URL (scripts/services.js starts a throwaway one) to test two nodes'
);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ponte-cluster-'));
const dataDir = path.join(dir, 'data');
const nodes: { port: number; server: PonteServer | null }[] = [];
let proxy: ClusterProxy;
let baseURL = '';

async function startNode(index: number) {
	nodes[index].server = await startPonte({
		port: nodes[index].port,
		dataDir,
		env: {
			ADMIN_EMAIL: E2E.adminEmail,
			ADMIN_PASSWORD: E2E.adminPassword,
			PONTE_QUIET_LOGS: '1',
			REDIS_URL: REDIS_URL!,
			...(POSTGRES_URL ? { DATABASE_URL: POSTGRES_URL } : {})
		}
	});
}

/** The peers a node's signaling holds now (its own /healthz, not through the proxy). */
async function peersOn(index: number): Promise<number> {
	try {
		const response = await fetch(`http://127.0.0.1:${nodes[index].port}/healthz`);
		return ((await response.json()) as { signalingPeers: number }).signalingPeers;
	} catch {
		return -1;
	}
}

test.beforeAll(async () => {
	const first = await freePort(E2E.port + 70);
	const second = await freePort(first + 1);
	nodes.push({ port: first, server: null }, { port: second, server: null });
	// One after the other: the first creates the schema and the administrator.
	await startNode(0);
	await startNode(1);
	proxy = await startClusterProxy([first, second]);
	baseURL = `http://127.0.0.1:${proxy.port}`;
});

test.afterAll(async () => {
	await proxy?.close();
	for (const node of nodes) await stop(node.server?.process);
	fs.rmSync(dir, { recursive: true, force: true });
});

let addressCounter = 0;
/** A browser context of its own address, whose connections the proxy sends to `node` first. */
async function clientOn(browser: Browser, node: number): Promise<BrowserContext> {
	addressCounter++;
	const context = await browser.newContext({
		baseURL,
		extraHTTPHeaders: { 'x-forwarded-for': `10.77.${process.pid & 255}.${addressCounter}` }
	});
	await context.addCookies([{ name: NODE_COOKIE, value: String(node), url: baseURL }]);
	return context;
}

async function say(page: Page, text: string) {
	await page.getByLabel('Message').fill(text);
	await page.getByRole('button', { name: 'Send', exact: true }).click();
}

async function expectEachOnce(page: Page, texts: string[]) {
	const log = page.getByRole('log', { name: 'Chat' });
	for (const text of texts) {
		await expect(log.getByText(text, { exact: true })).toHaveCount(1, { timeout: 90_000 });
	}
}

/** The chat the server recorded for the session's report. */
async function recordedChat(sessionId: string): Promise<string[]> {
	const query = "SELECT data FROM session_events WHERE session_id = $1 AND type = 'chat'";
	let rows: { data: unknown }[];
	if (POSTGRES_URL) {
		const client = new pg.Client({ connectionString: POSTGRES_URL });
		await client.connect();
		try {
			rows = (await client.query(query, [sessionId])).rows;
		} finally {
			await client.end();
		}
	} else {
		const db = new SQLite(path.join(dataDir, 'ponte.sqlite'), { readonly: true });
		try {
			rows = db.prepare(query.replace('$1', '?')).all(sessionId) as { data: string }[];
		} finally {
			db.close();
		}
	}
	return rows.map((row) => {
		const data = typeof row.data === 'string' ? JSON.parse(row.data) : row.data;
		return (data as { text: string }).text;
	});
}

/** Records how the page's websockets close (the close codes, in order). */
async function recordSocketCloses(context: BrowserContext) {
	await context.addInitScript(() => {
		const codes: number[] = [];
		(window as unknown as { __socketCloseCodes: number[] }).__socketCloseCodes = codes;
		const Native = window.WebSocket;
		window.WebSocket = class extends Native {
			constructor(...args: ConstructorParameters<typeof WebSocket>) {
				super(...args);
				this.addEventListener('close', (event) => codes.push(event.code));
			}
		};
	});
}

function closeCodes(page: Page): Promise<number[]> {
	return page.evaluate(
		() => (window as unknown as { __socketCloseCodes: number[] }).__socketCloseCodes
	);
}

/** Agent on node `agentNode`, customer on `customerNode`, connected, the customer's screen shown. */
async function startSupport(
	browser: Browser,
	agentNode: number,
	customerNode: number,
	prepare?: (context: BrowserContext) => Promise<void>
) {
	const agentContext = await clientOn(browser, agentNode);
	const customerContext = await clientOn(browser, customerNode);
	await prepare?.(agentContext);
	await prepare?.(customerContext);
	await saveToPrivateFiles(agentContext);
	const agent = await agentContext.newPage();
	const customer = await customerContext.newPage();
	await logIn(agent);
	const { code, sessionId } = await newSession(agent);
	await join(customer, code, 'Giulia');
	await expect(customer.getByText(/Connected securely/)).toBeVisible();
	return {
		agent,
		customer,
		sessionId,
		async close() {
			await agentContext.close();
			await customerContext.close();
		}
	};
}

test('a join-code guessing burst is limited across both nodes together', async () => {
	const address = `10.99.${process.pid & 255}.${1 + Math.floor(Math.random() * 250)}`;
	const statuses: number[] = [];
	// One address, alternating nodes: each node alone would judge 10 (its per-address budget).
	for (let i = 0; i < 16; i++) {
		const origin = `http://127.0.0.1:${nodes[i % 2].port}`;
		const response = await fetch(`${origin}/?/join`, {
			method: 'POST',
			headers: {
				origin,
				accept: 'application/json',
				'content-type': 'application/x-www-form-urlencoded',
				'x-forwarded-for': address
			},
			body: new URLSearchParams({ code: String(100_000_000 + i), name: 'Guesser' }).toString()
		});
		statuses.push(((await response.json()) as { status: number }).status);
	}
	expect(statuses.filter((s) => s === 400)).toHaveLength(10);
	expect(statuses.slice(10)).toEqual(Array(6).fill(429));
});

test('ending on one node closes the sockets on the other', async ({ browser }) => {
	const s = await startSupport(browser, 0, 1, recordSocketCloses);
	await expect.poll(() => peersOn(0)).toBe(1);
	await expect.poll(() => peersOn(1)).toBe(1);
	// The agent's page is on node A; the session ends on node B (a request there, so neither page
	// announces it first: only the servers can close the sockets).
	const origin = `http://127.0.0.1:${nodes[1].port}`;
	const cookies = await s.agent.context().cookies();
	const session = cookies.find((c) => c.name === 'ponte_session')!;
	const response = await fetch(`${origin}/api/sessions/${s.sessionId}/end`, {
		method: 'POST',
		headers: {
			cookie: `ponte_session=${session.value}`,
			origin,
			'content-type': 'application/json'
		},
		body: JSON.stringify({ reason: 'agent' })
	});
	expect(await response.json()).toEqual({ ended: true });
	// Node A heard it through Redis and closed the agent's socket: 4000 is "session ended".
	await expect.poll(() => closeCodes(s.agent)).toContain(4000);
	await expect.poll(() => closeCodes(s.customer)).toContain(4000);
	await expect.poll(() => peersOn(0)).toBe(0);
	await expect.poll(() => peersOn(1)).toBe(0);
	await s.close();
});

test('screen, chat and a file across nodes; node A killed: the agent moves to B, nothing lost or doubled', async ({
	browser
}) => {
	const s = await startSupport(browser, 0, 1);
	// Each peer on its own node: everything between them crossed Redis.
	await expect.poll(() => peersOn(0)).toBe(1);
	await expect.poll(() => peersOn(1)).toBe(1);
	await s.customer.getByRole('button', { name: 'Share screen' }).click();
	await expectAdvancingFrames(s.agent, 'Customer screen');
	await say(s.customer, 'hello from node B');
	await say(s.agent, 'hello from node A');
	await expectEachOnce(s.agent, ['hello from node B', 'hello from node A']);
	await expectEachOnce(s.customer, ['hello from node B', 'hello from node A']);

	const file = {
		name: 'logs.bin',
		mimeType: 'application/octet-stream',
		buffer: crypto.randomBytes(1 << 20)
	};
	await s.customer.getByLabel('Send file').setInputFiles([file]);
	const incoming = s.agent.getByRole('dialog', { name: 'Incoming file transfer' });
	await incoming.getByRole('button', { name: 'Save' }).click();
	await expect
		.poll(() => privateFileDigest(s.agent, 'logs.bin'), { timeout: 30_000 })
		.toEqual({
			size: file.buffer.length,
			sha256: crypto.createHash('sha256').update(file.buffer).digest('hex')
		});

	const a = nodes[0].server!.process;
	const exited = new Promise((resolve) => a.once('exit', resolve));
	a.kill('SIGKILL');
	await exited;
	nodes[0].server = null;
	await say(s.customer, 'during the switch (customer)');
	await say(s.agent, 'during the switch (agent)');
	// The agent's page finds signaling again through the same address: node B now holds both.
	await expect.poll(() => peersOn(1), { timeout: 60_000 }).toBe(2);
	await say(s.customer, 'after the switch');
	const all = [
		'hello from node B',
		'hello from node A',
		'during the switch (customer)',
		'during the switch (agent)',
		'after the switch'
	];
	await expectEachOnce(s.agent, all);
	await expectEachOnce(s.customer, all);
	await expectAdvancingFrames(s.agent, 'Customer screen', { timeout: 60_000 });
	// The report has each message once (events the agent's page sent to A and lost are re-sent).
	await expect
		.poll(async () => (await recordedChat(s.sessionId)).sort(), { timeout: 60_000 })
		.toEqual([...all].sort());
	await s.close();
});
