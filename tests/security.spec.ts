// Hostile input that needs the real server: headers, CSRF, login sessions, signaling abuse and
// markup everywhere a name or a message is shown. The cases are listed in docs/threat-model.md.
import { expect, test, type Page } from '@playwright/test';
import WebSocket from 'ws';
import {
	adminPage,
	auditRows,
	createAccount,
	query,
	setPasswordWithLink,
	startSessionAs,
	uniqueEmail
} from './admin-helpers';
import { logIn, newClient, routeData, startSession } from './helpers';
import { E2E } from '../playwright.config';

const CROSS_ORIGIN = 'https://evil.example';

function expectSecurityHeaders(headers: Record<string, string>, what: string) {
	const csp = headers['content-security-policy'];
	expect(csp, `${what}: Content-Security-Policy`).toBeTruthy();
	// No JavaScript eval; 'wasm-unsafe-eval' (WebAssembly compilation only) is allowed.
	expect(csp, what).not.toContain("'unsafe-eval'");
	expect(csp, what).toContain("frame-ancestors 'none'");
	// Never a referrer to other sites (a join link carries its code); same-origin form posts
	// keep their Origin header, which the CSRF check needs (with no-referrer it is "null").
	expect(headers['referrer-policy'], what).toBe('same-origin');
	expect(headers['permissions-policy'], what).toContain('display-capture=(self)');
	expect(headers['x-content-type-options'], what).toBe('nosniff');
}

test('every kind of response carries the security headers', async ({ request }) => {
	const page = await request.get('/');
	expect(page.status()).toBe(200);
	// A page's policy lets only our own scripts run: no inline handlers, no eval. WebAssembly may
	// be compiled ('wasm-unsafe-eval': file transfers hash with hash-wasm), JavaScript may not.
	expect(page.headers()['content-security-policy']).toMatch(
		/script-src 'self' 'wasm-unsafe-eval'( 'sha256-[^']+')*;/
	);
	const html = await page.text();
	const asset = html.match(/\/_app\/immutable\/[\w/.-]+\.js/)?.[0];
	expect(asset).toBeTruthy();

	const responses: [string, Promise<import('@playwright/test').APIResponse>][] = [
		['a page', Promise.resolve(page)],
		['the login page', request.get('/login')],
		['a missing page', request.get('/no-such-page')],
		['/healthz', request.get('/healthz')],
		['a JSON API refusal', request.post('/api/tickets/refresh', { data: {} })],
		['page data (JSON)', request.get('/__data.json')],
		['a redirect to login', request.get('/agent', { maxRedirects: 0 })],
		['a static asset', request.get('/favicon.svg')],
		['a built script', request.get(asset!)]
	];
	for (const [what, pending] of responses) {
		const response = await pending;
		expect(response.status(), what).toBeLessThan(500);
		expectSecurityHeaders(response.headers(), what);
	}
});

test("a revalidated page's 304 carries no policy that would replace the cached page's", async ({
	request
}) => {
	// The browser merges a 304's headers into the cached page: a `default-src 'none'` there would
	// leave a join page that renders identically each time running no script at all.
	const first = await request.get('/login');
	const etag = first.headers()['etag'];
	expect(etag, 'pages are served with an ETag').toBeTruthy();
	const again = await request.get('/login', { headers: { 'if-none-match': etag! } });
	expect(again.status()).toBe(304);
	expect(again.headers()['content-security-policy']).toBeUndefined();
	// Static files too (sirv answers their revalidation).
	const icon = await request.get('/favicon.svg');
	const iconTag = icon.headers()['etag'];
	if (iconTag) {
		const cached = await request.get('/favicon.svg', { headers: { 'if-none-match': iconTag } });
		expect(cached.status()).toBe(304);
		expect(cached.headers()['content-security-policy']).toBeUndefined();
	}
});

test('cross-origin form posts to /login, /?/join and /admin are refused and change nothing', async ({
	browser
}) => {
	const { page: admin, context } = await adminPage(browser);
	const form = (fields: Record<string, string>) => ({
		form: fields,
		headers: { origin: CROSS_ORIGIN },
		maxRedirects: 0
	});

	const login = await admin.request.post(
		'/login',
		form({ email: E2E.adminEmail, password: E2E.adminPassword })
	);
	expect(login.status()).toBe(403);
	expect(login.headers()['set-cookie']).toBeUndefined();

	const join = await admin.request.post('/?/join', form({ code: '123456789', name: 'Forged' }));
	expect(join.status()).toBe(403);

	// The administrator is logged in: only the origin check stands between a hostile page and
	// a new account.
	const email = uniqueEmail('csrf');
	const create = await admin.request.post(
		'/admin?/create',
		form({ name: 'Planted', email, role: 'admin', group: 'default' })
	);
	expect(create.status()).toBe(403);
	expect(query('SELECT id FROM users WHERE email = ?', email)).toHaveLength(0);

	// The same post from our own origin goes through the action (here: refused as invalid or
	// created), proving the 403 came from the origin check.
	const sameOrigin = await admin.request.post('/admin?/create', {
		form: { name: 'Planted', email, role: 'agent', group: 'nope' },
		headers: { origin: E2E.baseURL, accept: 'application/json' }
	});
	expect(sameOrigin.status()).not.toBe(403);

	// A real form without JavaScript, from our own page, is not mistaken for a cross-site post.
	const noScript = await browser.newContext({
		javaScriptEnabled: false,
		extraHTTPHeaders: { 'x-forwarded-for': '10.254.254.1' }
	});
	const plain = await noScript.newPage();
	await plain.goto('/');
	await plain.getByLabel('Session code').fill('987 654 321');
	await plain.getByLabel('Your name').fill('No Script');
	await plain.getByRole('button', { name: 'Join' }).click();
	await expect(plain.getByRole('alert')).toHaveText(/not valid or has expired/);
	await noScript.close();
	await context.close();
});

test('a session cookie planted before login is not accepted, and login issues a new one', async ({
	browser
}) => {
	const context = await newClient(browser);
	const planted = 'planted-by-an-attacker-0123456789abcdefghijklmnop';
	await context.addCookies([{ name: 'ponte_session', value: planted, url: E2E.baseURL }]);
	const page = await context.newPage();
	await page.goto('/agent');
	await expect(page).toHaveURL(/\/login\?next=%2Fagent$/);

	await logIn(page);
	const cookie = (await context.cookies()).find((c) => c.name === 'ponte_session');
	expect(cookie?.value).toBeTruthy();
	expect(cookie!.value).not.toBe(planted);
	expect(cookie!.httpOnly).toBe(true);
	expect(cookie!.sameSite).toBe('Lax');
	// The new token is 256 bits (43 base64url characters).
	expect(cookie!.value).toMatch(/^[\w-]{43}$/);

	// Whoever planted the old value still has nothing.
	const attacker = await newClient(browser);
	await attacker.addCookies([{ name: 'ponte_session', value: planted, url: E2E.baseURL }]);
	const refused = await attacker.request.get('/agent', { maxRedirects: 0 });
	expect(refused.status()).toBe(303);
	expect(refused.headers()['location']).toMatch(/^\/login/);

	// Logging out ends the server-side session: the old cookie value stops working.
	const token = cookie!.value;
	await page.getByRole('button', { name: 'Log out' }).click();
	await expect(page).toHaveURL(/\/login$/);
	const replay = await newClient(browser);
	await replay.addCookies([{ name: 'ponte_session', value: token, url: E2E.baseURL }]);
	expect((await replay.request.get('/agent', { maxRedirects: 0 })).status()).toBe(303);
	await Promise.all([context.close(), attacker.close(), replay.close()]);
});

test('guessing a password from one address ends in 429; other addresses still log in', async ({
	browser
}) => {
	const context = await newClient(browser);
	const attempt = (password: string) =>
		context.request.post('/login', {
			form: { email: E2E.adminEmail, password },
			headers: { origin: E2E.baseURL, accept: 'application/json' },
			maxRedirects: 0
		});
	let status = 0;
	let tries = 0;
	for (; tries < 20 && status !== 429; tries++) {
		const body = (await (await attempt(`wrong guess ${tries}`)).json()) as { status: number };
		status = body.status;
	}
	expect(status).toBe(429);
	expect(tries).toBeLessThanOrEqual(9);
	// Blocked means blocked: even the right password is refused from this address now.
	const right = (await (await attempt(E2E.adminPassword)).json()) as {
		status: number;
		data: string;
	};
	expect(right.status).toBe(429);
	expect(right.data).toContain('Too many attempts');

	const page = await context.newPage();
	await page.goto('/login');
	await page.getByLabel('Email').fill(E2E.adminEmail);
	await page.getByLabel('Password').fill(E2E.adminPassword);
	await page.getByRole('button', { name: 'Log in' }).click();
	await expect(page.getByRole('alert')).toHaveText('Too many attempts, try again later.');

	// The block is per address: the real administrator elsewhere is not locked out.
	const elsewhere = await newClient(browser);
	await logIn(await elsewhere.newPage());
	const failures = auditRows('login.failed');
	expect(failures.length).toBeGreaterThanOrEqual(8);
	// Failed logins are audited by address and email, never with the password tried.
	expect(JSON.stringify(failures)).not.toContain('wrong guess');
	await Promise.all([context.close(), elsewhere.close()]);
});

test('logging in never redirects to another site', async ({ browser }) => {
	const context = await newClient(browser);
	const page = await context.newPage();
	for (const next of [
		'//evil.example/',
		'/\\evil.example/',
		'https://evil.example/',
		'/.//evil.example',
		'/%2e//evil.example',
		'/a/..//evil.example'
	]) {
		await page.goto(`/login?next=${encodeURIComponent(next)}`);
		await page.getByLabel('Email').fill(E2E.adminEmail);
		await page.getByLabel('Password').fill(E2E.adminPassword);
		await page.getByRole('button', { name: 'Log in' }).click();
		await expect(page).toHaveURL(`${E2E.baseURL}/agent`);
		// Already logged in, the login page sends the agent on: to this site only, too.
		const again = await page.request.get(`/login?next=${encodeURIComponent(next)}`, {
			maxRedirects: 0
		});
		expect(again.status(), next).toBe(303);
		expect(again.headers().location, next).toBe('/agent');
		await page.getByRole('button', { name: 'Log out' }).click();
		await expect(page).toHaveURL(/\/login$/);
	}
	// A form post without JavaScript gets the Location header itself.
	const post = await page.request.post(`/login?next=${encodeURIComponent('/.//evil.example')}`, {
		form: { email: E2E.adminEmail, password: E2E.adminPassword },
		headers: { origin: E2E.baseURL, accept: 'text/html' },
		maxRedirects: 0
	});
	expect(post.status()).toBe(303);
	expect(post.headers().location).toBe('/agent');
	await context.close();
});

interface RawSocket {
	socket: WebSocket;
	received: { type: string; src?: string; payload?: Record<string, unknown> }[];
	closed: Promise<{ code: number; reason: string }>;
}

/** A bare PeerJS-protocol socket, registered with a ticket; resolves once the server says OPEN. */
async function openSignaling(peerId: string, ticket: string): Promise<RawSocket> {
	const url = `ws://127.0.0.1:${E2E.port}/peerjs/peerjs?key=ponte&id=${encodeURIComponent(
		peerId
	)}&token=${encodeURIComponent(ticket)}`;
	const socket = new WebSocket(url);
	const received: RawSocket['received'] = [];
	const closed = new Promise<{ code: number; reason: string }>((resolve) =>
		socket.on('close', (code, reason) => resolve({ code, reason: String(reason) }))
	);
	socket.on('error', () => {});
	await new Promise<void>((resolve, reject) => {
		socket.on('message', (data) => {
			received.push(JSON.parse(String(data)));
			if (received.some((m) => m.type === 'OPEN')) resolve();
		});
		socket.once('unexpected-response', (_req, res) =>
			reject(new Error(`signaling refused: ${res.statusCode}`))
		);
	});
	return { socket, received, closed };
}

async function sessionIdentities(browser: import('@playwright/test').Browser, name: string) {
	const s = await startSession(browser, name);
	const customer = (await routeData(s.customer, '/session')) as { peerId: string; ticket: string };
	const viewer = (await routeData(s.agent, `/agent/sessions/${s.sessionId}`)) as {
		identity: { peerId: string; ticket: string };
	};
	return { s, customer, agent: viewer.identity };
}

test('signaling closes oversized, malformed and flooding sockets; the server carries on', async ({
	browser,
	request
}) => {
	const { s, customer } = await sessionIdentities(browser, 'Flood Target');
	await s.close();

	const oversized = await openSignaling(customer.peerId, customer.ticket);
	oversized.socket.send('x'.repeat(1024 * 1024));
	expect((await oversized.closed).code).toBe(1009);

	const malformed = await openSignaling(customer.peerId, customer.ticket);
	malformed.socket.send('{"type": "OFFER", not json');
	expect((await malformed.closed).code).toBe(1007);

	const shapeless = await openSignaling(customer.peerId, customer.ticket);
	shapeless.socket.send('[1, 2, 3]');
	expect((await shapeless.closed).code).toBe(1007);

	const flood = await openSignaling(customer.peerId, customer.ticket);
	for (let i = 0; i < 400 && flood.socket.readyState === WebSocket.OPEN; i++) {
		flood.socket.send(JSON.stringify({ type: 'HEARTBEAT' }));
	}
	expect((await flood.closed).code).toBe(1008);

	// The server is fine: healthy, and a new session connects end to end with chat.
	const health = await request.get('/healthz');
	expect(health.status()).toBe(200);
	expect(((await health.json()) as { ok: boolean }).ok).toBe(true);
	const after = await startSession(browser, 'After The Flood');
	await after.customer.getByLabel('Message').fill('still here');
	await after.customer.getByRole('button', { name: 'Send', exact: true }).click();
	await expect(after.agent.getByRole('log', { name: 'Chat' })).toContainText('still here');
	await after.close();
});

test('signaling relays offers only within a session: a peer of another session gets nothing', async ({
	browser
}) => {
	const first = await sessionIdentities(browser, 'Session One');
	const second = await sessionIdentities(browser, 'Session Two');
	await first.s.close();
	await second.s.close();

	const intruder = await openSignaling(first.agent.peerId, first.agent.ticket);
	const ownCustomer = await openSignaling(first.customer.peerId, first.customer.ticket);
	const stranger = await openSignaling(second.customer.peerId, second.customer.ticket);
	const offer = (dst: string, connectionId: string) => ({
		type: 'OFFER',
		dst,
		payload: { type: 'data', label: 'control', connectionId, serialization: 'json', sdp: {} }
	});
	intruder.socket.send(JSON.stringify(offer(second.customer.peerId, 'dc_stranger')));
	intruder.socket.send(
		JSON.stringify({
			type: 'CANDIDATE',
			dst: second.customer.peerId,
			payload: { connectionId: 'dc_stranger', candidate: {}, type: 'data' }
		})
	);
	// The same offer to a peer of its own session arrives: the path works, the filter decides.
	intruder.socket.send(JSON.stringify(offer(first.customer.peerId, 'dc_own')));
	await expect.poll(() => ownCustomer.received.filter((m) => m.type === 'OFFER').length).toBe(1);
	// The sender is told at once that the stranger is not there for it (as for an offline ID).
	await expect
		.poll(() =>
			intruder.received.some((m) => m.type === 'EXPIRE' && m.src === second.customer.peerId)
		)
		.toBe(true);
	expect(stranger.received.filter((m) => m.type !== 'OPEN')).toEqual([]);
	for (const raw of [intruder, ownCustomer, stranger]) raw.socket.close();
});

const MARKUP_NAME = '<img src=x onerror=window.__xss=1>';
const MARKUP_CHAT = '<script>window.__xss=1</script><b onmouseover=window.__xss=1>hi</b>';
const MARKUP_FILE = '<img src=x onerror=window.__xss=1>.txt';

/** Markup arrived as text: no element it describes exists, and nothing ran. */
async function expectInert(page: Page, where: string) {
	await expect(page.locator('img[src="x"]'), where).toHaveCount(0);
	await expect(page.locator('b[onmouseover]'), where).toHaveCount(0);
	// The hydration data carries the names, with "<" escaped so no tag can close the script.
	const inline = await page
		.locator('script:not([src])')
		.evaluateAll((s) => s.map((e) => e.textContent));
	expect(inline, where).not.toContainEqual(expect.stringContaining('<img'));
	expect(inline, where).not.toContainEqual(expect.stringContaining('<script'));
	expect(await page.evaluate(() => (window as { __xss?: number }).__xss), where).toBeUndefined();
}

test('markup in names, chat and file names is shown as text on every page and in exports', async ({
	browser
}) => {
	const { page: admin, context } = await adminPage(browser);
	const agentEmail = uniqueEmail('markup');
	const link = await createAccount(admin, { name: MARKUP_NAME, email: agentEmail });
	const setup = await newClient(browser);
	await setPasswordWithLink(await setup.newPage(), link, 'a long agent password');
	await setup.close();

	const s = await startSessionAs(
		browser,
		{ email: agentEmail, password: 'a long agent password' },
		MARKUP_NAME
	);
	await expect(s.agent.getByRole('heading', { name: `Session with ${MARKUP_NAME}` })).toBeVisible();
	await s.customer.getByLabel('Message').fill(MARKUP_CHAT);
	await s.customer.getByRole('button', { name: 'Send', exact: true }).click();
	await s.agent.getByLabel('Message').fill(`agent says ${MARKUP_CHAT}`);
	await s.agent.getByRole('button', { name: 'Send', exact: true }).click();
	await expect(s.agent.getByRole('log', { name: 'Chat' })).toContainText(MARKUP_CHAT);
	await expect(s.customer.getByRole('log', { name: 'Chat' })).toContainText(
		`agent says ${MARKUP_CHAT}`
	);
	await expect(s.customer.getByText(MARKUP_NAME).first()).toBeVisible();

	// A file offered with a hostile name: both sides show a safe name, as text.
	await s.customer
		.getByLabel('Send file')
		.setInputFiles([{ name: MARKUP_FILE, mimeType: 'text/plain', buffer: Buffer.from('hi') }]);
	const incoming = s.agent.getByRole('dialog', { name: 'Incoming file transfer' });
	await expect(incoming).toContainText('img src=x onerror=window.__xss=1_.txt');
	await expectInert(s.agent, 'agent viewer');
	await expectInert(s.customer, 'customer page');
	await incoming.getByRole('button', { name: 'Decline' }).click();

	// The records take a file name as given (a peer could send anything): the report shows text.
	const recorded = await s.agent.request.post(`/api/sessions/${s.sessionId}/events`, {
		data: {
			events: [
				{
					id: 'markup-file',
					type: 'file',
					at: Date.now(),
					data: { name: MARKUP_FILE, size: 2, direction: 'to-agent', result: 'completed' }
				}
			]
		}
	});
	expect(recorded.status()).toBe(200);

	await s.agent.goto('/agent');
	await expect(s.agent.getByText(MARKUP_NAME).first()).toBeVisible();
	await expectInert(s.agent, 'console list');

	await expect
		.poll(
			() =>
				query<{ n: number }>(
					"SELECT count(*) AS n FROM session_events WHERE session_id = ? AND type = 'chat'",
					s.sessionId
				)[0].n
		)
		.toBe(2);
	await s.agent.goto('/agent/reports');
	await expect(s.agent.getByRole('link', { name: MARKUP_NAME }).first()).toBeVisible();
	await expectInert(s.agent, 'reports list');

	await s.agent.goto(`/agent/reports/${s.sessionId}`);
	await expect(s.agent.getByRole('heading', { name: `Session with ${MARKUP_NAME}` })).toBeVisible();
	await expect(s.agent.getByRole('list', { name: 'Chat log' })).toContainText(MARKUP_CHAT);
	await expect(s.agent.getByRole('region', { name: 'Files' })).toContainText(MARKUP_FILE);
	await expectInert(s.agent, 'report page');

	// Exports are downloads, never rendered: attachment, their own type, nosniff, text intact.
	const json = await s.agent.request.get(`/agent/reports/${s.sessionId}/export.json`);
	expect(json.headers()['content-type']).toContain('application/json');
	expect(json.headers()['content-disposition']).toMatch(/^attachment/);
	expectSecurityHeaders(json.headers(), 'JSON export');
	const exported = (await json.json()) as {
		session: { customerName: string };
		events: { type: string; data: Record<string, unknown> }[];
	};
	expect(exported.session.customerName).toBe(MARKUP_NAME);
	expect(exported.events.filter((e) => e.type === 'chat').map((e) => e.data.text)).toContain(
		MARKUP_CHAT
	);
	const csv = await s.agent.request.get(`/agent/reports/${s.sessionId}/export.csv`);
	expect(csv.headers()['content-type']).toContain('text/csv');
	expect(csv.headers()['content-disposition']).toMatch(/^attachment/);
	expectSecurityHeaders(csv.headers(), 'CSV export');
	const csvText = await csv.text();
	expect(csvText).toContain(MARKUP_CHAT);
	expect(csvText).toContain(MARKUP_FILE);

	// Administrator pages: the agent list, the agent's page, the audit log.
	await admin.goto('/admin');
	await expect(admin.getByText(MARKUP_NAME).first()).toBeVisible();
	await expectInert(admin, 'admin agents');
	const agentId = query<{ id: string }>('SELECT id FROM users WHERE email = ?', agentEmail)[0].id;
	await admin.goto(`/admin/agents/${agentId}`);
	await expect(admin.getByText(MARKUP_NAME).first()).toBeVisible();
	await expectInert(admin, 'admin agent page');
	await admin.goto('/admin/audit');
	await expectInert(admin, 'audit log');

	// The customer reports abuse in markup; the administrators' abuse page shows it as text.
	const { ticket: customerTicket } = (await routeData(s.customer, '/session')) as {
		ticket: string;
	};
	await s.customer.getByRole('button', { name: 'End session' }).click();
	await s.customer
		.getByRole('dialog', { name: 'End the session?' })
		.getByRole('button', { name: 'Report abuse' })
		.click();
	await s.customer.getByLabel('What happened?').fill(`He said ${MARKUP_CHAT}`);
	await s.customer.getByRole('button', { name: 'Send report' }).click();
	await expect(s.customer.getByText(/your report was sent/)).toBeVisible();
	await expectInert(s.customer, 'customer end page');
	await admin.goto('/admin/abuse');
	await expect(admin.getByText(`He said ${MARKUP_CHAT}`)).toBeVisible();
	await expectInert(admin, 'abuse reports');

	// The session ended: its tickets cannot be traded for fresh ones.
	const replay = await admin.request.post('/api/tickets/refresh', {
		data: { ticket: customerTicket }
	});
	expect(replay.status()).toBe(410);

	await s.close();
	await context.close();
});
