/**
 * Fault tests on the real path: the server process killed and restarted mid-session, and the
 * peer-to-peer path cut for 30 s (media forced through a local TURN relay, which is stopped and
 * started again). Nothing a customer or agent typed may be lost or doubled.
 */
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import SQLite from 'better-sqlite3';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { E2E } from '../playwright.config';
import { ensureCoturn, freePort, startCoturn, startPonte, stop, type PonteServer } from './coturn';
import { expectAdvancingFrames, join, logIn, newSession } from './helpers';

const ADMIN = {
	ADMIN_EMAIL: E2E.adminEmail,
	ADMIN_PASSWORD: E2E.adminPassword,
	PONTE_QUIET_LOGS: '1'
};

test.describe.configure({ mode: 'serial', timeout: 240_000 });

let addressCounter = 0;
async function client(browser: Browser, baseURL: string): Promise<BrowserContext> {
	addressCounter++;
	return browser.newContext({
		baseURL,
		extraHTTPHeaders: { 'x-forwarded-for': `10.88.${process.pid & 255}.${addressCounter}` }
	});
}

async function say(page: Page, text: string) {
	await page.getByLabel('Message').fill(text);
	await page.getByRole('button', { name: 'Send', exact: true }).click();
}

/** Every message appears exactly once in the page's chat log. */
async function expectEachOnce(page: Page, texts: string[]) {
	const log = page.getByRole('log', { name: 'Chat' });
	for (const text of texts) {
		await expect(log.getByText(text, { exact: true })).toHaveCount(1, { timeout: 90_000 });
	}
}

function recordedChat(dataDir: string, sessionId: string): string[] {
	const db = new SQLite(path.join(dataDir, 'ponte.sqlite'), { readonly: true });
	try {
		return (
			db
				.prepare(
					"SELECT data FROM session_events WHERE session_id = ? AND type = 'chat' ORDER BY at"
				)
				.all(sessionId) as { data: string }[]
		).map((row) => (JSON.parse(row.data) as { text: string }).text);
	} finally {
		db.close();
	}
}

async function startSupport(browser: Browser, baseURL: string) {
	const agentContext = await client(browser, baseURL);
	const customerContext = await client(browser, baseURL);
	const agent = await agentContext.newPage();
	const customer = await customerContext.newPage();
	await logIn(agent);
	const { code, sessionId } = await newSession(agent);
	await join(customer, code, 'Giulia');
	await expect(customer.getByText(/Connected securely/)).toBeVisible();
	await customer.getByRole('button', { name: 'Share screen' }).click();
	await expectAdvancingFrames(agent, 'Customer screen');
	return { agent, customer, sessionId, agentContext, customerContext };
}

test('a server killed and restarted mid-session loses no chat; the session goes on', async ({
	browser
}) => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ponte-restart-'));
	const port = await freePort(E2E.port + 40);
	const options = { port, dataDir: path.join(dir, 'data'), env: ADMIN };
	let server: PonteServer | undefined = await startPonte(options);
	try {
		const s = await startSupport(browser, server.baseURL);
		await say(s.customer, 'before the restart');
		await expectEachOnce(s.agent, ['before the restart']);

		server.process.kill('SIGKILL');
		await new Promise((resolve) => server!.process.once('exit', resolve));
		// The peer-to-peer session does not need the server: chat goes on.
		await say(s.customer, 'while the server is down (customer)');
		await say(s.agent, 'while the server is down (agent)');
		await expectEachOnce(s.agent, ['while the server is down (customer)']);
		await expectEachOnce(s.customer, ['while the server is down (agent)']);

		server = await startPonte(options);
		// Both pages re-register with signaling by themselves.
		await expect
			.poll(
				async () =>
					((await (await fetch(`${server!.baseURL}/healthz`)).json()) as { signalingPeers: number })
						.signalingPeers,
				{
					timeout: 60_000
				}
			)
			.toBe(2);
		await say(s.customer, 'after the restart');
		const all = [
			'before the restart',
			'while the server is down (customer)',
			'while the server is down (agent)',
			'after the restart'
		];
		await expectEachOnce(s.agent, all);
		await expectEachOnce(s.customer, all);
		await expectAdvancingFrames(s.agent, 'Customer screen');
		// Events written while the server was down reach the report once it is back.
		await expect
			.poll(() => recordedChat(options.dataDir, s.sessionId).sort(), { timeout: 60_000 })
			.toEqual([...all].sort());
		await s.agentContext.close();
		await s.customerContext.close();
	} finally {
		await stop(server?.process);
		fs.rmSync(dir, { recursive: true, force: true });
	}
});

test('a 30 s cut of the peer-to-peer path: screen and chat resume, nothing lost or doubled', async ({
	browser
}) => {
	const found = ensureCoturn();
	test.skip(!found.ok, found.ok ? '' : found.reason);
	if (!found.ok) return;
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ponte-cut-'));
	const secret = crypto.randomBytes(24).toString('base64url');
	const turnPort = await freePort(E2E.port + 60);
	const relay = { turnserver: found.turnserver, port: turnPort, secret, dir };
	let coturn = await startCoturn(relay);
	const dataDir = path.join(dir, 'data');
	const server = await startPonte({
		port: await freePort(turnPort + 1),
		dataDir,
		env: {
			...ADMIN,
			TURN_URLS: `turn:127.0.0.1:${turnPort}?transport=udp`,
			TURN_SECRET: secret,
			ICE_TRANSPORT_POLICY: 'relay'
		}
	});
	try {
		const s = await startSupport(browser, server.baseURL);
		await say(s.agent, 'before the cut');
		await expectEachOnce(s.customer, ['before the cut']);

		// Every byte between the browsers goes through the relay: stopping it cuts the path.
		coturn.process.kill('SIGKILL');
		await new Promise((resolve) => coturn.process.once('exit', resolve));
		await say(s.customer, 'during the cut (customer)');
		await say(s.agent, 'during the cut (agent)');
		await expect(s.agent.getByText(/Reconnecting…/)).toBeVisible({ timeout: 60_000 });
		await new Promise((resolve) => setTimeout(resolve, 30_000));
		coturn = await startCoturn(relay);

		await say(s.customer, 'after the cut');
		const all = [
			'before the cut',
			'during the cut (customer)',
			'during the cut (agent)',
			'after the cut'
		];
		await expectEachOnce(s.agent, all);
		await expectEachOnce(s.customer, all);
		// The screen's call died with the relay's allocation (no ICE restart in PeerJS); it is placed
		// again once it has failed, and a call placed before the relay was back fails once more (ICE
		// gives up within about 30 s): allow for both rounds, not one.
		await expectAdvancingFrames(s.agent, 'Customer screen', { timeout: 90_000 });
		await expect
			.poll(() => recordedChat(dataDir, s.sessionId).sort(), { timeout: 60_000 })
			.toEqual([...all].sort());
		await s.agentContext.close();
		await s.customerContext.close();
	} finally {
		await stop(server.process);
		await stop(coturn.process);
		fs.rmSync(dir, { recursive: true, force: true });
	}
});
