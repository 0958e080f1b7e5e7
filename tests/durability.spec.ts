/**
 * Killing the server (`kill -9`) while events are written loses nothing it acknowledged, and
 * what it did not acknowledge arrives later: re-posted batches complete without duplicates, and
 * the agent's page keeps unsent events (IndexedDB) until the server is back.
 */
import { expect, test } from '@playwright/test';
import { newClient } from './helpers';
import { OWN_ADMIN as ADMIN, OwnServer } from './own-server';

async function logInForCookie(server: OwnServer): Promise<string> {
	const response = await fetch(`${server.origin}/login`, {
		method: 'POST',
		redirect: 'manual',
		// A plain form post (not the enhanced one, which is answered with JSON).
		headers: {
			'content-type': 'application/x-www-form-urlencoded',
			accept: 'text/html',
			origin: server.origin
		},
		body: new URLSearchParams(ADMIN).toString()
	});
	expect(response.status).toBe(303);
	const cookie = response.headers.getSetCookie().find((c) => c.startsWith('ponte_session='));
	expect(cookie).toBeTruthy();
	return cookie!.split(';')[0];
}

async function newSessionId(server: OwnServer, cookie: string): Promise<string> {
	const response = await fetch(`${server.origin}/agent?/create`, {
		method: 'POST',
		redirect: 'manual',
		headers: {
			cookie,
			origin: server.origin,
			accept: 'text/html',
			'content-type': 'application/x-www-form-urlencoded'
		},
		body: ''
	});
	expect(response.status).toBe(303);
	return response.headers.get('location')!.split('/').pop()!;
}

interface Batch {
	ids: string[];
	body: string;
}

function batch(writer: number, index: number, size = 25): Batch {
	const events = Array.from({ length: size }, (_, i) => ({
		id: `w${writer}-b${index}-e${i}`,
		type: 'chat',
		at: Date.now(),
		data: { name: 'Load', role: 'agent', text: `writer ${writer} batch ${index} event ${i}` }
	}));
	return { ids: events.map((e) => e.id), body: JSON.stringify({ events }) };
}

test('kill -9 mid-stream: acknowledged events survive; re-posted batches complete once', async () => {
	test.setTimeout(120_000);
	const server = new OwnServer(50);
	try {
		await server.start();
		const cookie = await logInForCookie(server);
		const sessionId = await newSessionId(server, cookie);
		const post = (b: Batch) =>
			fetch(`${server.origin}/api/sessions/${sessionId}/events`, {
				method: 'POST',
				headers: { 'content-type': 'application/json', cookie, origin: server.origin },
				body: b.body
			});

		const acknowledged: Batch[] = [];
		const unacknowledged: Batch[] = [];
		let killed = false;
		// Three writers post batches back to back until the server dies under them.
		const writers = [0, 1, 2].map(async (writer) => {
			for (let index = 0; ; index++) {
				const b = batch(writer, index);
				try {
					const response = await post(b);
					if (response.status !== 200) throw new Error(`status ${response.status}`);
					acknowledged.push(b);
				} catch {
					unacknowledged.push(b);
					if (killed) return;
				}
			}
		});
		await expect.poll(() => acknowledged.length, { timeout: 20_000 }).toBeGreaterThan(30);
		killed = true;
		await server.kill();
		await Promise.all(writers);
		expect(unacknowledged.length).toBeGreaterThan(0);

		// Every acknowledged event is on disk, read straight from the file the dead server left.
		const ackedIds = acknowledged.flatMap((b) => b.ids);
		let db = server.database();
		const stored = new Set(
			(
				db.prepare('SELECT id FROM session_events WHERE session_id = ?').all(sessionId) as {
					id: string;
				}[]
			).map((r) => r.id)
		);
		db.close();
		expect(ackedIds.filter((id) => !stored.has(id))).toEqual([]);
		// All or nothing: a batch is either wholly stored or not at all.
		for (const b of unacknowledged) {
			const present = b.ids.filter((id) => stored.has(id)).length;
			expect([0, b.ids.length]).toContain(present);
		}

		// Back up: the page re-posts what it never got an answer for.
		await server.start();
		for (const b of unacknowledged) expect((await post(b)).status).toBe(200);
		// A retried acknowledged batch changes nothing either.
		expect((await post(acknowledged[0])).status).toBe(200);

		db = server.database();
		const counts = db
			.prepare(
				'SELECT count(*) AS total, count(DISTINCT id) AS distinctIds FROM session_events WHERE session_id = ? AND type = ?'
			)
			.get(sessionId, 'chat') as { total: number; distinctIds: number };
		db.close();
		const everyId = new Set([...ackedIds, ...unacknowledged.flatMap((b) => b.ids)]);
		expect(counts).toEqual({ total: everyId.size, distinctIds: everyId.size });
		console.log(
			`kill -9 test: ${acknowledged.length} batches acknowledged before the kill, ${unacknowledged.length} re-posted, ${everyId.size} events stored once each`
		);
	} finally {
		await server.stop();
	}
});

test("chat while the server is down reaches the records from the agent's browser later", async ({
	browser
}) => {
	test.setTimeout(120_000);
	const server = new OwnServer(51);
	try {
		await server.start();
		const agentContext = await newClient(browser);
		const customerContext = await newClient(browser);
		let agent = await agentContext.newPage();
		const customer = await customerContext.newPage();

		await agent.goto(`${server.origin}/login`);
		await agent.getByLabel('Email').fill(ADMIN.email);
		await agent.getByLabel('Password').fill(ADMIN.password);
		await agent.getByRole('button', { name: 'Log in' }).click();
		await expect(agent).toHaveURL(/\/agent$/);
		await agent.getByRole('button', { name: 'New session' }).click();
		await expect(agent).toHaveURL(/\/agent\/sessions\/[\w-]+$/);
		const sessionUrl = agent.url();
		const sessionId = sessionUrl.split('/').pop()!;
		const code = ((await agent.getByLabel('Session code').textContent()) ?? '').replace(/\s/g, '');

		await customer.goto(`${server.origin}/`);
		await customer.getByLabel('Session code').fill(code);
		await customer.getByLabel('Your name').fill('Offline Olga');
		await customer.getByRole('button', { name: 'Join' }).click();
		await expect(customer.getByText(/Connected securely/)).toBeVisible();
		await expect(agent.getByRole('heading', { name: 'Session with Offline Olga' })).toBeVisible();

		await server.kill();
		// Peer to peer, the chat goes on without the server.
		await customer.getByLabel('Message').fill('Written while the server was down');
		await customer.getByRole('button', { name: 'Send', exact: true }).click();
		await expect(agent.getByRole('log', { name: 'Chat' })).toContainText(
			'Written while the server was down'
		);
		await agent.getByLabel('Message').fill('Answered while the server was down');
		await agent.getByRole('button', { name: 'Send', exact: true }).click();
		await expect(customer.getByRole('log', { name: 'Chat' })).toContainText(
			'Answered while the server was down'
		);
		// The agent's tab closes before the server is back: only IndexedDB holds the two events.
		// Closed once both are stored there (not after a guessed pause).
		const storedChat = () =>
			agent.evaluate(
				(key) =>
					new Promise<string[]>((resolve, reject) => {
						const open = indexedDB.open('ponte-agent');
						open.onerror = () => reject(open.error);
						open.onsuccess = () => {
							const db = open.result;
							const read = db
								.transaction('pending-events', 'readonly')
								.objectStore('pending-events')
								.get(key);
							read.onerror = () => reject(read.error);
							read.onsuccess = () => {
								db.close();
								const events = (read.result ?? []) as { type: string; data: { text?: string } }[];
								resolve(events.filter((e) => e.type === 'chat').map((e) => e.data.text ?? ''));
							};
						};
					}),
				`events:${sessionId}`
			);
		await expect
			.poll(storedChat)
			.toEqual(
				expect.arrayContaining([
					'Written while the server was down',
					'Answered while the server was down'
				])
			);
		await agent.close();

		await server.start();
		const chatRows = () => {
			const db = server.database();
			try {
				return db
					.prepare(
						"SELECT json_extract(data, '$.text') AS text FROM session_events WHERE session_id = ? AND type = 'chat' ORDER BY at"
					)
					.all(sessionId) as { text: string }[];
			} finally {
				db.close();
			}
		};
		expect(chatRows()).toEqual([]);
		agent = await agentContext.newPage();
		await agent.goto(sessionUrl);
		await expect
			.poll(() => chatRows().map((r) => r.text), { timeout: 30_000 })
			.toEqual(['Written while the server was down', 'Answered while the server was down']);
		await agentContext.close();
		await customerContext.close();
	} finally {
		await server.stop();
	}
});
