import { expect, test } from '@playwright/test';
import {
	adminPage,
	auditRows,
	createAccount,
	newAgentAccount,
	query,
	rawSignalingClient,
	setPasswordWithLink,
	startSessionAs,
	ticketClaims,
	uniqueEmail,
	userId
} from './admin-helpers';
import { database, logIn, newClient, routeData } from './helpers';
import { E2E } from '../playwright.config';

const SCREENSHOTS = 'test-results/screens';

test('an administrator creates an agent, who sets a password once and logs in', async ({
	browser
}) => {
	const { page: admin, context } = await adminPage(browser);
	const email = uniqueEmail('new-agent');
	const link = await createAccount(admin, { name: 'Nadia <b>New</b>', email });
	expect(link).toMatch(/\/set-password\/[A-Za-z0-9_-]{43}$/);
	await admin.screenshot({ path: `${SCREENSHOTS}/admin-agents.png`, fullPage: true });
	// The name is text, never markup.
	await expect(admin.getByRole('link', { name: 'Nadia <b>New</b>' })).toBeVisible();

	const agentContext = await newClient(browser);
	const agent = await agentContext.newPage();
	await agent.goto(link);
	await expect(agent.getByText(email)).toBeVisible();
	await agent.screenshot({ path: `${SCREENSHOTS}/set-password.png` });
	// Too short and mismatched passwords are refused with a message.
	await agent.getByLabel('New password').fill('short');
	await agent.getByLabel('Repeat the password').fill('short');
	await agent.getByLabel('New password').evaluate((el) => el.removeAttribute('minlength'));
	await agent.getByRole('button', { name: 'Save password' }).click();
	await expect(agent.getByRole('alert')).toHaveText('Use at least 12 characters');
	await setPasswordWithLink(agent, link, 'my own long password');

	// Single use: the link is dead now.
	await agent.goto(link);
	await expect(agent.getByRole('heading', { name: 'This link cannot be used' })).toBeVisible();

	await logIn(agent, email, 'my own long password');
	await expect(agent.getByRole('link', { name: 'Reports' })).toBeVisible();
	await expect(agent.getByRole('link', { name: 'Administration' })).toHaveCount(0);
	// An agent is refused everything under /admin, pages and actions alike.
	const page = await agent.request.get('/admin');
	expect(page.status()).toBe(403);
	const action = await agent.request.post('/admin?/create', {
		form: { name: 'Sneaky', email: 'sneaky@ponte.test', role: 'admin', group: 'default' },
		headers: { origin: E2E.baseURL }
	});
	expect(action.status()).toBe(403);
	expect(query('SELECT id FROM users WHERE email = ?', 'sneaky@ponte.test')).toHaveLength(0);

	const id = userId(email);
	expect(auditRows('user.created', id)).toHaveLength(1);
	expect(auditRows('user.password-set', id)).toHaveLength(1);
	expect(
		query('SELECT id FROM audit_log WHERE action = ? AND actor_id = ?', 'login.succeeded', id)
	).toHaveLength(1);
	// The audit log never holds the link's token nor the password.
	const token = link.split('/').pop()!;
	const everything = JSON.stringify(query('SELECT * FROM audit_log'));
	expect(everything).not.toContain(token);
	expect(everything).not.toContain('my own long password');

	await agentContext.close();
	await context.close();
});

test('a group with file transfer off: the ticket says so and signaling refuses the file channel', async ({
	browser
}) => {
	const { page: admin, context } = await adminPage(browser);
	const groupName = `No files ${Date.now()}`;
	await admin.goto('/admin/groups');
	await admin.getByLabel('Group name').fill(groupName);
	await admin.getByLabel('File transfer').uncheck();
	await admin.getByLabel('Agent screen sharing').uncheck();
	await admin.getByRole('button', { name: 'Create group' }).click();
	await expect(admin.getByRole('heading', { name: groupName })).toBeVisible();
	const groupId = admin.url().split('/').pop()!;
	await admin.screenshot({ path: `${SCREENSHOTS}/admin-group.png`, fullPage: true });
	await admin.goto('/admin/groups');
	await admin.screenshot({ path: `${SCREENSHOTS}/admin-groups.png`, fullPage: true });

	const credentials = await newAgentAccount(browser, admin, {
		name: 'Restricted',
		group: groupName
	});
	const s = await startSessionAs(browser, credentials, 'Carla');

	// The agent's settings page shows the effective values and where they come from.
	await admin.goto(`/admin/agents/${userId(credentials.email)}`);
	await expect(admin.getByTestId('effective-fileTransfer')).toHaveText(/Denied\s+from group/);
	await admin.screenshot({ path: `${SCREENSHOTS}/admin-agent.png`, fullPage: true });

	const viewer = (await routeData(s.agent, `/agent/sessions/${s.sessionId}`)) as {
		identity: { peerId: string; ticket: string };
	};
	const agentClaims = ticketClaims(viewer.identity.ticket);
	expect(agentClaims.features).toMatchObject({ fileTransfer: false, agentScreenShare: false });
	const customerData = (await routeData(s.customer, '/session')) as {
		peerId: string;
		ticket: string;
		features: { fileTransfer: boolean };
	};
	expect(customerData.features.fileTransfer).toBe(false);
	expect(ticketClaims(customerData.ticket).features.fileTransfer).toBe(false);

	// The pages go; their valid tickets stay, in the hands of bare signaling clients.
	const agentTicket = viewer.identity.ticket;
	await s.close();
	const forger = await rawSignalingClient(viewer.identity.peerId, agentTicket);
	const victim = await rawSignalingClient(customerData.peerId, customerData.ticket);
	const offer = (payload: Record<string, unknown>) =>
		forger.send({ type: 'OFFER', dst: customerData.peerId, payload });
	offer({ type: 'data', label: 'files', connectionId: 'dc_forged', serialization: 'raw', sdp: {} });
	forger.send({
		type: 'CANDIDATE',
		dst: customerData.peerId,
		payload: { connectionId: 'dc_forged', candidate: {}, type: 'data' }
	});
	offer({
		type: 'media',
		connectionId: 'mc_forged',
		metadata: { kind: 'agent-screen' },
		sdp: { type: 'offer', sdp: 'v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n' }
	});
	// A control channel is allowed: once it arrives, anything sent before it would have too.
	offer({
		type: 'data',
		label: 'control',
		connectionId: 'dc_control',
		serialization: 'json',
		sdp: {}
	});
	await expect
		.poll(() => victim.received.filter((m) => m.type === 'OFFER').map((m) => m.payload?.label))
		.toEqual(['control']);
	expect(victim.received.some((m) => m.type === 'CANDIDATE')).toBe(false);

	// The administrator allows files: the next ticket refresh carries it, and signaling follows.
	await admin.goto(`/admin/groups/${groupId}`);
	await admin.getByLabel('File transfer').check();
	await admin.getByRole('button', { name: 'Save settings' }).click();
	await expect(admin.getByRole('status')).toContainText('Settings saved');
	const refreshed = await admin.request.post('/api/tickets/refresh', {
		data: { ticket: agentTicket }
	});
	expect(refreshed.status()).toBe(200);
	expect(
		((await refreshed.json()) as { features: { fileTransfer: boolean } }).features
	).toMatchObject({ fileTransfer: true });
	offer({
		type: 'data',
		label: 'files',
		connectionId: 'dc_allowed',
		serialization: 'raw',
		sdp: {}
	});
	await expect
		.poll(() => victim.received.filter((m) => m.type === 'OFFER').map((m) => m.payload?.label))
		.toEqual(['control', 'files']);
	forger.close();
	victim.close();

	expect(auditRows('group.created', groupId)).toHaveLength(1);
	const updates = auditRows('group.updated', groupId);
	expect(updates).toHaveLength(1);
	expect(JSON.parse(updates[0].detail!)).toMatchObject({ changes: { fileTransfer: true } });
	await context.close();
});

test('per-agent overrides change the effective settings, with their source shown', async ({
	browser
}) => {
	const { page: admin, context } = await adminPage(browser);
	const credentials = await newAgentAccount(browser, admin, { name: 'Overridden' });
	const id = userId(credentials.email);
	await admin.goto(`/admin/agents/${id}`);
	await expect(admin.getByTestId('effective-fileTransfer')).toHaveText(/Allowed\s+from group/);
	await admin.getByLabel('File transfer').selectOption('deny');
	await admin.getByLabel('Maximum file size').fill('25');
	await admin.getByRole('button', { name: 'Save overrides' }).click();
	await expect(admin.getByText('Overrides saved')).toBeVisible();
	await expect(admin.getByTestId('effective-fileTransfer')).toHaveText(/Denied\s+agent override/);
	await expect(admin.getByTestId('effective-maxFileSize')).toHaveText(/25 MB\s+agent override/);
	await expect(admin.getByTestId('effective-codeLifetimeMinutes')).toHaveText(
		/10 min\s+server default/
	);
	// Invalid numbers get a clear message.
	await admin.getByLabel('Code lifetime').fill('999');
	await admin.getByRole('button', { name: 'Save overrides' }).click();
	await expect(admin.getByRole('alert')).toHaveText('Code lifetime must be at most 60');

	const rows = auditRows('user.overrides-changed', id);
	expect(rows).toHaveLength(1);
	expect(JSON.parse(rows[0].detail!).changes).toEqual({
		fileTransfer: false,
		maxFileSize: 25 * 1024 * 1024
	});
	await context.close();
});

test('disabling an agent ends their live session on both pages', async ({ browser }) => {
	const { page: admin, context } = await adminPage(browser);
	const credentials = await newAgentAccount(browser, admin, { name: 'Leaving' });
	const s = await startSessionAs(browser, credentials, 'Bruno');
	const id = userId(credentials.email);

	await admin.goto(`/admin/agents/${id}`);
	await expect(admin.getByText('Live sessions now')).toBeVisible();
	await admin.getByRole('button', { name: 'Disable account' }).click();
	const dialog = admin.getByRole('dialog', { name: 'Disable Leaving?' });
	await expect(dialog).toContainText('live session');
	await dialog.getByRole('button', { name: 'Disable' }).click();
	await expect(admin.getByRole('status')).toHaveText('Account disabled. 1 live session ended.');

	await expect(s.customer.getByRole('heading', { name: 'The session has ended' })).toBeVisible({
		timeout: 25_000
	});
	// "Within seconds" is each wait's bound; a stopwatch over both would time the machine's load.
	await expect(s.agent.getByText('Session ended')).toBeVisible({ timeout: 25_000 });

	const [session] = query<{ status: string; end_reason: string; ended_by: string }>(
		'SELECT status, end_reason, ended_by FROM support_sessions WHERE id = ?',
		s.sessionId
	);
	const adminId = userId(E2E.adminEmail);
	expect(session).toEqual({ status: 'ended', end_reason: 'agent', ended_by: adminId });
	expect(auditRows('user.disabled', id)).toEqual([expect.objectContaining({ actor_id: adminId })]);
	expect(auditRows('session.ended', s.sessionId)).toEqual([
		expect.objectContaining({ actor_id: adminId })
	]);

	// Logged out, and cannot log in again.
	await s.agent.goto('/agent');
	await expect(s.agent).toHaveURL(/\/login/);
	await s.agent.getByLabel('Email').fill(credentials.email);
	await s.agent.getByLabel('Password').fill(credentials.password);
	await s.agent.getByRole('button', { name: 'Log in' }).click();
	await expect(s.agent.getByRole('alert')).toHaveText('Wrong email or password.');

	// Enabled again, then reset: a new link; the old password no longer works.
	await admin.getByRole('button', { name: 'Enable account' }).click();
	await expect(admin.getByRole('status')).toHaveText('Account enabled.');
	await admin.getByRole('button', { name: 'Reset password' }).click();
	await expect(admin.getByLabel('Set-password link')).toBeVisible();
	expect(auditRows('user.enabled', id)).toHaveLength(1);
	expect(auditRows('user.password-reset', id)).toHaveLength(1);
	await s.close();
	await context.close();
});

test('the last administrator cannot be demoted or disabled', async ({ browser }) => {
	const { page: admin, context } = await adminPage(browser);
	const adminId = userId(E2E.adminEmail);
	await admin.goto(`/admin/agents/${adminId}`);
	await admin.locator('html[data-hydrated]').waitFor({ state: 'attached' });
	await expect(admin.getByRole('button', { name: 'Disable account' })).toBeDisabled();
	await admin.getByLabel('Role').selectOption('agent');
	await admin.getByRole('button', { name: 'Save role' }).click();
	await expect(admin.getByRole('alert')).toHaveText(
		'You cannot remove your own administrator role.'
	);
	// Forged straight at the action, the server refuses too.
	const forged = await admin.request.post(`/admin/agents/${adminId}?/disable`, {
		form: { userId: adminId },
		headers: { origin: E2E.baseURL }
	});
	expect(JSON.stringify(await forged.json())).toContain('You cannot disable your own account.');
	expect(query('SELECT role, disabled_at FROM users WHERE id = ?', adminId)).toEqual([
		{ role: 'admin', disabled_at: null }
	]);
	await context.close();
});

test('the audit log filters by action and shows the abuse reports page', async ({ browser }) => {
	const { page: admin, context } = await adminPage(browser);
	await admin.goto('/admin/audit');
	await expect(admin.getByRole('table')).toBeVisible();
	await admin.screenshot({ path: `${SCREENSHOTS}/admin-audit.png`, fullPage: true });
	await admin.getByLabel('Action').selectOption({ label: 'Logged in' });
	await admin.getByRole('button', { name: 'Filter' }).click();
	await expect(admin).toHaveURL(/action=login.succeeded/);
	const actions = admin.getByRole('row').locator('td:nth-child(3) .font-mono');
	await expect(actions.first()).toHaveText('login.succeeded');
	expect(new Set(await actions.allTextContents())).toEqual(new Set(['login.succeeded']));

	// An abuse report, with markup in it, is shown as text.
	const [session] = query<{ id: string }>('SELECT id FROM support_sessions LIMIT 1');
	const db = database();
	db.prepare(
		'INSERT INTO abuse_reports (id, session_id, created_at, description, contact) VALUES (?, ?, ?, ?, ?)'
	).run(
		`abuse-${Date.now()}`,
		session.id,
		Date.now(),
		'He asked for my <script>bank</script> PIN',
		'<b>me@example.com</b>'
	);
	db.close();
	await admin.goto('/admin/abuse');
	await expect(admin.getByText('He asked for my <script>bank</script> PIN')).toBeVisible();
	await expect(admin.getByText('<b>me@example.com</b>')).toBeVisible();
	await admin.screenshot({ path: `${SCREENSHOTS}/admin-abuse.png`, fullPage: true });
	await context.close();
});
