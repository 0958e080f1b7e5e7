import { expect, test } from '@playwright/test';
import {
	database,
	expectAdvancingFrames,
	join,
	logIn,
	newClient,
	newSession,
	routeData,
	startSession
} from './helpers';
import { E2E } from '../playwright.config';

test('agent sees the shared screen and both chat, then the customer ends', async ({ browser }) => {
	const s = await startSession(browser);
	const { agent, customer } = s;

	await expect(customer.getByText(/Only continue if you contacted .* yourself/)).toBeVisible();
	await expect(
		customer.getByRole('heading', { name: /Administrator from .* is here to help/ })
	).toBeVisible();

	await customer.getByRole('button', { name: 'Share screen' }).click();
	await expect(customer.getByRole('button', { name: 'Stop sharing' })).toBeVisible();
	await expectAdvancingFrames(agent, 'Customer screen');

	await customer.getByLabel('Message').fill('Hello, my printer is broken <b>help</b>');
	await customer.getByRole('button', { name: 'Send', exact: true }).click();
	const agentLog = agent.getByRole('log', { name: 'Chat' });
	await expect(agentLog).toContainText('Hello, my printer is broken <b>help</b>');
	await expect(agentLog.locator('b')).toHaveCount(0);
	await expect(agentLog).toContainText('Maria Rossi');

	await agent.getByLabel('Message').fill('Hi Maria, I can see your screen now.');
	await agent.getByRole('button', { name: 'Send', exact: true }).click();
	const customerLog = customer.getByRole('log', { name: 'Chat' });
	await expect(customerLog).toContainText('Hi Maria, I can see your screen now.');
	// Each message is shown once on each side.
	await expect(customerLog.getByText('Hi Maria, I can see your screen now.')).toHaveCount(1);
	await expect(agentLog.getByText('Hello, my printer is broken <b>help</b>')).toHaveCount(1);

	await customer.getByRole('button', { name: 'End session' }).click();
	await customer
		.getByRole('dialog', { name: 'End the session?' })
		.getByRole('button', { name: 'Yes' })
		.click();
	await expect(customer.getByRole('heading', { name: 'The session has ended' })).toBeVisible();
	await expect(agent.getByText('Session ended')).toBeVisible();

	// The chat reached the server's records through the agent's browser.
	await expect
		.poll(() => {
			const db = database();
			try {
				return db
					.prepare(
						"SELECT count(*) AS n FROM session_events WHERE session_id = ? AND type = 'chat'"
					)
					.get(s.sessionId) as { n: number };
			} finally {
				db.close();
			}
		})
		.toEqual({ n: 2 });
	await s.close();
});

test('the agent can end the session too', async ({ browser }) => {
	const s = await startSession(browser, 'Luca');
	await s.agent.getByRole('button', { name: 'End session' }).click();
	await s.agent
		.getByRole('dialog', { name: 'End the session?' })
		.getByRole('button', { name: 'Yes' })
		.click();
	await expect(s.agent.getByText('Session ended')).toBeVisible();
	await expect(s.customer.getByRole('heading', { name: 'The session has ended' })).toBeVisible();
	await expect(s.customer.getByText('Administrator ended the session.')).toBeVisible();
	await s.close();
});

test('a wrong code gets one plain message', async ({ browser }) => {
	const context = await newClient(browser);
	const page = await context.newPage();
	await join(page, '000 000 000', 'Anna');
	await expect(page.getByRole('alert')).toHaveText(/not valid or has expired/);
	await join(page, 'abc', 'Anna');
	await expect(page.getByRole('alert')).toHaveText(/not valid or has expired/);
	await context.close();
});

test('the join link prefills the code, and dashes are accepted', async ({ browser }) => {
	const agentContext = await newClient(browser);
	const agent = await agentContext.newPage();
	await logIn(agent);
	const { code } = await newSession(agent);
	const context = await newClient(browser);
	const page = await context.newPage();
	await page.goto(`/join/${code}`);
	await expect(page.getByLabel('Session code')).toHaveValue(
		`${code.slice(0, 3)} ${code.slice(3, 6)} ${code.slice(6)}`
	);
	await page
		.getByLabel('Session code')
		.fill(`${code.slice(0, 3)}-${code.slice(3, 6)}-${code.slice(6)}`);
	await page.getByLabel('Your name').fill('Dash User');
	await page.getByRole('button', { name: 'Join' }).click();
	await expect(page).toHaveURL(/\/session$/);
	await agentContext.close();
	await context.close();
});

test('an expired code is refused and the agent sees it expired', async ({ browser }) => {
	const agentContext = await newClient(browser);
	const agent = await agentContext.newPage();
	await logIn(agent);
	const { code, sessionId } = await newSession(agent);
	const db = database();
	db.prepare('UPDATE support_sessions SET code_expires_at = ? WHERE id = ?').run(
		Date.now() - 1000,
		sessionId
	);
	db.close();

	const context = await newClient(browser);
	const page = await context.newPage();
	await join(page, code, 'Late Customer');
	await expect(page.getByRole('alert')).toHaveText(/not valid or has expired/);

	// The server's expiry sweep (every 30 s) may or may not have run by now: the agent sees the
	// same state either way. Both orders, explicitly: first whatever it is now, then after the
	// sweep has certainly run (done here as the sweep does it).
	const expectExpired = async () => {
		await agent.reload();
		await expect(agent.getByRole('heading', { name: 'This code has expired' })).toBeVisible();
		await expect(agent.getByText('The code expired before the customer joined.')).toBeVisible();
		await expect(agent.getByRole('button', { name: 'New session' })).toBeVisible();
	};
	await expectExpired();
	const swept = database();
	swept
		.prepare(
			"UPDATE support_sessions SET status = 'ended', ended_at = ?, end_reason = 'expired', code_hash = NULL WHERE id = ? AND status = 'waiting'"
		)
		.run(Date.now(), sessionId);
	swept.close();
	await expectExpired();
	await agentContext.close();
	await context.close();
});

test('a used code is refused', async ({ browser }) => {
	const s = await startSession(browser, 'First');
	const context = await newClient(browser);
	const page = await context.newPage();
	await join(page, s.code, 'Second');
	await expect(page.getByRole('alert')).toHaveText(/not valid or has expired/);
	await context.close();
	await s.close();
});

test('guessing codes from one address is rate-limited', async ({ browser }) => {
	const context = await newClient(browser);
	const page = await context.newPage();
	let status = 0;
	for (let attempt = 0; attempt < 12 && status !== 429; attempt++) {
		const response = await page.request.post('/?/join', {
			form: { code: String(100_000_000 + attempt), name: 'Guesser' },
			headers: { origin: E2E.baseURL, accept: 'application/json' }
		});
		// Without JavaScript's headers, SvelteKit answers an action with its result as JSON.
		status = ((await response.json()) as { status: number }).status;
	}
	expect(status).toBe(429);
	await join(page, '123 456 789', 'Guesser');
	await expect(page.getByRole('alert')).toHaveText('Too many attempts, try again later.');
	await context.close();
});

test('the customer can decline the screen picker and keep chatting', async ({ browser }) => {
	const agentContext = await newClient(browser);
	const customerContext = await newClient(browser);
	// Stands in for the person pressing Cancel in the browser's screen picker.
	await customerContext.addInitScript(() => {
		navigator.mediaDevices.getDisplayMedia = () =>
			Promise.reject(new DOMException('Permission denied by user', 'NotAllowedError'));
	});
	const agent = await agentContext.newPage();
	const customer = await customerContext.newPage();
	await logIn(agent);
	const { code } = await newSession(agent);
	await join(customer, code, 'Careful Customer');
	await expect(customer.getByText(/Connected securely/)).toBeVisible();

	await customer.getByRole('button', { name: 'Share screen' }).click();
	await expect(
		customer.getByText('Screen sharing was not started.', { exact: false })
	).toBeVisible();
	await expect(
		agent.getByText('Careful Customer is not sharing their screen').first()
	).toBeVisible();
	await expect(customer.getByRole('button', { name: 'Share screen' })).toBeEnabled();

	await customer.getByLabel('Message').fill('I would rather not share yet');
	await customer.getByRole('button', { name: 'Send', exact: true }).click();
	await expect(agent.getByRole('log', { name: 'Chat' })).toContainText(
		'I would rather not share yet'
	);
	await agentContext.close();
	await customerContext.close();
});

test('signaling refuses a socket without a valid ticket, and peers refuse forged tickets', async ({
	browser
}) => {
	const s = await startSession(browser, 'Target');
	const customerData = await routeData(s.customer, '/session');
	const ticket = customerData.ticket as string;
	const customerPeerId = customerData.peerId as string;
	const agentPeerId = (customerData.agents as { peerId: string }[])[0].peerId;

	const attackerContext = await browser.newContext();
	const attacker = await attackerContext.newPage();
	await attacker.addScriptTag({ path: 'node_modules/peerjs/dist/peerjs.min.js' });
	const port = new URL(s.agent.url()).port;

	const tryRegister = (id: string, token: string) =>
		attacker.evaluate(
			({ id, token, port }) =>
				new Promise<string>((resolve) => {
					// @ts-expect-error the UMD build's global
					const peer = new window.peerjs.Peer(id, {
						host: '127.0.0.1',
						port: Number(port),
						path: '/peerjs',
						key: 'ponte',
						token,
						config: { iceServers: [] }
					});
					peer.on('open', () => {
						peer.destroy();
						resolve('open');
					});
					peer.on('error', (error: { type: string }) => resolve(`error:${error.type}`));
					setTimeout(() => resolve('timeout'), 8000);
				}),
			{ id, token, port }
		);

	// No ticket, a forged one, and a real ticket used for another peer ID: all refused.
	expect(await tryRegister('intruder-1', 'not-a-ticket')).toMatch(/^error:/);
	const [body, signature] = ticket.split('.');
	const forged = JSON.parse(Buffer.from(body, 'base64url').toString());
	forged.pid = 'intruder-2';
	const forgedTicket = `${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${signature}`;
	expect(await tryRegister('intruder-2', forgedTicket)).toMatch(/^error:/);
	expect(await tryRegister('intruder-3', ticket)).toMatch(/^error:/);

	// A peer that is registered (it holds the customer's own ID, the customer's tab closed) but
	// presents a forged ticket to the agent is refused by the agent's browser: nothing delivered.
	await s.customer.close();
	const outcome = await attacker.evaluate(
		({ id, token, agentPeerId, port }) =>
			new Promise<string>((resolve) => {
				// @ts-expect-error the UMD build's global
				const peer = new window.peerjs.Peer(id, {
					host: '127.0.0.1',
					port: Number(port),
					path: '/peerjs',
					key: 'ponte',
					token,
					config: { iceServers: [] }
				});
				peer.on('error', (error: { type: string }) => resolve(`error:${error.type}`));
				peer.on('open', () => {
					const connection = peer.connect(agentPeerId, {
						label: 'control',
						serialization: 'json',
						reliable: true,
						metadata: { ticket: 'forged.ticket' }
					});
					let received = false;
					let opened = false;
					connection.on('open', () => (opened = true));
					connection.on('data', () => (received = true));
					connection.on('close', () => resolve(received ? 'data' : 'refused'));
					// Refused either way: closed by the agent, or never answered at all.
					setTimeout(() => resolve(received ? 'data' : opened ? 'left-open' : 'refused'), 8_000);
				});
			}),
		{ id: customerPeerId, token: ticket, agentPeerId, port }
	);
	expect(outcome).toBe('refused');
	await expect(s.agent.getByText(/unverified connections? refused/)).toBeVisible();
	await attackerContext.close();
	await s.close();
});
