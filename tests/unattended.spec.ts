import { expect, test, type Browser, type Page } from '@playwright/test';
import {
	adminPage,
	auditRows,
	newAgentAccount,
	query,
	startSessionAs,
	userId,
	type Credentials
} from './admin-helpers';
import { database, expectAdvancingFrames } from './helpers';

const PASSWORD = 'correct staple horse battery';

/** An agent whose own override allows unattended access. */
async function unattendedAgent(browser: Browser, name: string, allowed = true) {
	const admin = await adminPage(browser);
	const agent = await newAgentAccount(browser, admin.page, { name });
	await admin.context.close();
	const db = database();
	try {
		db.prepare(
			'INSERT INTO agent_overrides (user_id, unattended, updated_at) VALUES (?, ?, ?)'
		).run(userId(agent.email), allowed ? 1 : 0, Date.now());
	} finally {
		db.close();
	}
	return agent;
}

async function enrol(browser: Browser, agent: Credentials, computerName: string) {
	const s = await startSessionAs(browser, agent, 'Anna Neri');
	await s.agent.getByRole('button', { name: 'Set up unattended access' }).click();
	const request = s.customer.getByRole('dialog', {
		name: /asks to set up unattended access/
	});
	await expect(request).toBeVisible();
	await request.getByLabel('Computer name').fill(computerName);
	await request.getByLabel('Unattended password').fill(PASSWORD);
	await request.getByLabel('Repeat the password').fill(PASSWORD);
	await request.getByRole('button', { name: 'Allow unattended access' }).click();
	await expect(s.customer.getByText('Unattended access is set up.')).toBeVisible();
	await expect(s.agent.getByText(`Unattended access is set up for ${computerName}.`)).toBeVisible();
	return s;
}

function deviceRow(page: Page, name: string) {
	return page.getByRole('row', { name });
}

test('enrol in an attended session, then the customer blocks, changes the password and removes the computer', async ({
	browser
}) => {
	const agent = await unattendedAgent(browser, 'Unattended Ada');
	const s = await enrol(browser, agent, 'Reception PC');

	const devices = query<{ id: string; name: string; public_key: string; enrolled_by: string }>(
		"SELECT id, name, public_key, enrolled_by FROM devices WHERE name = 'Reception PC'"
	);
	expect(devices).toHaveLength(1);
	expect(devices[0].enrolled_by).toBe(userId(agent.email));
	// The server keeps the public key only, and never the password.
	expect(JSON.parse(devices[0].public_key)).toEqual({
		kty: 'EC',
		crv: 'P-256',
		x: expect.any(String),
		y: expect.any(String)
	});
	const everything =
		JSON.stringify(query('SELECT * FROM devices')) +
		JSON.stringify(query('SELECT * FROM audit_log'));
	expect(everything).not.toContain(PASSWORD);
	expect(auditRows('device.enrolled', devices[0].id)).toHaveLength(1);

	// The agent's list: enrolled by, online.
	await s.agent.goto('/agent/devices');
	await expect(s.agent.getByRole('heading', { name: 'Devices' })).toBeVisible();
	await expect(deviceRow(s.agent, 'Reception PC')).toContainText('Online');
	await expect(deviceRow(s.agent, 'Reception PC')).toContainText('Unattended Ada');

	// The customer opens the app again: status and controls.
	await s.customer.goto('/');
	const panel = s.customer.getByRole('region', { name: 'Unattended access' });
	await expect(panel).toContainText('Reception PC');
	await expect(panel.getByLabel('Unattended status')).toContainText('Allowed');
	await expect(panel).toContainText('Nobody has connected without you yet.');

	await panel.getByRole('button', { name: 'Block unattended access' }).click();
	await expect(panel.getByLabel('Unattended status')).toContainText('Blocked');
	await expect(deviceRow(s.agent, 'Reception PC')).toContainText('Blocked');
	await panel.getByRole('button', { name: 'Allow unattended access' }).click();
	await expect(panel.getByLabel('Unattended status')).toContainText('Allowed');
	await expect(deviceRow(s.agent, 'Reception PC')).not.toContainText('Blocked');

	// Changing the password needs the current one.
	await panel.getByRole('button', { name: 'Change password' }).click();
	await panel.getByLabel('Current password').fill('not the right one!');
	await panel.getByLabel('New password', { exact: true }).fill('a brand new password');
	await panel.getByLabel('Repeat the new password').fill('a brand new password');
	await panel.getByRole('button', { name: 'Save password' }).click();
	await expect(panel.getByRole('alert')).toHaveText('The current password is not right.');
	await panel.getByLabel('Current password').fill(PASSWORD);
	await panel.getByRole('button', { name: 'Save password' }).click();
	await expect(panel).toContainText('The old one no longer works.');

	await panel.getByRole('button', { name: 'Remove this computer' }).click();
	await s.customer
		.getByRole('dialog', { name: 'Remove this computer from unattended access?' })
		.getByRole('button', { name: 'Remove' })
		.click();
	await expect(panel).toContainText('This computer is removed');
	await expect(panel).toContainText('Not set up on this computer.');
	await expect(deviceRow(s.agent, 'Reception PC')).toHaveCount(0);
	const removed = query<{ public_key: string | null; removed_at: number | null }>(
		'SELECT public_key, removed_at FROM devices WHERE id = ?',
		devices[0].id
	)[0];
	expect(removed.public_key).toBeNull();
	expect(removed.removed_at).not.toBeNull();
	await s.close();
});

test('the customer can decline, and agents without the setting cannot ask', async ({ browser }) => {
	const agent = await unattendedAgent(browser, 'Unattended Bea');
	const s = await startSessionAs(browser, agent, 'Carla');
	await s.agent.getByRole('button', { name: 'Set up unattended access' }).click();
	const request = s.customer.getByRole('dialog', { name: /asks to set up unattended access/ });
	await expect(request).toContainText('Unattended Bea from');
	await request.getByRole('button', { name: 'Decline' }).click();
	await expect(s.agent.getByText('Carla declined unattended access.')).toBeVisible();
	await expect(request).toHaveCount(0);
	await s.close();

	const denied = await unattendedAgent(browser, 'Attended Only', false);
	const d = await startSessionAs(browser, denied, 'Dario');
	await expect(d.agent.getByRole('button', { name: 'Set up unattended access' })).toHaveCount(0);
	const response = await d.agent.request.post(`/api/sessions/${d.sessionId}/unattended`);
	expect(response.status()).toBe(403);
	await d.close();
});

async function connectWith(agent: Page, name: string, password: string) {
	const row = deviceRow(agent, name);
	const open = row.getByRole('button', { name: `Connect to ${name}` });
	if (await open.isVisible()) await open.click();
	await row.getByLabel(`Password for ${name}`).fill(password);
	await row.getByRole('button', { name: 'Connect', exact: true }).click();
}

test('an available computer: the agent connects with its password and sees the screen, nobody clicking', async ({
	browser
}) => {
	const agent = await unattendedAgent(browser, 'Unattended Cleo');
	const s = await enrol(browser, agent, 'Shop PC');
	await s.agent.getByRole('button', { name: 'End session' }).click();
	await s.agent
		.getByRole('dialog', { name: 'End the session?' })
		.getByRole('button', { name: 'Yes' })
		.click();
	await expect(s.customer.getByRole('heading', { name: 'The session has ended' })).toBeVisible();

	// The customer page closes; the app opens again and the customer makes the computer available.
	const context = s.customer.context();
	await s.customer.close();
	const device = await context.newPage();
	await device.goto('/');
	const panel = device.getByRole('region', { name: 'Unattended access' });
	await panel.getByRole('button', { name: 'Make this computer available' }).click();
	await expect(panel.getByText('Available for unattended support')).toBeVisible();

	await s.agent.goto('/agent/devices');
	await expect(deviceRow(s.agent, 'Shop PC')).toContainText('Online');

	await connectWith(s.agent, 'Shop PC', 'not the password at all');
	await expect(deviceRow(s.agent, 'Shop PC').getByRole('status')).toHaveText('Wrong password.');

	// From here on nobody touches the customer's page. The session page's data is held back
	// past the list's 5 s refresh, which must not cancel the move to the session.
	await s.agent.route('**/agent/sessions/*/__data.json**', async (route) => {
		await new Promise((resolve) => setTimeout(resolve, 5_500));
		await route.continue();
	});
	await connectWith(s.agent, 'Shop PC', PASSWORD);
	await expect(s.agent).toHaveURL(/\/agent\/sessions\/[\w-]+$/);
	await s.agent.unrouteAll();
	await expectAdvancingFrames(s.agent, 'Customer screen');
	await expect(
		device.getByText('Unattended Cleo is connected to this computer without you')
	).toBeVisible();
	const sessionId = s.agent.url().split('/').pop()!;
	expect(
		query<{ customer_name: string; status: string }>(
			'SELECT customer_name, status FROM support_sessions WHERE id = ?',
			sessionId
		)[0]
	).toEqual({ customer_name: 'Shop PC', status: 'active' });

	// Changing the password ends the live session at once; the old password no longer works.
	await panel.getByRole('button', { name: 'Change password' }).click();
	await panel.getByLabel('Current password').fill(PASSWORD);
	await panel.getByLabel('New password', { exact: true }).fill('the second long password');
	await panel.getByLabel('Repeat the new password').fill('the second long password');
	await panel.getByRole('button', { name: 'Save password' }).click();
	await expect(s.agent.getByText('Session ended')).toBeVisible();
	await expect(panel.getByRole('cell', { name: 'Unattended Cleo' })).toBeVisible();
	await s.agent.goto('/agent/devices');
	// Wrong passwords (the old one among them): refused, and after three the device waits.
	for (let i = 0; i < 3; i++) {
		await connectWith(s.agent, 'Shop PC', PASSWORD);
		await expect(deviceRow(s.agent, 'Shop PC').getByRole('status')).toHaveText('Wrong password.');
	}
	await connectWith(s.agent, 'Shop PC', 'the second long password');
	await expect(deviceRow(s.agent, 'Shop PC').getByRole('status')).toContainText(
		'Too many wrong passwords: try again in'
	);

	// Blocked: the list says so and connecting is refused.
	await panel.getByRole('button', { name: 'Block unattended access' }).click();
	await expect(deviceRow(s.agent, 'Shop PC')).toContainText('Blocked');
	await expect(deviceRow(s.agent, 'Shop PC').getByRole('button', { name: /Connect/ })).toHaveCount(
		0
	);
	const refused = await s.agent.request.get(
		`/api/devices/${
			query<{ id: string }>("SELECT id FROM devices WHERE name = 'Shop PC'")[0].id
		}/connect`
	);
	expect(refused.status()).toBe(409);
	await s.close();
});
