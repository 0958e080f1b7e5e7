import { expect, test, type Browser, type Page } from '@playwright/test';
import WebSocket from 'ws';
import { adminPage, newAgentAccount, query, type Credentials } from './admin-helpers';
import { database, logIn, newClient, routeData, startSession } from './helpers';
import { E2E } from '../playwright.config';

test.describe.configure({ timeout: 180_000 });

interface Identity {
	peerId: string;
	ticket: string;
}

/** A signaling socket with a ticket: open (with its close to await), or the HTTP refusal. */
function connectSignaling(
	identity: Identity
): Promise<
	{ open: true; closed: Promise<number>; close(): void } | { open: false; status: number }
> {
	const url = `ws://127.0.0.1:${E2E.port}/peerjs/peerjs?key=ponte&id=${encodeURIComponent(
		identity.peerId
	)}&token=${encodeURIComponent(identity.ticket)}`;
	const socket = new WebSocket(url);
	const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
	socket.on('error', () => {});
	return new Promise((resolve) => {
		socket.on('message', (data) => {
			if ((JSON.parse(String(data)) as { type?: string }).type === 'OPEN') {
				resolve({ open: true, closed, close: () => socket.close() });
			}
		});
		socket.once('unexpected-response', (_req, res) => {
			resolve({ open: false, status: res.statusCode ?? 0 });
			socket.terminate();
		});
	});
}

/** The session's invite link, as its owner's page would show it. */
async function inviteLink(owner: Page, sessionId: string): Promise<string> {
	const response = await owner.request.get(`/api/sessions/${sessionId}/invitations`);
	expect(response.status()).toBe(200);
	return ((await response.json()) as { link: string }).link;
}

/**
 * A colleague joins through the invite link without opening the viewer (no page of theirs talks
 * to signaling), and reads the identity the viewer would get.
 */
async function joinWithoutViewer(browser: Browser, credentials: Credentials, link: string) {
	const context = await newClient(browser);
	const page = await context.newPage();
	await logIn(page, credentials.email, credentials.password);
	const joined = await page.request.get(link, { maxRedirects: 0 });
	expect(joined.status()).toBe(303);
	const sessionId = new URL(link).pathname.split('/')[3];
	const viewer = (await routeData(page, `/agent/sessions/${sessionId}`)) as { identity: Identity };
	return { context, page, identity: viewer.identity };
}

async function colleagueAccount(browser: Browser, name: string) {
	const { page: admin, context } = await adminPage(browser);
	const credentials = await newAgentAccount(browser, admin, { name });
	return { admin, adminContext: context, credentials };
}

test('an agent who left: the socket closes at once and the old ticket is refused (401)', async ({
	browser
}) => {
	const { adminContext, credentials } = await colleagueAccount(browser, 'Lia Leaving');
	await adminContext.close();
	const s = await startSession(browser, 'Ornella');
	const b = await joinWithoutViewer(browser, credentials, await inviteLink(s.agent, s.sessionId));

	const socket = await connectSignaling(b.identity);
	expect(socket.open).toBe(true);
	const left = await b.page.request.post(`/api/sessions/${s.sessionId}/leave`, { data: {} });
	expect(left.status()).toBe(200);
	expect(((await left.json()) as { ended: boolean }).ended).toBe(false);
	if (socket.open) expect(await socket.closed).toBe(4001);

	// The ticket still has a valid signature and has not expired: refused anyway.
	expect(await connectSignaling(b.identity)).toEqual({ open: false, status: 401 });
	const refresh = await b.page.request.post('/api/tickets/refresh', {
		data: { ticket: b.identity.ticket }
	});
	expect(refresh.status()).toBe(410);
	// The session goes on for the others: the owner's page still connects.
	await expect(s.customer.getByText(/Connected securely/)).toBeVisible();
	await b.context.close();
	await s.close();
});

test('a disabled agent: their socket in a session they joined closes, and stays refused', async ({
	browser
}) => {
	const { admin, adminContext, credentials } = await colleagueAccount(browser, 'Dino Disabled');
	const s = await startSession(browser, 'Paola');
	const b = await joinWithoutViewer(browser, credentials, await inviteLink(s.agent, s.sessionId));
	const socket = await connectSignaling(b.identity);
	expect(socket.open).toBe(true);

	const id = query<{ id: string }>('SELECT id FROM users WHERE email = ?', credentials.email)[0].id;
	await admin.goto(`/admin/agents/${id}`);
	await admin.getByRole('button', { name: 'Disable account' }).click();
	await admin
		.getByRole('dialog', { name: 'Disable Dino Disabled?' })
		.getByRole('button', { name: 'Disable' })
		.click();
	await expect(admin.getByRole('status')).toContainText('Account disabled.');
	if (socket.open) expect(await socket.closed).toBe(4001);
	expect(await connectSignaling(b.identity)).toEqual({ open: false, status: 401 });
	await adminContext.close();
	await b.context.close();
	await s.close();
});

test('the customer drops an agent the server no longer lists, even one whose page hangs on', async ({
	browser
}) => {
	const { adminContext, credentials } = await colleagueAccount(browser, 'Ugo Unwelcome');
	await adminContext.close();
	const s = await startSession(browser, 'Rita');
	const link = await inviteLink(s.agent, s.sessionId);
	const context = await newClient(browser);
	// A page that never learns it left: its ticket refreshes never reach the server.
	await context.route('**/api/tickets/refresh', (route) => route.abort());
	const page = await context.newPage();
	await logIn(page, credentials.email, credentials.password);
	await page.goto(link);
	await expect(page).toHaveURL(new RegExp(`/agent/sessions/${s.sessionId}$`));
	const both = s.customer.getByRole('heading', {
		name: /Administrator, Ugo Unwelcome|Ugo Unwelcome, Administrator/
	});
	await expect(both).toBeVisible();

	// Left through the API: the page itself carries on, its channel to the customer still open.
	const left = await page.request.post(`/api/sessions/${s.sessionId}/leave`, { data: {} });
	expect(left.status()).toBe(200);
	// At the customer's next ticket refresh (every 10 s) the server's list no longer has Ugo.
	await expect(s.customer.getByRole('heading', { name: /^Administrator from/ })).toBeVisible({
		timeout: 30_000
	});
	await expect(both).toHaveCount(0);
	// The owner's line still arrives; the customer's page is fine.
	await s.agent.getByLabel('Message').fill('Still with you, Rita');
	await s.agent.getByRole('button', { name: 'Send', exact: true }).click();
	await expect(s.customer.getByRole('log', { name: 'Chat' })).toContainText('Still with you, Rita');
	await context.close();
	await s.close();
});

test('an agent who left cannot record, end or list invitations; no agent can end as the customer', async ({
	browser
}) => {
	const { adminContext, credentials } = await colleagueAccount(browser, 'Fabio Former');
	await adminContext.close();
	const s = await startSession(browser, 'Sara');
	const b = await joinWithoutViewer(browser, credentials, await inviteLink(s.agent, s.sessionId));
	expect(
		(await b.page.request.post(`/api/sessions/${s.sessionId}/leave`, { data: {} })).status()
	).toBe(200);

	// A chat line claiming to be the customer's, posted after leaving: refused, not stored.
	const forged = await b.page.request.post(`/api/sessions/${s.sessionId}/events`, {
		data: {
			events: [
				{
					id: 'forged-customer-line',
					type: 'chat',
					at: Date.now(),
					data: { name: 'Sara', role: 'customer', text: 'Please call me on this number' }
				}
			]
		}
	});
	expect(forged.status()).toBe(200);
	expect(await forged.json()).toMatchObject({
		stored: 0,
		refused: [{ id: 'forged-customer-line', reason: 'not-present' }]
	});
	expect(query('SELECT id FROM session_events WHERE id = ?', 'forged-customer-line')).toHaveLength(
		0
	);

	const invitations = await b.page.request.get(`/api/sessions/${s.sessionId}/invitations`);
	expect(invitations.status()).toBe(403);
	expect(await invitations.text()).not.toContain('@');
	const end = await b.page.request.post(`/api/sessions/${s.sessionId}/end`, {
		data: { reason: 'customer' }
	});
	expect(end.status()).toBe(403);
	expect(
		query<{ status: string }>('SELECT status FROM support_sessions WHERE id = ?', s.sessionId)[0]
			.status
	).toBe('active');

	// The owner, present, claims the customer ended it: the server records the agent's end.
	const ownerEnd = await s.agent.request.post(`/api/sessions/${s.sessionId}/end`, {
		data: { reason: 'customer' }
	});
	expect(await ownerEnd.json()).toEqual({ ended: true });
	expect(
		query<{ end_reason: string }>(
			'SELECT end_reason FROM support_sessions WHERE id = ?',
			s.sessionId
		)[0].end_reason
	).toBe('agent');

	// Reading the report stays allowed for the former participant.
	const report = await b.page.goto(`/agent/reports/${s.sessionId}`);
	expect(report?.status()).toBe(200);
	await expect(b.page.getByText('Ended by customer')).toHaveCount(0);
	await b.context.close();
	await s.close();
});

test('an ended session takes late events only as recorded then; deep data never breaks a report', async ({
	browser
}) => {
	const s = await startSession(browser, 'Teresa');
	const during = Date.now();
	const end = await s.agent.request.post(`/api/sessions/${s.sessionId}/end`, {
		data: { reason: 'agent' }
	});
	expect(await end.json()).toEqual({ ended: true });
	const post = (events: unknown[]) =>
		s.agent.request.post(`/api/sessions/${s.sessionId}/events`, { data: { events } });
	const chat = (id: string, at: number, text: string) => ({
		id,
		type: 'chat',
		at,
		data: { name: 'Administrator', role: 'agent', text, sentAt: at }
	});

	const late = await post([
		chat('queued-during-outage', during, 'Recorded while the server was away'),
		chat('from-1970', 0, 'Dated 1970'),
		{ id: 'fake-end', type: 'session.ended', at: during, data: { reason: 'customer' } }
	]);
	expect(late.status()).toBe(200);
	expect(await late.json()).toMatchObject({
		stored: 1,
		refused: [
			{ id: 'from-1970', reason: 'time' },
			{ id: 'fake-end', reason: 'type' }
		]
	});
	// A repeat with other content changes nothing.
	const repeat = await post([chat('queued-during-outage', during, 'Rewritten afterwards')]);
	expect((await repeat.json()) as { stored: number }).toMatchObject({ stored: 0 });
	expect(
		query<{ data: string }>(
			'SELECT data FROM session_events WHERE session_id = ? AND id = ?',
			s.sessionId,
			'queued-during-outage'
		).map((r) => JSON.parse(r.data).text)
	).toEqual(['Recorded while the server was away']);

	// Deep nesting is refused at the edge (a 400, never a 500), before it is parsed.
	const nested = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
	for (const depth of [3_000, 5_000]) {
		const deep = await s.agent.request.post(`/api/sessions/${s.sessionId}/events`, {
			headers: { 'content-type': 'application/json' },
			data: `{"events":[{"id":"deep-${depth}","type":"chat","at":${during},"data":${nested(depth)}}]}`
		});
		expect(deep.status(), `depth ${depth}`).toBe(400);
	}
	// A deep row stored before this check existed: the report still opens, for everyone.
	const db = database();
	try {
		db.prepare(
			'INSERT INTO session_events (id, session_id, type, at, actor, data, received_at) VALUES (?, ?, ?, ?, NULL, ?, ?)'
		).run('deep-old', s.sessionId, 'chat', during, nested(3_000), Date.now());
	} finally {
		db.close();
	}
	const report = await s.agent.goto(`/agent/reports/${s.sessionId}`);
	expect(report?.status()).toBe(200);
	await expect(
		s.agent.getByText('Recorded while the server was away', { exact: true })
	).toBeVisible();
	await expect(s.agent.getByText('Dated 1970')).toHaveCount(0);
	await s.close();
});
