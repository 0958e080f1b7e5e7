const BASE = 'http://ponte.invalid';

/**
 * Where to go after logging in: a path on this site only, never an open redirect. Parsed the
 * way a browser would (it reads `/\evil.example` and `/\t/evil.example` as other hosts), so a
 * prefix check alone is not enough.
 */
export function safeNextPath(next: string | null, fallback = '/agent'): string {
	if (!next || !next.startsWith('/') || next.length > 2000) return fallback;
	let url: URL;
	try {
		url = new URL(next, BASE);
	} catch {
		return fallback;
	}
	if (url.origin !== BASE) return fallback;
	return `${url.pathname}${url.search}${url.hash}`;
}
