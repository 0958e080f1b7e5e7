import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { join, logIn, newClient, newSession, saveToPrivateFiles, startSession } from './helpers';

const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/**
 * Runs axe on the page as it is now; any violation fails the test (softly, to list them all).
 * Text whose contrast axe cannot measure (e.g. over a gradient) fails too: it is unverified.
 */
async function expectAccessible(page: Page, state: string) {
	const results = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
	const describe = (v: (typeof results.violations)[number]) =>
		`${v.id} (${v.impact ?? 'unknown'}): ${v.help}\n${v.nodes
			.slice(0, 5)
			.map((n) => `    ${n.target.join(' ')}: ${n.failureSummary?.split('\n')[1]?.trim()}`)
			.join('\n')}`;
	expect.soft(results.violations.map(describe), `axe violations on ${state}`).toEqual([]);
	const unmeasured = results.incomplete
		.filter((v) => v.id === 'color-contrast')
		.map((v) => ({
			...v,
			// An aria-hidden arrow glyph is decoration, not text to measure; text under an open
			// dialog (the incoming-file one floats over the chat) is not seen until it closes.
			nodes: v.nodes.filter(
				(n) =>
					!/only non-text characters|overlapped by another element/.test(n.failureSummary ?? '')
			)
		}))
		.filter((v) => v.nodes.length > 0);
	expect.soft(unmeasured.map(describe), `unmeasured contrast on ${state}`).toEqual([]);
}

test('join, join link and login pages have no axe violations', async ({ browser }) => {
	const context = await newClient(browser);
	const page = await context.newPage();
	await page.goto('/');
	await expectAccessible(page, 'join page');

	await join(page, '000000000', 'Maria Rossi');
	await expect(page.getByRole('alert')).toBeVisible();
	await expectAccessible(page, 'join page with a wrong code');

	await page.goto('/join/123456789');
	await expect(page.getByLabel('Session code')).toHaveValue('123 456 789');
	await expectAccessible(page, '/join/[code]');

	await page.goto('/login');
	await page.getByLabel('Email').fill('nobody@ponte.test');
	await page.getByLabel('Password').fill('not the password');
	await page.getByRole('button', { name: 'Log in' }).click();
	await expect(page.getByRole('alert')).toBeVisible();
	await expectAccessible(page, 'login with an error');
	await context.close();
});

test('the customer toolbar, the agent viewer and their dialogs have no axe violations', async ({
	browser
}) => {
	// The agent's waiting screen, with the code, before anyone joins.
	const agentContext = await newClient(browser);
	await saveToPrivateFiles(agentContext);
	const agent = await agentContext.newPage();
	await logIn(agent);
	const { code } = await newSession(agent);
	await expectAccessible(agent, 'agent viewer waiting with the code');

	const customerContext = await newClient(browser);
	await saveToPrivateFiles(customerContext);
	const customer = await customerContext.newPage();
	await join(customer, code, 'Maria Rossi');
	// Connection and sharing changes are spoken: they sit in status regions.
	await expect(
		customer.getByRole('status').filter({ hasText: /Connected securely/ })
	).toBeVisible();
	await expect(
		customer.getByRole('status').filter({ hasText: 'Administrator cannot see your screen' })
	).toBeVisible();
	await expect(agent.getByRole('heading', { name: 'Session with Maria Rossi' })).toBeVisible();
	await expectAccessible(customer, 'toolbar: connected, not sharing');
	await expectAccessible(agent, 'agent viewer: connected, not sharing');

	await customer.getByRole('button', { name: 'Share screen' }).click();
	await expect(customer.getByRole('button', { name: 'Stop sharing' })).toBeVisible();
	await expect(
		customer.getByRole('status').filter({ hasText: 'Sharing your screen' })
	).toBeVisible();
	await expect(agent.getByRole('status').filter({ hasText: /^Connected$/ })).toBeVisible();
	await expectAccessible(customer, 'toolbar: sharing');
	await expectAccessible(agent, "agent viewer: the customer's screen shown");

	await agent.getByRole('button', { name: 'Invite agent' }).click();
	await expect(agent.getByRole('dialog', { name: 'Invite an agent' })).toBeVisible();
	await expectAccessible(agent, 'agent viewer: invite dialog open');
	await agent.keyboard.press('Escape');
	await expect(agent.getByRole('dialog', { name: 'Invite an agent' })).toBeHidden();

	await customer.getByRole('button', { name: 'Verify connection' }).click();
	const verify = customer.getByRole('dialog', { name: 'Verify connection' });
	await expect(verify.getByText('Safety code')).toBeVisible();
	await expectAccessible(customer, 'toolbar: verify-connection dialog');
	await customer.keyboard.press('Escape');
	await expect(verify).toBeHidden();

	await customer.getByRole('button', { name: 'Stop sharing' }).click();
	await expect(customer.getByText(/You stopped sharing/)).toBeVisible();
	await expectAccessible(customer, 'toolbar: stopped');

	await agent.getByRole('button', { name: 'Request screen' }).click();
	const request = customer.getByRole('dialog', {
		name: 'Administrator asks to see your screen again'
	});
	await expect(request).toBeVisible();
	await expectAccessible(customer, 'toolbar: "asks to see your screen again" dialog');
	await request.getByRole('button', { name: 'No' }).click();

	// A file from the agent: the customer's incoming-file dialog and both transfers panels.
	await agent
		.getByLabel('Send file')
		.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
	const incoming = customer.getByRole('dialog', { name: 'Incoming file transfer' });
	await expect(incoming).toBeVisible();
	await expectAccessible(customer, 'toolbar: incoming-file dialog');
	await incoming.getByRole('button', { name: 'Save' }).click();
	await expect(
		customer.getByRole('region', { name: 'Transfers' }).getByRole('listitem')
	).toContainText(/verified/i);
	// Transfer state changes are spoken from the panel's status region.
	await expect(
		customer.getByRole('region', { name: 'Transfers' }).getByRole('status')
	).toContainText(/notes\.txt: .*verified/i);
	await expectAccessible(customer, 'toolbar: transfers panel');
	await expectAccessible(agent, 'agent viewer: transfers panel');

	// Escape answers No to an incoming file, as in the other dialogs.
	await agent
		.getByLabel('Send file')
		.setInputFiles({ name: 'unwanted.txt', mimeType: 'text/plain', buffer: Buffer.from('no') });
	await expect(incoming).toContainText('unwanted.txt');
	await incoming.focus();
	await customer.keyboard.press('Escape');
	await expect(incoming).toBeHidden();
	await expect(
		agent.getByRole('region', { name: 'Transfers' }).getByRole('listitem').first()
	).toContainText(/declined/i);

	// A chat message reaches the other side's log, a polite live region.
	await customer.getByLabel('Message').fill('Thanks, got the notes.');
	await customer.keyboard.press('Enter');
	const agentLog = agent.getByRole('log', { name: 'Chat' });
	await expect(agentLog).toContainText('Thanks, got the notes.');
	await expect(agentLog).toHaveAttribute('aria-live', 'polite');

	await customer.getByRole('button', { name: 'End session' }).click();
	const end = customer.getByRole('dialog', { name: 'End the session?' });
	await expect(end).toBeVisible();
	await expectAccessible(customer, 'toolbar: end-session dialog');
	await end.getByRole('button', { name: 'Report abuse' }).click();
	await expect(customer.getByRole('heading', { name: 'The session has ended' })).toBeVisible();
	await expect(customer.getByLabel('What happened?')).toBeVisible();
	await expectAccessible(customer, 'ended page with the abuse report form');
	await expectAccessible(agent, 'agent viewer: ended');

	await customer.reload();
	await expect(customer.getByRole('heading', { name: 'The session has ended' })).toBeVisible();
	await expectAccessible(customer, 'ended page after a reload');

	await agentContext.close();
	await customerContext.close();
});

test('the console, reports and admin pages have no axe violations', async ({ browser }) => {
	const s = await startSession(browser, 'Giulia');
	await s.customer.getByLabel('Message').fill('Hello, the printer is offline.');
	await s.customer.keyboard.press('Enter');
	await expect(s.agent.getByRole('log', { name: 'Chat' })).toContainText('printer is offline');
	await s.agent.getByRole('button', { name: 'End session' }).click();
	await s.agent
		.getByRole('dialog', { name: 'End the session?' })
		.getByRole('button', { name: 'Yes' })
		.click();
	await expect(s.customer.getByRole('heading', { name: 'The session has ended' })).toBeVisible();
	const agent = s.agent;

	for (const [route, state] of [
		['/agent', 'agent console'],
		['/agent/reports', 'reports'],
		[`/agent/reports/${s.sessionId}`, 'a report'],
		['/admin', 'admin: agents'],
		['/admin/groups', 'admin: groups'],
		['/admin/audit', 'admin: audit'],
		['/admin/abuse', 'admin: abuse reports']
	]) {
		await agent.goto(route);
		await expect(agent.getByRole('heading', { level: 1 })).toBeVisible();
		await expectAccessible(agent, state);
	}
	await s.close();
});

interface Focused {
	name: string;
	tag: string;
	outline: string;
	inDialog: string | null;
}

/** What has keyboard focus: its accessible-ish name, its outline, and its open dialog if any. */
async function focused(page: Page): Promise<Focused | null> {
	return page.evaluate(() => {
		const element = document.activeElement as HTMLElement | null;
		if (!element || element === document.body) return null;
		const label = (element as HTMLInputElement).labels?.[0]?.textContent;
		// A visually hidden file input shows its focus on the label around it.
		const shown = element.classList.contains('sr-only') ? element.closest('label') : element;
		const style = getComputedStyle(shown ?? element);
		const dialog = element.closest('dialog[open], [role="dialog"]');
		return {
			name: (element.getAttribute('aria-label') ?? label ?? element.textContent ?? '').trim(),
			tag: element.tagName.toLowerCase(),
			outline: `${style.outlineStyle} ${style.outlineWidth}`,
			inDialog: dialog
				? (document.getElementById(dialog.getAttribute('aria-labelledby') ?? '')?.textContent ?? '')
				: null
		};
	});
}

/** Focus is drawn: a solid outline at least 2 px wide (the :focus-visible style). */
async function expectVisibleFocus(page: Page) {
	const now = await focused(page);
	expect(now, 'something has focus').not.toBeNull();
	const [style, width] = now!.outline.split(' ');
	expect(style, `outline on ${now!.name}`).not.toBe('none');
	expect(parseFloat(width), `outline width on ${now!.name}`).toBeGreaterThanOrEqual(2);
}

/** Presses Tab (or Shift+Tab) until the named control has focus; every stop shows its focus. */
async function tabTo(page: Page, name: string, backwards = false) {
	for (let presses = 0; presses < 40; presses++) {
		await page.keyboard.press(backwards ? 'Shift+Tab' : 'Tab');
		const now = await focused(page);
		if (!now) continue;
		await expectVisibleFocus(page);
		if (now.name === name) return;
	}
	throw new Error(`${name} was not reached with the keyboard`);
}

test('the whole customer flow works with the keyboard alone', async ({ browser }) => {
	const agentContext = await newClient(browser);
	const agent = await agentContext.newPage();
	await logIn(agent);
	const { code } = await newSession(agent);

	const customerContext = await newClient(browser);
	const customer = await customerContext.newPage();
	await customer.goto('/');
	await tabTo(customer, 'Session code');
	await customer.keyboard.type(code);
	await tabTo(customer, 'Your name');
	await customer.keyboard.type('Keyboard User');
	await customer.keyboard.press('Enter');
	await expect(customer).toHaveURL(/\/session$/);
	await expect(customer.getByText(/Connected securely/)).toBeVisible();

	await tabTo(customer, 'Share screen');
	await customer.keyboard.press('Space');
	// Share screen gives way to Stop sharing, and focus follows instead of getting lost.
	await expect(customer.getByRole('button', { name: 'Stop sharing' })).toBeFocused();
	await expectVisibleFocus(customer);
	await expect(agent.getByText('Connected', { exact: true })).toBeVisible();

	await tabTo(customer, 'Message');
	await customer.keyboard.type('I only use the keyboard.');
	await customer.keyboard.press('Enter');
	await expect(agent.getByRole('log', { name: 'Chat' })).toContainText('I only use the keyboard.');
	await expect(customer.getByRole('log', { name: 'Chat' })).toHaveAttribute('aria-live', 'polite');

	// The end dialog: focus moves in (to the safe answer), stays in, Escape closes it and
	// focus returns to the button that opened it.
	await tabTo(customer, 'End session', true);
	await customer.keyboard.press('Enter');
	const dialog = customer.getByRole('dialog', { name: 'End the session?' });
	await expect(dialog).toBeVisible();
	expect(await focused(customer)).toMatchObject({ name: 'No', inDialog: 'End the session?' });
	await expectVisibleFocus(customer);
	for (let presses = 0; presses < 8; presses++) {
		await customer.keyboard.press('Tab');
		const now = await focused(customer);
		// Past the last control focus may leave the page for the browser's own UI, never the page.
		if (now) expect(now.inDialog, `${now.name} is inside the dialog`).toBe('End the session?');
	}
	await customer.keyboard.press('Escape');
	await expect(dialog).toBeHidden();
	expect(await focused(customer)).toMatchObject({ name: 'End session', inDialog: null });

	await customer.keyboard.press('Enter');
	await expect(dialog).toBeVisible();
	await tabTo(customer, 'Yes');
	expect((await focused(customer))?.inDialog).toBe('End the session?');
	await customer.keyboard.press('Enter');
	const ended = customer.getByRole('heading', { name: 'The session has ended' });
	await expect(ended).toBeVisible();
	await expect(ended).toBeFocused();
	await expect(agent.getByRole('status').filter({ hasText: 'Session ended' })).toBeVisible();

	await agentContext.close();
	await customerContext.close();
});

test('the agent viewer dialogs trap focus, close on Escape and give focus back', async ({
	browser
}) => {
	const s = await startSession(browser);
	for (const [opener, title] of [
		['Invite agent', 'Invite an agent'],
		['Verify connection', 'Verify connection'],
		['End session', 'End the session?']
	]) {
		const button = s.agent.getByRole('button', { name: opener, exact: true });
		await button.focus();
		await s.agent.keyboard.press('Enter');
		await expect(s.agent.getByRole('dialog', { name: title })).toBeVisible();
		for (let presses = 0; presses < 6; presses++) {
			await s.agent.keyboard.press('Tab');
			const now = await focused(s.agent);
			if (now) {
				expect(now.inDialog, `${now.name} is inside ${title}`).toBe(title);
				await expectVisibleFocus(s.agent);
			}
		}
		await s.agent.keyboard.press('Escape');
		await expect(s.agent.getByRole('dialog', { name: title })).toBeHidden();
		await expect(button).toBeFocused();
	}
	await s.close();
});

/** Fails when the page scrolls sideways or a control sticks out of the viewport. */
async function expectNoHorizontalOverflow(page: Page, state: string) {
	const overflow = await page.evaluate(() => {
		const width = document.documentElement.clientWidth;
		const sticking = [...document.querySelectorAll<HTMLElement>('button, input, textarea, h1, a')]
			.filter((e) => e.offsetParent !== null && e.getBoundingClientRect().right > width + 1)
			.map((e) => e.textContent?.trim() || e.id || e.tagName);
		return { scroll: document.documentElement.scrollWidth - width, sticking };
	});
	expect(overflow, `horizontal overflow on ${state}`).toEqual({ scroll: 0, sticking: [] });
}

test('the customer pages and the viewer hold at 360 px wide and at 200 % zoom', async ({
	browser
}) => {
	const s = await startSession(browser);
	await s.customer.getByRole('button', { name: 'Share screen' }).click();
	await expect(s.customer.getByRole('button', { name: 'Stop sharing' })).toBeVisible();
	const join = await (await newClient(browser)).newPage();
	const waiting = await s.agentContext.newPage();
	await newSession(waiting);
	// 360×740 is a small phone; 640×400 is a 1280×800 screen at 200 % zoom.
	for (const [width, height] of [
		[360, 740],
		[640, 400]
	]) {
		for (const [page, name] of [
			[join, 'join'],
			[s.customer, 'toolbar'],
			[s.agent, 'viewer'],
			[waiting, 'viewer-waiting']
		] as const) {
			await page.setViewportSize({ width, height });
			if (name === 'join') await page.goto('/');
			await page.screenshot({
				path: test.info().outputPath(`${name}-${width}x${height}.png`),
				fullPage: true
			});
			await expectNoHorizontalOverflow(page, `${name} at ${width}×${height}`);
		}
	}
	// A file offer at phone size: the dialog must be where the customer looks, not off-screen.
	await s.customer.setViewportSize({ width: 360, height: 740 });
	await s.agent
		.getByLabel('Send file')
		.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
	const offer = s.customer.getByRole('dialog', { name: 'Incoming file transfer' });
	await expect(offer).toBeVisible();
	await s.customer.screenshot({ path: test.info().outputPath('incoming-file-360x740.png') });
	await expect(offer).toBeInViewport();
	await expectNoHorizontalOverflow(s.customer, 'incoming file at 360×740');
	await join.context().close();
	await s.close();
});
