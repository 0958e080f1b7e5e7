import crypto from 'node:crypto';
import type { Cookies } from '@sveltejs/kit';
import { normaliseEmail } from './auth';
import { hmac, randomId } from './secrets';

/**
 * The "device cookie" (OWASP, blocking brute force without locking out the owner): a browser
 * that has logged in to an account before holds a token signed for that account, and its
 * attempts skip the account's growing delay, which strangers' guesses feed. The per-address
 * limits still apply to it.
 */
export const DEVICE_COOKIE = 'ponte_device';
export const DEVICE_COOKIE_MAX_AGE_S = 365 * 24 * 60 * 60;
const PURPOSE = 'device-cookie';
const FORMAT = /^v1\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

function signature(key: Buffer, email: string, nonce: string): string {
	return hmac(key, PURPOSE, `${normaliseEmail(email)}\0${nonce}`);
}

/** A new token for the account `email`: `v1.<nonce>.<signature>`. */
export function issueDeviceToken(key: Buffer, email: string): string {
	const nonce = randomId(16);
	return `v1.${nonce}.${signature(key, email, nonce)}`;
}

/**
 * The token's nonce (its own identity, for counting its failures) when it was signed by this
 * server for the account `email`; null for anything else (absent, malformed, forged, another
 * account's).
 */
export function verifyDeviceToken(
	key: Buffer,
	email: string,
	token: string | undefined
): string | null {
	const match = token ? FORMAT.exec(token) : null;
	if (!match) return null;
	const [, nonce, given] = match;
	const expected = Buffer.from(signature(key, email, nonce));
	const actual = Buffer.from(given);
	return actual.length === expected.length && crypto.timingSafeEqual(actual, expected)
		? nonce
		: null;
}

export function setDeviceCookie(cookies: Cookies, token: string, secure: boolean): void {
	cookies.set(DEVICE_COOKIE, token, {
		path: '/',
		httpOnly: true,
		sameSite: 'lax',
		secure,
		maxAge: DEVICE_COOKIE_MAX_AGE_S
	});
}
