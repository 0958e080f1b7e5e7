// Firefox as a first-class browser: a Firefox customer with a Chromium agent, a Chromium
// customer with a Firefox agent, and an Italian Firefox customer page under axe. Firefox has
// no showSaveFilePicker and no Document Picture-in-Picture: the tests show the fallbacks work
// (a received file arrives as a download, the pop-out control is not offered).
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Browser, Page } from '@playwright/test';
import {
	expectAdvancingFrames,
	join,
	newClient,
	privateFileDigest,
	saveToPrivateFiles
} from './helpers';
import { expect, firefoxCustomer, test, type Firefox, type FirefoxPage } from './firefox';

const sha256 = (data: Buffer) => crypto.createHash('sha256').update(data).digest('hex');
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** Cross-browser steps wait on two browsers sharing two busy cores. */
const SLOW = { timeout: 30_000 };
test.describe.configure({ timeout: 120_000 });

function randomFile(name: string, size: number) {
	return { name, mimeType: 'application/octet-stream', buffer: crypto.randomBytes(size) };
}

/** A Firefox agent logs in and starts a session; a Chromium customer joins it. */
async function firefoxAgent(browser: Browser, firefox: Firefox, name = 'Luca Bianchi') {
	const agent = await firefox.newPage();
	await agent.goto('/login');
	await agent.fill('Email', 'admin@ponte.test');
	await agent.fill('Password', 'correct horse battery staple', 'input[type="password"]');
	await agent.click('button', 'Log in');
	await agent.waitForURL(/\/agent/);
	await agent.goto('/agent');
	await agent.click('button', 'New session');
	await agent.waitForURL(/\/agent\/sessions\/[\w-]+$/);
	const code = (await agent.textOf('status', 'Session code')).replace(/\s/g, '');
	expect(code).toMatch(/^\d{9}$/);
	const customerContext = await newClient(browser);
	await saveToPrivateFiles(customerContext);
	const customer = await customerContext.newPage();
	await join(customer, code, name);
	await expect(customer.getByText(/Connected securely/)).toBeVisible(SLOW);
	await agent.waitFor('heading', `Session with ${name}`);
	return { agent, customer, close: () => customerContext.close() };
}

function incoming(page: Page) {
	return page.getByRole('dialog', { name: 'Incoming file transfer' });
}

function transferRow(page: Page, name: string) {
	return page
		.getByRole('region', { name: 'Transfers' })
		.getByRole('listitem')
		.filter({ hasText: name });
}

/** The text of a Firefox page's transfer row for this file ('' while there is none). */
function firefoxTransferRow(page: FirefoxPage, name: string) {
	return page.evaluate((fileName) => {
		const region = document.querySelector('[aria-label="Transfers"], [aria-labelledby]');
		const rows = [...(region?.ownerDocument ?? document).querySelectorAll('li')];
		return rows.find((row) => row.textContent?.includes(fileName))?.textContent ?? '';
	}, name);
}

/** Opens Verify connection on a Chromium page and returns the safety code it shows. */
async function chromiumSafetyCode(page: Page) {
	await page.getByRole('button', { name: 'Verify connection' }).click();
	const code = page.getByRole('dialog', { name: 'Verify connection' }).getByLabel('Safety code');
	await expect(code).toHaveText(/^\d{3} \d{3}$/, SLOW);
	return (await code.textContent())!;
}

/** The same on a Firefox page. */
async function firefoxSafetyCode(page: FirefoxPage) {
	await page.click('button', 'Verify connection');
	await page.waitFor('dialog', 'Verify connection');
	await expect.poll(() => page.textOf('status', 'Safety code'), SLOW).toMatch(/^\d{3} \d{3}$/);
	return page.textOf('status', 'Safety code');
}

test('Firefox customer, Chromium agent: screen, chat both ways, the same safety code, the toolbar pops out and back', async ({
	browser,
	firefox
}) => {
	const s = await firefoxCustomer(browser, firefox);
	await s.customer.click('button', 'Share screen');
	await s.customer.waitFor('button', 'Stop sharing');
	await expectAdvancingFrames(s.agent, 'Customer screen');

	await s.customer.fill('Message', 'Hello from Firefox');
	await s.customer.click('button', 'Send');
	const agentLog = s.agent.getByRole('log', { name: 'Chat' });
	await expect(agentLog).toContainText('Hello from Firefox', SLOW);
	await expect(agentLog).toContainText('Maria Rossi');
	await s.agent.getByLabel('Message').fill('Hello from Chromium');
	await s.agent.getByRole('button', { name: 'Send', exact: true }).click();
	await expect.poll(() => s.customer.textOf('log', 'Chat'), SLOW).toContain('Hello from Chromium');

	// Firefox ESR 153 has Document Picture-in-Picture: the toolbar pops out into its window.
	await s.customer.click('button', 'Pop out toolbar');
	const inPip = () =>
		s.customer.evaluate(() => {
			const pip = (window as unknown as { documentPictureInPicture: { window: Window | null } })
				.documentPictureInPicture.window;
			return pip?.document.querySelector('button[aria-pressed="true"]')?.textContent?.trim() ?? '';
		});
	await expect.poll(inPip, SLOW).toBe('Pop out toolbar');
	// Its own (pressed) Pop out toolbar button, clicked in that window, puts the toolbar back.
	await s.customer.evaluate(() =>
		(
			window as unknown as { documentPictureInPicture: { window: Window } }
		).documentPictureInPicture.window.document
			.querySelector<HTMLButtonElement>('button[aria-pressed="true"]')
			?.click()
	);
	await s.customer.waitFor('button', 'Pop out toolbar');
	expect(await inPip()).toBe('');

	const agentCode = await chromiumSafetyCode(s.agent);
	expect(await firefoxSafetyCode(s.customer)).toBe(agentCode);
	await s.close();
});

test('Firefox customer, Chromium agent: files both ways byte-identical, Firefox saving by download (no save picker)', async ({
	browser,
	firefox
}) => {
	const s = await firefoxCustomer(browser, firefox);
	expect(await s.customer.evaluate(() => 'showSaveFilePicker' in window)).toBe(false);

	const up = randomFile('firefox-log.bin', 5 * 1024 * 1024);
	await s.customer.setInputFiles([up]);
	await expect(incoming(s.agent)).toContainText('firefox-log.bin', SLOW);
	await incoming(s.agent).getByRole('button', { name: 'Save' }).click();
	await expect(transferRow(s.agent, 'firefox-log.bin')).toContainText(/verified/i, SLOW);
	expect(await privateFileDigest(s.agent, 'firefox-log.bin')).toEqual({
		size: up.buffer.length,
		sha256: sha256(up.buffer)
	});
	await expect
		.poll(() => firefoxTransferRow(s.customer, 'firefox-log.bin'), SLOW)
		.toMatch(/verified/i);

	const down = randomFile('chromium-tool.bin', 3 * 1024 * 1024);
	await s.agent.getByLabel('Send file').setInputFiles([down]);
	await s.customer.waitFor('dialog', 'Incoming file transfer');
	await s.customer.click('button', 'Save');
	expect(await s.customer.downloaded('chromium-tool.bin', down.buffer.length)).toEqual({
		size: down.buffer.length,
		sha256: sha256(down.buffer)
	});
	await expect(transferRow(s.agent, 'chromium-tool.bin')).toContainText(/verified/i, SLOW);
	await s.close();
});

test("Firefox customer, Chromium agent: stop, Request, Yes restarts the screen; the agent's screen reaches Firefox's viewer", async ({
	browser,
	firefox
}) => {
	const s = await firefoxCustomer(browser, firefox);
	await s.customer.click('button', 'Share screen');
	await s.customer.waitFor('button', 'Stop sharing');
	await expectAdvancingFrames(s.agent, 'Customer screen');

	await s.customer.click('button', 'Stop sharing');
	await s.customer.waitForText('Administrator cannot see your screen');
	await expect(s.agent.getByText(/stopped sharing/).first()).toBeVisible(SLOW);
	await expect(s.agent.getByLabel('Customer screen')).toBeHidden();
	await s.agent.getByRole('button', { name: 'Request screen' }).click();
	await s.customer.waitFor('dialog', 'Administrator asks to see your screen again');
	await s.customer.click('button', 'Yes');
	await s.customer.waitFor('button', 'Stop sharing');
	await expectAdvancingFrames(s.agent, 'Customer screen');

	await s.agent.getByRole('button', { name: 'Share my screen' }).click();
	await expect(s.agent.getByRole('button', { name: 'Stop sharing my screen' })).toBeVisible();
	await s.customer.expectAdvancingFrames('Agent screen');
	await s.customer.click('button', 'Close viewer');
	await s.customer.waitFor('button', 'Open viewer');
	expect(
		await s.customer.evaluate(
			() =>
				document
					.querySelector<HTMLVideoElement>('video[aria-label="Agent screen"]')
					?.checkVisibility() ?? false
		)
	).toBe(false);
	await s.close();
});

test('Firefox customer ends the session; the Chromium agent sees it ended', async ({
	browser,
	firefox
}) => {
	const s = await firefoxCustomer(browser, firefox, { name: 'Anna' });
	await s.customer.click('button', 'End session');
	await s.customer.waitFor('dialog', 'End the session?');
	await s.customer.click('button', 'Yes');
	await s.customer.waitFor('heading', 'The session has ended');
	await expect(s.agent.getByText('Session ended')).toBeVisible(SLOW);
	await s.close();
});

test('Chromium agent ends the session; the Firefox customer is told', async ({
	browser,
	firefox
}) => {
	const s = await firefoxCustomer(browser, firefox, { name: 'Luca' });
	await s.agent.getByRole('button', { name: 'End session' }).click();
	await s.agent
		.getByRole('dialog', { name: 'End the session?' })
		.getByRole('button', { name: 'Yes' })
		.click();
	await expect(s.agent.getByText('Session ended')).toBeVisible();
	await s.customer.waitFor('heading', 'The session has ended');
	await s.customer.waitForText('Administrator ended the session.');
	await s.close();
});

test('Chromium customer, Firefox agent: screen, chat both ways, a file each way', async ({
	browser,
	firefox
}) => {
	const s = await firefoxAgent(browser, firefox);
	await s.customer.getByRole('button', { name: 'Share screen' }).click();
	await expect(s.customer.getByRole('button', { name: 'Stop sharing' })).toBeVisible();
	await s.agent.expectAdvancingFrames('Customer screen');

	await s.customer.getByLabel('Message').fill('Hello from Chromium');
	await s.customer.getByRole('button', { name: 'Send', exact: true }).click();
	await expect.poll(() => s.agent.textOf('log', 'Chat'), SLOW).toContain('Hello from Chromium');
	await s.agent.fill('Message', 'Hello from Firefox');
	await s.agent.click('button', 'Send');
	await expect(s.customer.getByRole('log', { name: 'Chat' })).toContainText(
		'Hello from Firefox',
		SLOW
	);

	const up = randomFile('customer-report.bin', 2 * 1024 * 1024);
	await s.customer.getByLabel('Send file').setInputFiles([up]);
	await s.agent.waitFor('dialog', 'Incoming file transfer');
	await s.agent.click('button', 'Save');
	expect(await s.agent.downloaded('customer-report.bin', up.buffer.length)).toEqual({
		size: up.buffer.length,
		sha256: sha256(up.buffer)
	});
	await expect(transferRow(s.customer, 'customer-report.bin')).toContainText(/verified/i, SLOW);

	const down = randomFile('agent-fix.bin', 1024 * 1024);
	await s.agent.setInputFiles([down]);
	await expect(incoming(s.customer)).toContainText('agent-fix.bin', SLOW);
	await incoming(s.customer).getByRole('button', { name: 'Save' }).click();
	await expect(transferRow(s.customer, 'agent-fix.bin')).toContainText(/verified/i, SLOW);
	expect(await privateFileDigest(s.customer, 'agent-fix.bin')).toEqual({
		size: down.buffer.length,
		sha256: sha256(down.buffer)
	});
	await s.close();
});

test('an Italian Firefox customer: the join page and the connected toolbar have no axe violations', async ({
	browser,
	firefox
}) => {
	const s = await firefoxCustomer(browser, firefox, { name: 'Giulia', locale: 'it-IT, it' });
	expect(await s.customer.evaluate(() => document.documentElement.lang)).toBe('it');
	await s.customer.waitForText('Condividi schermo');
	expect(await axeViolations(s.customer)).toEqual([]);

	const join = await firefox.newPage({ locale: 'it-IT, it' });
	await join.goto('/');
	await join.waitFor('heading', 'Partecipa a una sessione di supporto');
	expect(await join.evaluate(() => document.documentElement.lang)).toBe('it');
	expect(await axeViolations(join)).toEqual([]);
	await s.close();
});

const AXE_SOURCE = fs.readFileSync('node_modules/axe-core/axe.min.js', 'utf8');

/** axe-core run in the page (injected by evaluation: the app's CSP refuses a script tag). */
async function axeViolations(page: FirefoxPage) {
	await page.evaluate(AXE_SOURCE);
	return page.evaluate(async (tags) => {
		// @ts-expect-error axe-core's global, just injected
		const results = await window.axe.run(document, { runOnly: { type: 'tag', values: tags } });
		return (results.violations as { id: string; help: string }[]).map((v) => `${v.id}: ${v.help}`);
	}, WCAG_TAGS);
}
