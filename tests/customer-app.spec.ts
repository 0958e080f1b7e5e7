import { expect, test, type Page } from '@playwright/test';
import { adminPage, newAgentAccount, query, startSessionAs, userId } from './admin-helpers';
import { database, newClient, startSession } from './helpers';

/** What Ponte has stored in this browser: IndexedDB databases, caches, service workers. */
async function storedByPonte(page: Page) {
	return page.evaluate(async () => ({
		databases: (await indexedDB.databases()).map((d) => d.name).sort(),
		caches: await caches.keys(),
		workers: (await navigator.serviceWorker.getRegistrations()).length
	}));
}

/** Waits until the service worker is active and has the app shell in its cache. */
async function shellCached(page: Page) {
	await page.evaluate(() => navigator.serviceWorker.ready);
	await expect
		.poll(() =>
			page.evaluate(async () => {
				for (const key of await caches.keys()) {
					if (await (await caches.open(key)).match('/')) return true;
				}
				return false;
			})
		)
		.toBe(true);
}

async function customerEnds(page: Page) {
	await page.getByRole('button', { name: 'End session' }).click();
	await page
		.getByRole('dialog', { name: 'End the session?' })
		.getByRole('button', { name: 'Yes' })
		.click();
	await expect(page.getByRole('heading', { name: 'The session has ended' })).toBeVisible();
}

test('the web manifest describes an installable app with its icons', async ({ request }) => {
	const response = await request.get('/manifest.webmanifest');
	expect(response.ok()).toBe(true);
	expect(response.headers()['content-type']).toContain('application/manifest+json');
	const manifest = await response.json();
	expect(manifest).toMatchObject({
		name: 'Ponte',
		lang: 'en',
		description: expect.stringContaining('Remote support in your browser'),
		start_url: '/',
		display: 'standalone',
		theme_color: '#1f57c4'
	});
	// In the browser's language: what a customer reads when installing the app.
	const italian = await request.get('/manifest.webmanifest', {
		headers: { 'accept-language': 'it-IT,it;q=0.9' }
	});
	expect(await italian.json()).toMatchObject({
		lang: 'it',
		description: expect.stringContaining('Assistenza remota nel browser')
	});
	const purposes = new Set<string>();
	for (const icon of manifest.icons as { src: string; sizes: string; purpose: string }[]) {
		const image = await request.get(icon.src);
		expect(image.ok()).toBe(true);
		expect(image.headers()['content-type']).toBe('image/png');
		const body = await image.body();
		// PNG header: width and height are big-endian at bytes 16 and 20.
		const [width, height] = icon.sizes.split('x').map(Number);
		expect([body.readUInt32BE(16), body.readUInt32BE(20)]).toEqual([width, height]);
		purposes.add(icon.purpose);
	}
	expect(purposes).toEqual(new Set(['any', 'maskable']));
	for (const size of ['192x192', '512x512']) {
		expect(manifest.icons.some((i: { sizes: string }) => i.sizes === size)).toBe(true);
	}
});

test('the app shell opens from the service worker and says when it is offline', async ({
	browser
}) => {
	const context = await newClient(browser);
	const page = await context.newPage();
	await page.goto('/');
	await expect(page.locator('link[rel="manifest"]')).toHaveAttribute(
		'href',
		/manifest\.webmanifest$/
	);
	await shellCached(page);
	// No Install app button until the browser offers installation.
	await expect(page.getByRole('button', { name: 'Install app' })).toHaveCount(0);
	await page.evaluate(() => {
		const offer = Object.assign(new Event('beforeinstallprompt', { cancelable: true }), {
			prompt: async () => undefined,
			userChoice: Promise.resolve({ outcome: 'dismissed' })
		});
		dispatchEvent(offer);
	});
	await expect(page.getByRole('button', { name: 'Install app' })).toBeVisible();
	await expect(page.getByText('You are offline')).toHaveCount(0);

	await context.setOffline(true);
	await page.reload();
	await expect(page.getByRole('heading', { name: 'Join a support session' })).toBeVisible();
	await expect(
		page.getByText('You are offline: Ponte will connect when the network is back.')
	).toBeVisible();
	await expect(page.getByRole('button', { name: 'Join' })).toBeDisabled();

	await context.setOffline(false);
	await expect(page.getByText('You are offline')).toHaveCount(0);
	await expect(page.getByRole('button', { name: 'Join' })).toBeEnabled();
	await context.close();
});

test('with remove-at-end off the app stays and remembers the name', async ({ browser }) => {
	const s = await startSession(browser, 'Giulia Bianchi');
	await shellCached(s.customer);
	await customerEnds(s.customer);
	await expect(
		s.customer.getByText('The Ponte app stays available in this browser for next time.')
	).toBeVisible();
	const stored = await storedByPonte(s.customer);
	expect(stored.databases).toContain('ponte-customer');
	expect(stored.caches.length).toBeGreaterThan(0);
	expect(stored.workers).toBe(1);

	await s.customer.goto('/');
	await expect(s.customer.getByRole('heading', { name: 'Join a support session' })).toBeVisible();
	await expect(s.customer.getByLabel('Your name')).toHaveValue('Giulia Bianchi');
	await s.close();
});

test('with remove-at-end on, ending the session removes everything Ponte stored', async ({
	browser
}) => {
	const admin = await adminPage(browser);
	const agent = await newAgentAccount(browser, admin.page, { name: 'Remover' });
	await admin.context.close();
	// This agent's own override: remove the customer app at the end of the session.
	const db = database();
	try {
		db.prepare(
			'INSERT INTO agent_overrides (user_id, remove_customer_app_at_end, updated_at) VALUES (?, 1, ?)'
		).run(userId(agent.email), Date.now());
	} finally {
		db.close();
	}

	for (const endedBy of ['customer', 'agent'] as const) {
		const s = await startSessionAs(browser, agent, 'Paolo Verdi');
		await shellCached(s.customer);
		expect((await storedByPonte(s.customer)).databases).toContain('ponte-customer');
		if (endedBy === 'customer') {
			await customerEnds(s.customer);
		} else {
			await s.agent.getByRole('button', { name: 'End session' }).click();
			await s.agent
				.getByRole('dialog', { name: 'End the session?' })
				.getByRole('button', { name: 'Yes' })
				.click();
			await expect(
				s.customer.getByRole('heading', { name: 'The session has ended' })
			).toBeVisible();
		}
		await expect(
			s.customer.getByText('Ponte has been removed from this browser: nothing it stored is left.')
		).toBeVisible();
		expect(await storedByPonte(s.customer)).toEqual({ databases: [], caches: [], workers: 0 });
		await s.close();
	}
	expect(
		query<{ n: number }>(
			"SELECT count(*) AS n FROM support_sessions WHERE agent_id = ? AND status = 'ended'",
			userId(agent.email)
		)[0].n
	).toBe(2);
});
