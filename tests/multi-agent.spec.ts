import { expect, test, type Browser, type Page } from '@playwright/test';
import { adminPage, newAgentAccount, query, type Credentials } from './admin-helpers';
import { expectAdvancingFrames, logIn, newClient, startSession } from './helpers';

test.describe.configure({ timeout: 180_000 });

async function agentConsole(browser: Browser, credentials: Credentials) {
	const context = await newClient(browser);
	const page = await context.newPage();
	await logIn(page, credentials.email, credentials.password);
	return { page, context };
}

async function say(page: Page, text: string) {
	await page.getByLabel('Message').fill(text);
	await page.getByRole('button', { name: 'Send', exact: true }).click();
}

async function expectInChat(pages: Page[], text: string) {
	for (const page of pages) {
		await expect(
			page.getByRole('log', { name: 'Chat' }).getByText(text, { exact: true })
		).toHaveCount(1);
	}
}

/** The customer's upload bitrate (kbit/s) and encoder time (ms per second) over a few seconds. */
async function customerSendStats(customer: Page) {
	return customer.evaluate(async () => {
		const made = (window as unknown as { __connections: RTCPeerConnection[] }).__connections;
		const sample = async () => {
			let bytes = 0;
			let encodeTime = 0;
			for (const connection of made) {
				if (connection.connectionState !== 'connected') continue;
				(await connection.getStats()).forEach((stat) => {
					if (stat.type === 'outbound-rtp' && stat.kind === 'video') {
						bytes += stat.bytesSent ?? 0;
						encodeTime += stat.totalEncodeTime ?? 0;
					}
				});
			}
			return { bytes, encodeTime, at: performance.now() };
		};
		const first = await sample();
		await new Promise((resolve) => setTimeout(resolve, 5000));
		const last = await sample();
		const seconds = (last.at - first.at) / 1000;
		return {
			uploadKbps: Math.round(((last.bytes - first.bytes) * 8) / 1000 / seconds),
			encodeMsPerSecond: Math.round(((last.encodeTime - first.encodeTime) * 1000) / seconds)
		};
	});
}

async function recordConnections(page: Page) {
	await page.context().addInitScript(() => {
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
}

test('invite a colleague: both see one capture, chat reaches everyone, then hand over', async ({
	browser
}) => {
	const { page: admin, context: adminContext } = await adminPage(browser);
	const colleague = await newAgentAccount(browser, admin, { name: 'Bruno Colleague' });
	await adminContext.close();

	const s = await startSession(browser, 'Elena');
	const b = await agentConsole(browser, colleague);
	await b.page.goto('/agent');

	await s.customer.getByRole('button', { name: 'Share screen' }).click();
	await expectAdvancingFrames(s.agent, 'Customer screen');

	await s.agent.getByRole('button', { name: 'Invite agent' }).click();
	const dialog = s.agent.getByRole('dialog', { name: 'Invite an agent' });
	await dialog.getByRole('button', { name: 'Invite Bruno Colleague' }).click();
	await expect(dialog.getByText('Bruno Colleague has been invited.')).toBeVisible();
	await dialog.getByRole('button', { name: 'Close' }).click();

	const invitation = b.page.getByRole('region', { name: 'Invitations' });
	await expect(invitation).toContainText('Administrator invites you to a session with Elena');
	await invitation.getByRole('button', { name: 'Accept' }).click();
	await expect(b.page).toHaveURL(new RegExp(`/agent/sessions/${s.sessionId}$`));
	await expectAdvancingFrames(b.page, 'Customer screen');
	await expectAdvancingFrames(s.agent, 'Customer screen');
	// The customer sees every agent present.
	await expect(
		s.customer.getByRole('heading', {
			name: /Administrator, Bruno Colleague|Bruno Colleague, Administrator/
		})
	).toBeVisible();

	await say(s.customer, 'Hello to both of you');
	await expectInChat([s.agent, b.page], 'Hello to both of you');
	await say(s.agent, 'Administrator here');
	await expectInChat([s.customer, b.page], 'Administrator here');
	await say(b.page, 'Bruno here');
	await expectInChat([s.customer, s.agent], 'Bruno here');

	// Hand over: the first agent leaves, the second keeps the screen and the chat.
	await s.agent.getByRole('button', { name: 'Hand over' }).click();
	const handOver = s.agent.getByRole('dialog', { name: 'Hand the session over' });
	await handOver.getByLabel('New owner').selectOption({ label: 'Bruno Colleague' });
	await handOver.getByRole('button', { name: 'Hand over and leave' }).click();
	await expect(s.agent.getByText('Handed over to Bruno Colleague')).toBeVisible();
	await expect(s.customer.getByRole('heading', { name: /^Bruno Colleague from/ })).toBeVisible();
	await say(s.customer, 'Still there, Bruno?');
	await expectInChat([b.page], 'Still there, Bruno?');
	const presented = await b.page
		.getByLabel('Customer screen')
		.evaluate((v: HTMLVideoElement) => v.getVideoPlaybackQuality().totalVideoFrames);
	await expect
		.poll(() =>
			b.page
				.getByLabel('Customer screen')
				.evaluate((v: HTMLVideoElement) => v.getVideoPlaybackQuality().totalVideoFrames)
		)
		.toBeGreaterThan(presented + 5);

	// The report lists both agents with their times.
	const events = query<{ type: string; data: string }>(
		"SELECT type, data FROM session_events WHERE session_id = ? AND type IN ('agent.joined', 'agent.left', 'session.handed-over') ORDER BY seq",
		s.sessionId
	);
	expect(events.map((e) => e.type)).toEqual([
		'agent.joined',
		'agent.joined',
		'session.handed-over',
		'agent.left'
	]);
	await b.page.goto(`/agent/reports/${s.sessionId}`);
	await expect(b.page.getByText('Bruno Colleague').first()).toBeVisible();
	await expect(b.page.getByText('Administrator').first()).toBeVisible();
	await b.context.close();
	await s.close();
});

test('four agents through the invite link: every one sees the screen and the chat', async ({
	browser
}) => {
	const { page: admin, context: adminContext } = await adminPage(browser);
	const colleagues = [];
	for (const name of ['Carlo', 'Dora', 'Ezio']) {
		colleagues.push(await newAgentAccount(browser, admin, { name }));
	}
	await adminContext.close();

	const s = await startSession(browser, {
		customerName: 'Franca',
		prepareCustomer: async (c) => {
			const page = await c.newPage();
			await recordConnections(page);
			await page.close();
		}
	});
	await s.customer.reload();
	await expect(s.customer.getByText(/Connected securely/)).toBeVisible();
	await s.customer.getByRole('button', { name: 'Share screen' }).click();
	await expectAdvancingFrames(s.agent, 'Customer screen');
	const withOne = await customerSendStats(s.customer);

	await s.agent.getByRole('button', { name: 'Invite agent' }).click();
	const link = await s.agent.getByLabel('Or send an agent this link').inputValue();
	await s.agent
		.getByRole('dialog', { name: 'Invite an agent' })
		.getByRole('button', { name: 'Close' })
		.click();

	const others: Page[] = [];
	for (const colleague of colleagues) {
		const c = await agentConsole(browser, colleague);
		await c.page.goto(link);
		await expect(c.page).toHaveURL(new RegExp(`/agent/sessions/${s.sessionId}$`));
		others.push(c.page);
	}
	for (const page of [s.agent, ...others]) await expectAdvancingFrames(page, 'Customer screen');
	const withFour = await customerSendStats(s.customer);
	console.log(
		`customer upload with 1 agent: ${withOne.uploadKbps} kbit/s, encoder ${withOne.encodeMsPerSecond} ms/s; ` +
			`with 4 agents: ${withFour.uploadKbps} kbit/s, encoder ${withFour.encodeMsPerSecond} ms/s`
	);

	await say(s.customer, 'Hello, all four');
	await expectInChat([s.agent, ...others], 'Hello, all four');
	await say(others[2], 'Ezio here');
	await expectInChat([s.customer, s.agent, others[0], others[1]], 'Ezio here');
	for (const page of others) await page.context().close();
	await s.close();
});

test('an agent whose group does not allow several agents cannot invite', async ({ browser }) => {
	const { page: admin, context: adminContext } = await adminPage(browser);
	const groupName = `Solo ${Date.now()}`;
	await admin.goto('/admin/groups');
	await admin.getByLabel('Group name').fill(groupName);
	await admin.getByLabel('Multi-agent sessions').uncheck();
	await admin.getByRole('button', { name: 'Create group' }).click();
	await expect(admin.getByRole('heading', { name: groupName })).toBeVisible();
	const solo = await newAgentAccount(browser, admin, { name: 'Solo Agent', group: groupName });
	const other = await newAgentAccount(browser, admin, { name: 'Would Join' });
	await adminContext.close();

	const agent = await agentConsole(browser, solo);
	await agent.page.goto('/agent');
	await agent.page.getByRole('button', { name: 'New session' }).click();
	await expect(agent.page.getByLabel('Session code')).toBeVisible();
	await expect(agent.page.getByRole('button', { name: 'Invite agent' })).toHaveCount(0);
	const sessionId = agent.page.url().split('/').pop()!;
	const otherId = query<{ id: string }>('SELECT id FROM users WHERE email = ?', other.email)[0].id;
	// Forged from the page anyway: the server refuses.
	const refused = await agent.page.evaluate(
		async ({ sessionId, otherId }) => {
			const response = await fetch(`/api/sessions/${sessionId}/invitations`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ userId: otherId })
			});
			return { status: response.status, body: await response.json() };
		},
		{ sessionId, otherId }
	);
	expect(refused.status).toBe(409);
	expect(refused.body.error).toMatch(/cannot have several agents/);
	await agent.context.close();
});
