/**
 * Why `getDisplayMedia` did not give a screen, from the error it rejected with. Pure: the
 * caller passes the error and whether the page is a secure context. Only the customer's own
 * Cancel is 'cancelled'; everything else is the computer, the browser or a policy saying no,
 * which the customer cannot fix by trying again and the agent should know about.
 */
export const CAPTURE_FAILURES = [
	/** The customer closed the picker or pressed Cancel. */
	'cancelled',
	/** The operating system refused (macOS Screen Recording permission, a Linux portal). */
	'system-permission',
	/** A browser or organisation policy forbids screen capture here. */
	'policy',
	/** Nothing could be captured (Wayland without a desktop portal, no screen). */
	'no-source',
	/** The screen could not be read (another app is capturing it, a driver error). */
	'busy',
	/** The capture was interrupted before it started. */
	'aborted',
	/** This browser cannot capture the screen. */
	'unsupported',
	/** The page is not a secure context (plain http), so capture is not offered. */
	'insecure',
	/** Any other failure. */
	'failed'
] as const;

export type CaptureFailure = (typeof CAPTURE_FAILURES)[number];

export function isCaptureFailure(value: unknown): value is CaptureFailure {
	return typeof value === 'string' && (CAPTURE_FAILURES as readonly string[]).includes(value);
}

function field(error: unknown, key: 'name' | 'message'): string {
	if (typeof error !== 'object' || error === null) return '';
	try {
		const value = (error as Record<string, unknown>)[key];
		return typeof value === 'string' ? value : '';
	} catch {
		return '';
	}
}

/**
 * Chromium: Cancel is `NotAllowedError: Permission denied`; the OS refusing is `NotAllowedError:
 * Permission denied by system`; a Permissions-Policy is "… disallowed by permissions policy".
 * Firefox: Cancel is `NotAllowedError: The request is not allowed by the user agent or the
 * platform in the current context.` (which it also says for some system refusals: read as Cancel,
 * today's wording). Safari: Cancel is `NotAllowedError` too.
 */
export function classifyCaptureError(
	error: unknown,
	environment: { secureContext?: boolean } = {}
): CaptureFailure {
	if (environment.secureContext === false) return 'insecure';
	const name = field(error, 'name');
	const message = field(error, 'message').toLowerCase();
	const mentionsPolicy = /\bpolic(y|ies)\b/.test(message);
	switch (name) {
		case 'NotAllowedError':
		case 'PermissionDeniedError':
			if (mentionsPolicy) return 'policy';
			if (/\bby (the )?(system|operating system)\b|system permission/.test(message)) {
				return 'system-permission';
			}
			return 'cancelled';
		case 'SecurityError':
			return mentionsPolicy ? 'policy' : 'insecure';
		case 'NotFoundError':
		case 'DevicesNotFoundError':
			return 'no-source';
		case 'NotReadableError':
		case 'TrackStartError':
			return 'busy';
		case 'AbortError':
		case 'InvalidStateError':
			return 'aborted';
		case 'NotSupportedError':
		case 'TypeError':
			return 'unsupported';
		default:
			return 'failed';
	}
}

/** Which operating system's guidance to give, from the browser's user agent string. */
export function capturePlatform(userAgent: string): 'mac' | 'linux' | 'windows' | 'other' {
	if (/Macintosh|Mac OS X/.test(userAgent) && !/iPhone|iPad/.test(userAgent)) return 'mac';
	if (/Windows/.test(userAgent)) return 'windows';
	if (/Linux|X11|CrOS/.test(userAgent) && !/Android/.test(userAgent)) return 'linux';
	return 'other';
}
