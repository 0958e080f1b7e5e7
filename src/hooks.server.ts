import type { Handle, HandleServerError, ServerInit } from '@sveltejs/kit';
import { SESSION_COOKIE, userForToken } from '$lib/server/auth';
import { limitRequestBody } from '$lib/server/body-limit';
import { isCrossSiteRequest } from '$lib/server/request-origin';
import { getRuntime } from '$lib/server/runtime';
import { reportServerError } from '$lib/server/server-errors';
import { m } from '$lib/paraglide/messages';
import { paraglideMiddleware } from '$lib/paraglide/server';
import { HSTS, NON_PAGE_CSP, SECURITY_HEADERS } from '../server/security-headers.js';

export const init: ServerInit = async () => {
	await getRuntime();
};

/** Every response, including the redirects and refusals below, carries the security headers. */
function withSecurityHeaders(response: Response, https: boolean): Response {
	for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
		if (!response.headers.has(name)) response.headers.set(name, value);
	}
	// Pages carry SvelteKit's policy (with script hashes); anything else may run nothing. Not a
	// 304: the browser merges its headers into the cached page, whose own policy must stay.
	if (response.status !== 304 && !response.headers.has('Content-Security-Policy')) {
		response.headers.set('Content-Security-Policy', NON_PAGE_CSP);
	}
	if (https) response.headers.set('Strict-Transport-Security', HSTS);
	return response;
}

const guarded: Handle = async ({ event, resolve }) => {
	// A NUL in the path would reach the queries as a route parameter (PostgreSQL refuses it
	// there with an error): no page or endpoint of ours has one.
	if (/%00/i.test(event.url.pathname)) return new Response('Bad request', { status: 400 });
	// SvelteKit refuses cross-site form posts before this hook; this refuses the rest (JSON).
	if (isCrossSiteRequest(event.request, event.url.origin)) {
		return new Response(m.api_cross_site_refused(), { status: 403 });
	}
	// adapter-node lets a snapshot's size through: every other body is held to 512K here.
	const limited = limitRequestBody(event.request, event.url.pathname);
	if (limited instanceof Response) return limited;
	event.request = limited;
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
		return new Response(m.agent_not_logged_in(), { status: 401 });
	}
	if (path.startsWith('/admin') && event.locals.user?.role !== 'admin') {
		return new Response(m.agent_admins_only(), { status: 403 });
	}

	return resolve(event);
};

/** Runs the request in its locale (cookie, then Accept-Language, then English). */
const localized: Handle = ({ event, resolve }) =>
	paraglideMiddleware(event.request, ({ request, locale }) => {
		event.request = request;
		return guarded({
			event,
			resolve: (event, opts) =>
				resolve(event, {
					...opts,
					transformPageChunk: ({ html }) => html.replace('%paraglide.lang%', locale)
				})
		});
	});

export const handle: Handle = async ({ event, resolve }) => {
	return withSecurityHeaders(await localized({ event, resolve }), event.url.protocol === 'https:');
};

/** Unexpected errors logged once, as JSON with their stack; refused junk as one short line. */
export const handleError: HandleServerError = ({ error, event, status, message }) =>
	reportServerError({
		error,
		status,
		message,
		method: event.request.method,
		route: event.route.id
	});
