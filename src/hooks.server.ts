import type { Handle, ServerInit } from '@sveltejs/kit';
import { SESSION_COOKIE, userForToken } from '$lib/server/auth';
import { getRuntime } from '$lib/server/runtime';

export const init: ServerInit = async () => {
	await getRuntime();
};

const SECURITY_HEADERS: Record<string, string> = {
	'X-Content-Type-Options': 'nosniff',
	'X-Frame-Options': 'DENY',
	'Referrer-Policy': 'no-referrer',
	'Permissions-Policy':
		'display-capture=(self), camera=(), microphone=(), geolocation=(), payment=(), usb=()',
	'Cross-Origin-Opener-Policy': 'same-origin'
};

export const handle: Handle = async ({ event, resolve }) => {
	const runtime = await getRuntime();
	event.locals.user = await userForToken(runtime.db, event.cookies.get(SESSION_COOKIE));

	const path = event.url.pathname;
	if ((path.startsWith('/agent') || path.startsWith('/admin')) && !event.locals.user) {
		if (event.request.method === 'GET') {
			return new Response(null, {
				status: 303,
				headers: { location: `/login?next=${encodeURIComponent(path)}` }
			});
		}
		return new Response('Not logged in', { status: 401 });
	}
	if (path.startsWith('/admin') && event.locals.user?.role !== 'admin') {
		return new Response('Administrators only', { status: 403 });
	}

	const response = await resolve(event);
	for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
		if (!response.headers.has(name)) response.headers.set(name, value);
	}
	if (event.url.protocol === 'https:') {
		response.headers.set('Strict-Transport-Security', 'max-age=31536000');
	}
	return response;
};
