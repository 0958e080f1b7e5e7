// Security headers for every response: pages get SvelteKit's own Content-Security-Policy (with
// script hashes, from svelte.config.js); everything else (JSON, files, redirects, static
// assets) gets NON_PAGE_CSP, which lets nothing run or embed it.

/** @type {Record<string, string>} */
export const SECURITY_HEADERS = {
	'X-Content-Type-Options': 'nosniff',
	'X-Frame-Options': 'DENY',
	'Referrer-Policy': 'same-origin',
	'Permissions-Policy':
		'display-capture=(self), camera=(self), microphone=(self), geolocation=(), payment=(), usb=()',
	'Cross-Origin-Opener-Policy': 'same-origin'
};

/** Browsers remember for a year to come back over https only (they ignore it over http). */
export const HSTS = 'max-age=31536000';

/**
 * Whether a request came over https, decided as adapter-node decides `event.url` (where
 * hooks.server.ts sets HSTS on SvelteKit's responses): this server's own TLS; otherwise
 * ORIGIN's scheme; otherwise the proxy's PROTOCOL_HEADER (https when absent, as adapter-node
 * assumes). Static files need it too: they never reach the hooks.
 * @param {{ tls: boolean, origin?: string, protocolHeader?: string }} server
 * @param {import('node:http').IncomingHttpHeaders} headers
 */
export function isHttpsRequest(server, headers) {
	if (server.tls) return true;
	if (server.origin) return server.origin.trim().toLowerCase().startsWith('https:');
	if (!server.protocolHeader) return false;
	const value = headers[server.protocolHeader.toLowerCase()];
	// Without the header adapter-node assumes https, and so does event.url.
	return ((Array.isArray(value) ? value[0] : value) ?? 'https').trim().toLowerCase() === 'https';
}

export const NON_PAGE_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/**
 * The service worker's own policy (a worker's CSP comes from its script's response): it may
 * fetch and cache our own origin, nothing else.
 */
export const SERVICE_WORKER_CSP = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'";
export const SERVICE_WORKER_PATH = '/service-worker.js';

/**
 * Dedicated workers the app starts (file hashing): their own scripts and WebAssembly from our
 * origin, nothing else; no eval.
 */
export const APP_WORKER_CSP =
	"default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; frame-ancestors 'none'; base-uri 'none'";
export const APP_WORKER_PREFIX = '/_app/immutable/workers/';

/** The Content-Security-Policy for a response that SvelteKit does not give one of its own. */
/** @param {string} path */
export function policyForPath(path) {
	if (path === SERVICE_WORKER_PATH) return SERVICE_WORKER_CSP;
	if (path.startsWith(APP_WORKER_PREFIX)) return APP_WORKER_CSP;
	return NON_PAGE_CSP;
}
