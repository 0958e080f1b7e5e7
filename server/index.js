// Production entry: one HTTP server and port for the SvelteKit app and PeerJS signaling.
import http from 'node:http';
import https from 'node:https';
import fs from 'node:fs';
import { HSTS, SECURITY_HEADERS, isHttpsRequest, policyForPath } from './security-headers.js';
import { adapterBodyLimit } from './body-limits.js';

const tls =
	process.env.HTTPS_CERT && process.env.HTTPS_KEY
		? { cert: fs.readFileSync(process.env.HTTPS_CERT), key: fs.readFileSync(process.env.HTTPS_KEY) }
		: null;

// Without ORIGIN, adapter-node assumes https unless a header says otherwise: tell it what this
// server really speaks (a reverse proxy can still set PROTOCOL_HEADER itself).
const OWN_PROTOCOL_HEADER = 'x-ponte-protocol';
const useOwnProtocolHeader = !process.env.ORIGIN && !process.env.PROTOCOL_HEADER;
if (useOwnProtocolHeader) process.env.PROTOCOL_HEADER = OWN_PROTOCOL_HEADER;
const httpsBy = {
	tls: Boolean(tls),
	origin: process.env.ORIGIN,
	protocolHeader: useOwnProtocolHeader ? undefined : process.env.PROTOCOL_HEADER
};

// Room for a snapshot upload; every other request is held to 512K by hooks.server.ts (see
// body-limits.js). adapter-node reads the variable when its handler is imported.
process.env.BODY_SIZE_LIMIT = adapterBodyLimit(process.env);

// Importing the handler starts the runtime, which refuses an unsafe configuration (a public
// plain-http ORIGIN): say why in one line and stop, rather than print a stack trace.
const { handler: kitHandler } = await import('../build/handler.js').catch((error) => {
	if (error?.name !== 'StartupRefusal') throw error;
	console.error(`Ponte did not start: ${error.message}`);
	process.exit(1);
});
/** @type {import('node:http').RequestListener} */
const handler = (req, res) => {
	// Static files (sirv) never pass through hooks.server.ts: give every response the security
	// headers up front; SvelteKit's own headers (a page's CSP) replace these where it sets them.
	for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
	res.setHeader('Content-Security-Policy', policyForPath(req.url?.split('?')[0] ?? '/'));
	if (isHttpsRequest(httpsBy, req.headers)) res.setHeader('Strict-Transport-Security', HSTS);
	// A 304's headers are merged into the cached response: the policy set up front must not
	// replace the cached page's own (a join page revalidated would then run no script).
	const writeHead = res.writeHead;
	res.writeHead = function (/** @type {number} */ status, /** @type {any[]} */ ...rest) {
		if (status === 304) res.removeHeader('Content-Security-Policy');
		return writeHead.call(this, status, ...rest);
	};
	if (useOwnProtocolHeader) req.headers[OWN_PROTOCOL_HEADER] = tls ? 'https' : 'http';
	// SvelteKit answers bad requests itself (400); should it ever throw, this request fails, not
	// the process.
	try {
		Promise.resolve(kitHandler(req, res)).catch((error) => failRequest(res, error));
	} catch (error) {
		failRequest(res, error);
	}
};

/** @param {import('node:http').ServerResponse} res @param {unknown} error */
function failRequest(res, error) {
	console.error(`request failed: ${error instanceof Error ? error.name : 'unknown error'}`);
	if (res.headersSent) res.destroy();
	else res.writeHead(500, { 'Content-Length': '0', Connection: 'close' }).end();
}
/** @type {import('../src/lib/server/runtime').Runtime} */
const runtime = await globalThis[Symbol.for('ponte.runtime')];
if (!runtime) throw new Error('Ponte runtime did not start (hooks.server.ts init)');

const { port, host } = runtime.config;
const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
runtime.attach(server);

server.listen(port, host, () => {
	const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
	console.log(`Ponte is listening on ${tls ? 'https' : 'http'}://${shown}:${port}`);
});

let stopping = false;
async function shutdown(signal) {
	if (stopping) return;
	stopping = true;
	console.log(`${signal}: shutting down`);
	const force = setTimeout(() => process.exit(1), 10_000);
	force.unref();
	server.close();
	server.closeIdleConnections?.();
	await runtime.close();
	// The peer package keeps interval timers of its own; nothing else is pending now.
	process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
