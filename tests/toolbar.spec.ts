import { expect, test, type Page } from '@playwright/test';
import { expectAdvancingFrames, keepCapturedStreams, routeData, startSession } from './helpers';

async function share(customer: Page, agent: Page) {
	await customer.getByRole('button', { name: 'Share screen' }).click();
	await expect(customer.getByRole('button', { name: 'Stop sharing' })).toBeVisible();
	await expectAdvancingFrames(agent, 'Customer screen');
}

test('stop, request, Yes: the agent sees the screen again on the same connection', async ({
	browser
}) => {
	const s = await startSession(browser);
	await share(s.customer, s.agent);

	await s.customer.getByRole('button', { name: 'Stop sharing' }).click();
	await expect(s.customer.getByText('Administrator cannot see your screen')).toBeVisible();
	await expect(s.customer.getByRole('button', { name: 'Share screen' })).toBeVisible();
	await expect(s.agent.getByText(/stopped sharing/).first()).toBeVisible();
	await expect(s.agent.getByLabel('Customer screen')).toBeHidden();

	await s.agent.getByRole('button', { name: 'Request screen' }).click();
	const dialog = s.customer.getByRole('dialog', {
		name: 'Administrator asks to see your screen again'
	});
	await expect(dialog).toBeVisible();
	await dialog.getByRole('button', { name: 'Yes' }).click();
	await expect(s.customer.getByRole('button', { name: 'Stop sharing' })).toBeVisible();
	await expectAdvancingFrames(s.agent, 'Customer screen');

	// A second request right away is refused (once per 10 s), and the agent is told why.
	await s.customer.getByRole('button', { name: 'Stop sharing' }).click();
	await expect(s.agent.getByText(/stopped sharing/).first()).toBeVisible();
	await s.agent.getByRole('button', { name: 'Request screen' }).click();
	await expect(s.agent.getByRole('alert')).toHaveText(/wait a few seconds/);
	await s.close();
});

test('the customer can say No, and the agent is told', async ({ browser }) => {
	const s = await startSession(browser);
	await share(s.customer, s.agent);
	await s.customer.getByRole('button', { name: 'Stop sharing' }).click();
	await s.agent.getByRole('button', { name: 'Request screen' }).click();
	await s.customer
		.getByRole('dialog', { name: 'Administrator asks to see your screen again' })
		.getByRole('button', { name: 'No' })
		.click();
	await expect(s.agent.getByText('Maria Rossi said no to sharing their screen.')).toBeVisible();
	await expect(s.agent.getByLabel('Customer screen')).toBeHidden();
	await s.close();
});

test("the browser's own Stop sharing ends the share, and only a request restarts it", async ({
	browser
}) => {
	const s = await startSession(browser, { prepareCustomer: keepCapturedStreams });
	await share(s.customer, s.agent);
	// The browser's "Stop sharing" bar ends the track (fires `ended`).
	await s.customer.evaluate(() => {
		const track = (
			window as unknown as { __lastCapture: MediaStream }
		).__lastCapture.getVideoTracks()[0];
		track.stop();
		track.dispatchEvent(new Event('ended'));
	});
	await expect(s.agent.getByText(/stopped sharing/).first()).toBeVisible();
	await expect(s.customer.getByRole('button', { name: 'Share screen' })).toBeDisabled();
	await s.agent.getByRole('button', { name: 'Request screen' }).click();
	await s.customer
		.getByRole('dialog', { name: 'Administrator asks to see your screen again' })
		.getByRole('button', { name: 'Yes' })
		.click();
	await expectAdvancingFrames(s.agent, 'Customer screen');
	await s.close();
});

test("the agent's screen reaches the customer's viewer; closing the viewer keeps the session", async ({
	browser
}) => {
	const s = await startSession(browser);
	await s.agent.getByRole('button', { name: 'Share my screen' }).click();
	await expect(s.agent.getByRole('button', { name: 'Stop sharing my screen' })).toBeVisible();
	await expectAdvancingFrames(s.customer, 'Agent screen');

	await s.customer.getByRole('button', { name: 'Close viewer' }).click();
	await expect(s.customer.getByLabel('Agent screen')).toBeHidden();
	// Still in the session: chat works both ways.
	await s.customer.getByLabel('Message').fill('Viewer closed, still here');
	await s.customer.getByRole('button', { name: 'Send', exact: true }).click();
	await expect(s.agent.getByRole('log', { name: 'Chat' })).toContainText(
		'Viewer closed, still here'
	);

	await s.customer.getByRole('button', { name: 'Open viewer' }).click();
	await expectAdvancingFrames(s.customer, 'Agent screen');
	await s.agent.getByRole('button', { name: 'Stop sharing my screen' }).click();
	await expect(s.customer.getByLabel('Agent screen')).toBeHidden();
	await s.close();
});

test('a message to a collapsed chat expands it, and the log is kept', async ({ browser }) => {
	const s = await startSession(browser);
	await s.agent.getByLabel('Message').fill('First message');
	await s.agent.getByRole('button', { name: 'Send', exact: true }).click();
	const log = s.customer.getByRole('log', { name: 'Chat' });
	await expect(log).toContainText('First message');

	const chatToggle = s.customer.getByRole('button', { name: /^Chat/ });
	await chatToggle.click();
	await expect(chatToggle).toHaveAttribute('aria-expanded', 'false');
	await expect(log).toBeHidden();

	await s.agent.getByLabel('Message').fill('Second message');
	await s.agent.getByRole('button', { name: 'Send', exact: true }).click();
	await expect(chatToggle).toHaveAttribute('aria-expanded', 'true');
	await expect(log).toBeVisible();
	await expect(log).toContainText('First message');
	await expect(log).toContainText('Second message');
	await s.close();
});

test('ending leaves both pages ended and the old ticket is refused by signaling', async ({
	browser
}) => {
	const s = await startSession(browser);
	const data = await routeData(s.customer, '/session');
	await s.agent.getByRole('button', { name: 'End session' }).click();
	await s.agent
		.getByRole('dialog', { name: 'End the session?' })
		.getByRole('button', { name: 'Yes' })
		.click();
	await expect(s.agent.getByText('Session ended')).toBeVisible();
	await expect(s.customer.getByRole('heading', { name: 'The session has ended' })).toBeVisible();

	const page = await (await browser.newContext()).newPage();
	await page.addScriptTag({ path: 'node_modules/peerjs/dist/peerjs.min.js' });
	const port = new URL(s.agent.url()).port;
	const outcome = await page.evaluate(
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
				peer.on('open', () => resolve('open'));
				peer.on('error', (error: { type: string }) => resolve(`error:${error.type}`));
				setTimeout(() => resolve('timeout'), 8000);
			}),
		{ id: data.peerId as string, token: data.ticket as string, port }
	);
	expect(outcome).toMatch(/^error:/);
	await page.context().close();
	await s.close();
});

test('the customer can report abuse from the end dialog; administrators see it', async ({
	browser
}) => {
	const s = await startSession(browser, 'Scared Customer');
	await s.customer.getByRole('button', { name: 'End session' }).click();
	await s.customer
		.getByRole('dialog', { name: 'End the session?' })
		.getByRole('button', { name: 'Report abuse' })
		.click();
	await expect(s.customer.getByRole('heading', { name: 'The session has ended' })).toBeVisible();
	await s.customer
		.getByLabel('What happened?')
		.fill('He said he was from my bank <script>x</script>');
	await s.customer.getByLabel('How can we reach you? (optional)').fill('scared@example.test');
	await s.customer.getByRole('button', { name: 'Send report' }).click();
	await expect(s.customer.getByText(/your report was sent/)).toBeVisible();

	await s.agent.goto('/admin/abuse');
	await expect(s.agent.getByText('He said he was from my bank <script>x</script>')).toBeVisible();
	await expect(s.agent.getByText('Scared Customer').first()).toBeVisible();
	await s.close();
});

test('the popped-out toolbar works in its own window: its buttons act, and it comes back', async ({
	browser
}) => {
	const s = await startSession(browser);
	await share(s.customer, s.agent);
	await s.customer.getByRole('button', { name: 'Pop out toolbar' }).click();
	// The toolbar's nodes now live in the Picture-in-Picture window's document.
	const clickInPip = (name: string) =>
		s.customer.evaluate((name) => {
			const pip = (window as unknown as { documentPictureInPicture: { window: Window | null } })
				.documentPictureInPicture.window;
			const button = [...(pip?.document.querySelectorAll('button') ?? [])].find(
				(b) => b.textContent?.trim() === name
			);
			if (!button) return false;
			button.click();
			return true;
		}, name);
	await expect.poll(() => clickInPip('Stop sharing')).toBe(true);
	await expect(s.agent.getByText(/stopped sharing/).first()).toBeVisible();
	await expect(s.agent.getByLabel('Customer screen')).toBeHidden();

	// Its own Pop out toolbar button (pressed) puts the toolbar back in the page.
	expect(await clickInPip('Pop out toolbar')).toBe(true);
	await expect(s.customer.getByRole('button', { name: 'Pop out toolbar' })).toHaveAttribute(
		'aria-pressed',
		'false'
	);
	await expect(s.customer.getByRole('button', { name: 'Share screen' })).toBeVisible();
	await s.close();
});
