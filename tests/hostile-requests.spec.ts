// Hostile requests at the HTTP level (issue 15): malformed requests and upgrades over raw TCP
// must never take the server down, a page of another site cannot drive the JSON API, and HSTS
// covers static files.
// The cases are listed in docs/threat-model.md ("Hostile requests").
import { expect, request as newRequest, test, type APIRequestContext } from '@playwright/test';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { adminPage, query } from './admin-helpers';
import { freePort, startPonte, stop } from './coturn';
import { newSession } from './helpers';
import { E2E } from '../playwright.config';

const CROSS_ORIGIN = 'https://evil.example';

/**
 * Sends raw bytes and resolves with the status line once the server has closed the socket
 * (empty when it closed without answering). A socket the server leaves open fails the test.
 */
function exchange(data: string | Buffer): Promise<string> {
	return new Promise((resolve, reject) => {
		const socket = net.connect(E2E.port, '127.0.0.1');
		let received = '';
		socket.setEncoding('latin1');
		socket.setTimeout(15_000, () => {
			socket.destroy();
			reject(new Error(`the server left the socket open (got ${JSON.stringify(received)})`));
		});
		socket.on('data', (chunk) => (received += chunk));
		// A reset after the answer is still an answer; a refused connection is a dead server.
		socket.on('error', (error: NodeJS.ErrnoException) => {
			if (error.code === 'ECONNREFUSED') reject(error);
		});
		socket.on('close', () => resolve(received.split('\r\n')[0]));
		socket.write(data);
	});
}

function get(target: string, headers = ''): string {
	return `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${headers}\r\n`;
}

function upgrade(target: string, protocol = 'websocket'): string {
	return (
		`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: ${protocol}\r\n` +
		'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n'
	);
}

async function expectHealthy(request: APIRequestContext) {
	const health = await request.get('/healthz');
	expect(health.status()).toBe(200);
}

test('malformed requests over raw TCP get an answer below 500, and the server stays up', async ({
	request
}) => {
	const cases: [string, string | Buffer, RegExp][] = [
		['the path //', get('//'), /^HTTP\/1\.1 [234]\d\d /],
		['the path /%', get('/%'), /^HTTP\/1\.1 400 /],
		['the path /%zz', get('/%zz'), /^HTTP\/1\.1 400 /],
		['the path //..//', get('//..//'), /^HTTP\/1\.1 [234]\d\d /],
		['a cut-off escape', get('/agent/%E0%A4%A'), /^HTTP\/1\.1 [34]\d\d /],
		['an overlong UTF-8 escape', get('/%c0%af'), /^HTTP\/1\.1 4\d\d /],
		['a NUL in a route parameter', get('/agent/reports/%00'), /^HTTP\/1\.1 400 /],
		['a bad escape in a query', get('/login?next=%'), /^HTTP\/1\.1 200 /],
		['an absolute URL as target', get('http://evil.example//'), /^HTTP\/1\.1 [234]\d\d /],
		['the target *', get('*'), /^HTTP\/1\.1 [234]\d\d /],
		['a header over 16 KB', get('/', `X-Big: ${'a'.repeat(20_000)}\r\n`), /^HTTP\/1\.1 431 /],
		[
			'3,000 headers',
			get('/', Array.from({ length: 3000 }, (_, i) => `X-H${i}: v\r\n`).join('')),
			/^HTTP\/1\.1 431 /
		],
		['a garbage request line', 'HELLO THERE\r\n\r\n', /^HTTP\/1\.1 400 /],
		['binary bytes', Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff, 0, 1, 2, 255]), /^HTTP\/1\.1 400 /],
		['no Host header', 'GET / HTTP/1.1\r\nConnection: close\r\n\r\n', /^HTTP\/1\.1 400 /],
		['a bad cookie', get('/agent', 'Cookie: %%%=%%%; ponte_session=%zz\r\n'), /^HTTP\/1\.1 303 /]
	];
	for (const [what, data, expected] of cases) {
		expect(await exchange(data), what).toMatch(expected);
	}
	await expectHealthy(request);
});

test('upgrades to unknown paths, odd URLs and signaling without a ticket are refused and closed', async ({
	request
}) => {
	const cases: [string, string, string][] = [
		['h2c to //', upgrade('//', 'h2c'), '404'],
		['a websocket to //', upgrade('//'), '404'],
		['//..//', upgrade('//..//'), '404'],
		['/%zz', upgrade('/%zz'), '404'],
		['an unknown path', upgrade('/no-such-socket'), '404'],
		['//peerjs/peerjs', upgrade('//peerjs/peerjs?key=ponte'), '404'],
		['signaling with a bad query', upgrade('/peerjs/peerjs?%'), '401'],
		['signaling with bad escapes', upgrade('/peerjs/peerjs?key=%zz&id=%E0&token=%'), '401'],
		['h2c to signaling', upgrade('/peerjs/peerjs?key=ponte&id=a&token=a.b.c', 'h2c'), '401']
	];
	for (const [what, data, status] of cases) {
		expect(await exchange(data), what).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
	}
	await expectHealthy(request);
});

test('JSON API posts from another site are refused with 403 and change nothing', async ({
	browser
}) => {
	const { page: admin, context } = await adminPage(browser);
	const { sessionId } = await newSession(admin);
	const status = () =>
		query<{ status: string }>('SELECT status FROM support_sessions WHERE id = ?', sessionId)[0]
			.status;
	const locale = () =>
		query<{ locale: string | null }>('SELECT locale FROM users WHERE email = ?', E2E.adminEmail)[0]
			.locale;
	const before = { status: status(), locale: locale() };

	const forged: [string, string, Record<string, string>][] = [
		['end a session', `/api/sessions/${sessionId}/end`, { origin: CROSS_ORIGIN }],
		['end a session (Origin: null)', `/api/sessions/${sessionId}/end`, { origin: 'null' }],
		[
			'end a session (cross-site, no Origin)',
			`/api/sessions/${sessionId}/end`,
			{
				'sec-fetch-site': 'cross-site'
			}
		],
		['change the language', '/api/agent/locale', { origin: CROSS_ORIGIN }]
	];
	for (const [what, path, headers] of forged) {
		const response = await admin.request.post(path, {
			data: path.endsWith('/end') ? { reason: 'agent' } : { locale: 'it' },
			headers
		});
		expect(response.status(), what).toBe(403);
		expect(await response.text(), what).toBe('Requests from another site are refused');
	}
	for (const method of ['put', 'patch', 'delete'] as const) {
		const response = await admin.request[method]('/api/agent/locale', {
			data: { locale: 'it' },
			headers: { origin: CROSS_ORIGIN }
		});
		expect(response.status(), method).toBe(403);
	}
	expect({ status: status(), locale: locale() }).toEqual(before);

	// The same requests from our own origin go through: the app itself still works.
	const own = { origin: E2E.baseURL, 'sec-fetch-site': 'same-origin' };
	const language = await admin.request.post('/api/agent/locale', {
		data: { locale: before.locale },
		headers: own
	});
	expect(language.status()).toBe(200);
	const end = await admin.request.post(`/api/sessions/${sessionId}/end`, {
		data: { reason: 'agent' },
		headers: own
	});
	expect(end.status()).toBe(200);
	expect(status()).toBe('ended');
	await context.close();
});

test('behind an https proxy, static files carry HSTS too, and plain http gets none', async () => {
	// A second server, as behind a TLS-terminating proxy that says so in X-Forwarded-Proto.
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ponte-e2e-proxy-'));
	const server = await startPonte({
		port: await freePort(E2E.port + 70),
		dataDir,
		env: {
			ADMIN_EMAIL: E2E.adminEmail,
			ADMIN_PASSWORD: E2E.adminPassword,
			PROTOCOL_HEADER: 'x-forwarded-proto',
			PONTE_QUIET_LOGS: '1'
		}
	});
	const client = await newRequest.newContext({
		baseURL: server.baseURL,
		extraHTTPHeaders: { 'x-forwarded-for': '10.253.0.1' }
	});
	try {
		for (const target of ['/favicon.svg', '/healthz', '/']) {
			const overHttps = await client.get(target, { headers: { 'x-forwarded-proto': 'https' } });
			expect(overHttps.status(), target).toBe(200);
			expect(overHttps.headers()['strict-transport-security'], target).toBe('max-age=31536000');
			const overHttp = await client.get(target, { headers: { 'x-forwarded-proto': 'http' } });
			expect(overHttp.status(), target).toBe(200);
			expect(overHttp.headers()['strict-transport-security'], target).toBeUndefined();
		}
	} finally {
		await client.dispose();
		await stop(server.process);
		fs.rmSync(dataDir, { recursive: true, force: true });
	}
});
