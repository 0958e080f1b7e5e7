const BASE = 'http://ponte.invalid';

/** A path on this site: one `/`, then anything but another slash or a backslash (or nothing). */
const LOCAL_PATH = /^\/(?![/\\])/;

/**
 * Where to go after logging in: a path on this site only, never an open redirect. Parsed the
 * way a browser would (it reads `/\evil.example` and `/\t/evil.example` as other hosts), so a
 * prefix check alone is not enough; and checked again after parsing, since removing dot segments
 * can leave `//evil.example` behind (`/.//evil.example`, `/a/..//evil.example`).
 */
export function safeNextPath(next: string | null, fallback = '/agent'): string {
	if (!next || !LOCAL_PATH.test(next) || next.length > 2000) return fallback;
	let url: URL;
	try {
		url = new URL(next, BASE);
	} catch {
		return fallback;
	}
	if (url.origin !== BASE) return fallback;
	const path = `${url.pathname}${url.search}${url.hash}`;
	if (!LOCAL_PATH.test(path)) return fallback;
	// What the browser will do with the Location header: it must land on the same path here.
	let landing: URL;
	try {
		landing = new URL(path, BASE);
	} catch {
		return fallback;
	}
	return landing.origin === BASE && landing.pathname === url.pathname ? path : fallback;
}
