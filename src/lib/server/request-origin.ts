/** Methods that change nothing: a page of another site may send them (links, images). */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A state-changing request that a page of another site made the browser send (CSRF).
 * SvelteKit checks form posts only; a JSON `fetch` from a hostile page carries the user's
 * cookies too (SameSite=Lax spares only cross-site top-level POSTs, not same-site ones). Browsers
 * send `Origin` with every POST, PUT, PATCH and DELETE; when it is absent, `Sec-Fetch-Site` still
 * tells another site. A request with neither comes from no browser page, so it is no CSRF.
 * `expectedOrigin` is the request URL's origin: ORIGIN, or what the proxy headers say.
 */
export function isCrossSiteRequest(request: Request, expectedOrigin: string): boolean {
	if (SAFE_METHODS.has(request.method)) return false;
	const origin = request.headers.get('origin');
	if (origin !== null) return origin !== expectedOrigin;
	const site = request.headers.get('sec-fetch-site');
	return site === 'cross-site' || site === 'same-site';
}
