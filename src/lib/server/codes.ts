import crypto from 'node:crypto';

export const CODE_LENGTH = 9;

/** A 9-digit session code from the CSPRNG; leading zeros are part of the code. */
export function generateSessionCode(): string {
	return crypto
		.randomInt(0, 10 ** CODE_LENGTH)
		.toString()
		.padStart(CODE_LENGTH, '0');
}

/**
 * Accepts what people type: spaces, dashes, dots, full-width digits (NFKC). Anything else, or
 * not exactly nine digits, is not a code.
 */
export function normaliseSessionCode(input: unknown): string | null {
	if (typeof input !== 'string' || input.length > 64) return null;
	const compact = input.normalize('NFKC').replace(/[\s\-.\u2010-\u2015]/g, '');
	return /^\d{9}$/.test(compact) ? compact : null;
}

/** Shown to people as `123 456 789`. */
export function formatSessionCode(code: string): string {
	return `${code.slice(0, 3)} ${code.slice(3, 6)} ${code.slice(6, 9)}`;
}
