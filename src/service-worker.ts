/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
import { build, files, version } from '$service-worker';

/**
 * The customer app's shell: the built client code, the static files and the join page `/`, so
 * the installed app opens at once and can say it is offline instead of showing a browser
 * error. Everything else (sessions, the console, APIs, signaling) always goes to the network:
 * nothing personal is ever cached.
 */
const sw = self as unknown as ServiceWorkerGlobalScope;
const CACHE = `ponte-shell-${version}`;
const SHELL_PAGE = '/';
const ASSETS = new Set([...build, ...files]);
/** Set when the page removes the customer app: from then on nothing is cached again. */
let forgotten = false;

sw.addEventListener('message', (event) => {
	if ((event.data as { type?: string } | null)?.type === 'forget') forgotten = true;
});

sw.addEventListener('install', (event) => {
	event.waitUntil(
		(async () => {
			const cache = await caches.open(CACHE);
			await cache.addAll([...ASSETS, SHELL_PAGE]);
			await sw.skipWaiting();
		})()
	);
});

sw.addEventListener('activate', (event) => {
	event.waitUntil(
		(async () => {
			// Shells of earlier versions refer to code that no longer exists.
			for (const key of await caches.keys()) {
				if (key.startsWith('ponte-shell-') && key !== CACHE) await caches.delete(key);
			}
			await sw.clients.claim();
		})()
	);
});

/** The cached join page at once, refreshed from the network for next time. */
async function shellPage(request: Request): Promise<Response> {
	if (forgotten) return fetch(request);
	const cache = await caches.open(CACHE);
	const cached = await cache.match(SHELL_PAGE);
	const fresh = fetch(request)
		.then(async (response) => {
			if (!forgotten && response.ok && response.type === 'basic')
				await cache.put(SHELL_PAGE, response.clone());
			return response;
		})
		.catch(() => null);
	if (cached) return cached;
	return (await fresh) ?? Response.error();
}

async function asset(request: Request, path: string): Promise<Response> {
	if (forgotten) return fetch(request);
	const cache = await caches.open(CACHE);
	const cached = await cache.match(path);
	if (cached) return cached;
	const response = await fetch(request);
	if (response.ok) await cache.put(path, response.clone());
	return response;
}

sw.addEventListener('fetch', (event) => {
	const request = event.request;
	if (request.method !== 'GET') return;
	const url = new URL(request.url);
	if (url.origin !== sw.location.origin) return;
	if (ASSETS.has(url.pathname)) {
		event.respondWith(asset(request, url.pathname));
	} else if (url.pathname === SHELL_PAGE && request.mode === 'navigate' && !url.search) {
		event.respondWith(shellPage(request));
	}
});
