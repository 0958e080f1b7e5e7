import { expect, type Browser, type BrowserContext, type Page } from '@playwright/test';
import WebSocket from 'ws';
import { database, join, logIn, newClient, newSession } from './helpers';
import { E2E } from '../playwright.config';

export interface Credentials {
	email: string;
	password: string;
}

let agentCounter = 0;

/** A unique email per test run, so reruns against one server never collide. */
export function uniqueEmail(label: string) {
	agentCounter++;
	return `${label}.${process.pid}.${agentCounter}.${Date.now()}@ponte.test`;
}

/** The administrator creates an account on /admin; returns its one-time set-password link. */
export async function createAccount(
	admin: Page,
	input: { name: string; email: string; role?: 'Agent' | 'Administrator'; group?: string }
): Promise<string> {
	await admin.goto('/admin');
	const form = admin.getByRole('region', { name: 'Add an agent' });
	await form.getByLabel('Name').fill(input.name);
	await form.getByLabel('Email').fill(input.email);
	await form.getByLabel('Role').selectOption({ label: input.role ?? 'Agent' });
	await form.getByLabel('Group').selectOption({ label: input.group ?? 'Default' });
	await form.getByRole('button', { name: 'Create agent' }).click();
	const link = admin.getByLabel('Set-password link');
	await expect(link).toBeVisible();
	return link.inputValue();
}

export async function setPasswordWithLink(page: Page, link: string, password: string) {
	await page.goto(link);
	await page.getByLabel('New password').fill(password);
	await page.getByLabel('Repeat the password').fill(password);
	await page.getByRole('button', { name: 'Save password' }).click();
	await expect(page.getByRole('heading', { name: 'Password saved' })).toBeVisible();
}

/** A new agent account, ready to log in (created by the admin page, password set by its link). */
export async function newAgentAccount(
	browser: Browser,
	admin: Page,
	input: { name: string; group?: string }
): Promise<Credentials> {
	const email = uniqueEmail(input.name.toLowerCase().replace(/\W+/g, '-'));
	const password = 'a long agent password';
	const link = await createAccount(admin, { name: input.name, email, group: input.group });
	const context = await newClient(browser);
	await setPasswordWithLink(await context.newPage(), link, password);
	await context.close();
	return { email, password };
}

export async function adminPage(browser: Browser) {
	const context = await newClient(browser);
	const page = await context.newPage();
	await logIn(page);
	return { page, context };
}

/** Like helpers' startSession, for a given agent account. */
export async function startSessionAs(
	browser: Browser,
	agent: Credentials,
	customerName = 'Maria Rossi',
	setup: { prepareCustomer?: (context: BrowserContext) => Promise<void> } = {}
) {
	const agentContext = await newClient(browser);
	const customerContext = await newClient(browser);
	await setup.prepareCustomer?.(customerContext);
	const agentPage = await agentContext.newPage();
	const customer = await customerContext.newPage();
	await logIn(agentPage, agent.email, agent.password);
	const { code, sessionId } = await newSession(agentPage);
	await join(customer, code, customerName);
	await expect(customer).toHaveURL(/\/session$/);
	await expect(customer.getByText(/Connected securely/)).toBeVisible();
	await expect(
		agentPage.getByRole('heading', { name: `Session with ${customerName}` })
	).toBeVisible();
	return {
		agent: agentPage,
		customer,
		sessionId,
		async close() {
			await agentContext.close();
			await customerContext.close();
		}
	};
}

/** Reads the test server's database. */
export function query<T>(sql: string, ...params: unknown[]): T[] {
	const db = database();
	try {
		return db.prepare(sql).all(...params) as T[];
	} finally {
		db.close();
	}
}

export function auditRows(action: string, target?: string) {
	return target === undefined
		? query<{ actor_id: string | null; target: string | null; detail: string | null }>(
				'SELECT actor_id, target, detail FROM audit_log WHERE action = ? ORDER BY id',
				action
			)
		: query<{ actor_id: string | null; target: string | null; detail: string | null }>(
				'SELECT actor_id, target, detail FROM audit_log WHERE action = ? AND target = ? ORDER BY id',
				action,
				target
			);
}

export function userId(email: string): string {
	return query<{ id: string }>('SELECT id FROM users WHERE email = ?', email)[0].id;
}

/** The claims of a ticket (no signature check: the test only reads what the server put in). */
export function ticketClaims(ticket: string): {
	sid: string;
	pid: string;
	role: string;
	features: Record<string, unknown>;
} {
	return JSON.parse(Buffer.from(ticket.split('.')[0], 'base64url').toString('utf8'));
}

/** A bare PeerJS-protocol client: registers a peer ID with a ticket and records what arrives. */
export async function rawSignalingClient(peerId: string, ticket: string) {
	const url = `ws://127.0.0.1:${E2E.port}/peerjs/peerjs?key=ponte&id=${encodeURIComponent(
		peerId
	)}&token=${encodeURIComponent(ticket)}`;
	const socket = new WebSocket(url);
	const received: { type: string; src?: string; payload?: Record<string, unknown> }[] = [];
	socket.on('message', (data) => received.push(JSON.parse(String(data))));
	await new Promise<void>((resolve, reject) => {
		socket.once('error', reject);
		socket.once('unexpected-response', (_req, res) =>
			reject(new Error(`signaling refused: ${res.statusCode}`))
		);
		const check = setInterval(() => {
			if (received.some((m) => m.type === 'OPEN')) {
				clearInterval(check);
				resolve();
			}
		}, 20);
	});
	return {
		received,
		send(message: unknown) {
			socket.send(JSON.stringify(message));
		},
		close() {
			socket.close();
		}
	};
}
