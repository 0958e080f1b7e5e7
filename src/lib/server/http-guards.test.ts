import fs from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guardHttpServer, requestTarget } from './http-guards';
import type { Runtime } from './runtime';
import { openTestRuntime } from './test-runtime';

let runtime: Runtime;
let server: http.Server;
let port: number;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ponte-unit-'));

beforeAll(async () => {
	runtime = await openTestRuntime(dataDir);
	server = http.createServer((_req, res) => res.end('ok'));
	runtime.attach(server);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
	server.closeAllConnections();
	await new Promise((resolve) => server.close(resolve));
	await runtime.close();
	fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Sends raw bytes; resolves with the status line once the server has closed the socket. */
function exchange(data: string, to = port): Promise<string> {
	return new Promise((resolve, reject) => {
		const socket = net.connect(to, '127.0.0.1');
		let received = '';
		socket.setEncoding('latin1');
		socket.on('data', (chunk) => (received += chunk));
		socket.on('error', reject);
		socket.on('close', () => resolve(received.split('\r\n')[0]));
		socket.write(data);
	});
}

function upgrade(target: string, protocol = 'websocket'): string {
	return (
		`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: ${protocol}\r\n` +
		'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n'
	);
}

describe('requestTarget', () => {
	it('keeps a path and its query', () => {
		expect(requestTarget('/peerjs/peerjs?key=ponte&id=a')?.searchParams.get('id')).toBe('a');
		expect(requestTarget('/%zz?%')?.pathname).toBe('/%zz');
	});

	it.each([
		undefined,
		'',
		'//',
		'//evil.example/x',
		'/\\evil.example',
		'*',
		'http://x/',
		'garbage'
	])('is null for %j, which is not a path on this server', (target) => {
		expect(requestTarget(target)).toBeNull();
	});
});

describe('upgrades on the HTTP server', () => {
	it.each([
		['//', 'websocket', 404],
		['//', 'h2c', 404],
		['//..//', 'websocket', 404],
		['/%', 'websocket', 404],
		['/%zz', 'websocket', 404],
		['*', 'websocket', 404],
		['/no-such-socket', 'websocket', 404],
		['//peerjs/peerjs?key=ponte', 'websocket', 404],
		['/peerjs/peerjs?%', 'websocket', 401],
		['/peerjs/peerjs?key=%zz&id=%E0&token=%', 'websocket', 401],
		['/peerjs/peerjs?key=ponte&id=a&token=a.b.c', 'h2c', 401]
	])('an upgrade to %j (%s) is answered %i and closed', async (target, protocol, status) => {
		expect(await exchange(upgrade(target, protocol))).toBe(
			`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}`
		);
	});

	it('garbage and oversized headers get 400 and 431; the server answers afterwards', async () => {
		expect(await exchange('HELLO THERE\r\n\r\n')).toBe('HTTP/1.1 400 Bad Request');
		expect(
			await exchange(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)
		).toBe('HTTP/1.1 431 Request Header Fields Too Large');
		expect(await exchange('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).toBe(
			'HTTP/1.1 200 OK'
		);
	});
});

describe('guardHttpServer', () => {
	it('answers 400 and closes when the upgrade handler throws; the server carries on', async () => {
		const throwing = http.createServer((_req, res) => res.end('ok'));
		guardHttpServer(throwing, () => {
			throw new TypeError('Invalid URL');
		});
		await new Promise<void>((resolve) => throwing.listen(0, '127.0.0.1', resolve));
		const to = (throwing.address() as AddressInfo).port;
		try {
			expect(await exchange(upgrade('/peerjs/peerjs'), to)).toBe('HTTP/1.1 400 Bad Request');
			expect(await exchange('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', to)).toBe(
				'HTTP/1.1 200 OK'
			);
		} finally {
			throwing.closeAllConnections();
			await new Promise((resolve) => throwing.close(resolve));
		}
	});
});
