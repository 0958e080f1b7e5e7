import type { Features, Role } from './protocol';

/**
 * A session ticket: the server's signed word that a peer ID belongs to a session, in a role,
 * with the session's allowed features. Format: base64url(JSON claims) "." base64url(Ed25519
 * signature of the first part). The server signs (src/lib/server/tickets.ts); browsers verify
 * with the server's public key before answering a call or a message.
 */
export interface TicketClaims {
	v: 1;
	/** Support session ID. */
	sid: string;
	role: Role;
	/** The signaling peer ID this ticket is bound to. */
	pid: string;
	/** Display name of the holder (agent or customer). */
	name: string;
	/** The agent's organisation, shown to the customer. */
	org: string;
	/** Agent's user ID (agents only). */
	uid?: string;
	features: Features;
	/** Issued at / expires at, milliseconds since the epoch. */
	iat: number;
	exp: number;
}

export type TicketCheck = { ok: true; claims: TicketClaims } | { ok: false; error: string };

const MAX_TICKET_LENGTH = 4096;

export function base64UrlToBytes(text: string): Uint8Array<ArrayBuffer> {
	const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
	const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
	const binary = atob(padded);
	const bytes = new Uint8Array(binary.length);
	for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
	return bytes;
}

/** Splits and decodes a ticket without checking its signature. */
export function decodeTicket(
	ticket: unknown
):
	| { ok: true; claims: TicketClaims; signed: string; signature: Uint8Array<ArrayBuffer> }
	| { ok: false; error: string } {
	if (typeof ticket !== 'string' || ticket.length === 0 || ticket.length > MAX_TICKET_LENGTH) {
		return { ok: false, error: 'malformed' };
	}
	const parts = ticket.split('.');
	if (
		parts.length !== 2 ||
		!/^[A-Za-z0-9_-]+$/.test(parts[0]) ||
		!/^[A-Za-z0-9_-]+$/.test(parts[1])
	) {
		return { ok: false, error: 'malformed' };
	}
	try {
		const json = new TextDecoder().decode(base64UrlToBytes(parts[0]));
		const claims = JSON.parse(json) as TicketClaims;
		if (!isClaims(claims)) return { ok: false, error: 'malformed' };
		return { ok: true, claims, signed: parts[0], signature: base64UrlToBytes(parts[1]) };
	} catch {
		return { ok: false, error: 'malformed' };
	}
}

function isClaims(value: unknown): value is TicketClaims {
	if (!value || typeof value !== 'object') return false;
	const c = value as Record<string, unknown>;
	return (
		c.v === 1 &&
		typeof c.sid === 'string' &&
		(c.role === 'customer' || c.role === 'agent') &&
		typeof c.pid === 'string' &&
		typeof c.name === 'string' &&
		typeof c.org === 'string' &&
		typeof c.iat === 'number' &&
		typeof c.exp === 'number' &&
		!!c.features &&
		typeof c.features === 'object'
	);
}

/** What a peer expects of the other side's ticket. */
export interface TicketExpectation {
	sessionId: string;
	peerId: string;
	role?: Role;
	now?: number;
}

/**
 * Verifies a ticket with WebCrypto (browsers and Node): signature, expiry, and that it names
 * the expected session and peer ID. `publicKey` is the server's raw Ed25519 key, base64url.
 */
export async function verifyTicket(
	ticket: unknown,
	publicKey: string | CryptoKey,
	expected: TicketExpectation
): Promise<TicketCheck> {
	const decoded = decodeTicket(ticket);
	if (!decoded.ok) return decoded;
	const key =
		typeof publicKey === 'string'
			? await crypto.subtle.importKey(
					'raw',
					base64UrlToBytes(publicKey),
					{ name: 'Ed25519' },
					false,
					['verify']
				)
			: publicKey;
	const valid = await crypto.subtle.verify(
		{ name: 'Ed25519' },
		key,
		decoded.signature,
		new TextEncoder().encode(decoded.signed)
	);
	if (!valid) return { ok: false, error: 'bad-signature' };
	return checkClaims(decoded.claims, expected);
}

export function checkClaims(claims: TicketClaims, expected: TicketExpectation): TicketCheck {
	const now = expected.now ?? Date.now();
	if (claims.exp <= now) return { ok: false, error: 'expired' };
	if (claims.sid !== expected.sessionId) return { ok: false, error: 'wrong-session' };
	if (claims.pid !== expected.peerId) return { ok: false, error: 'wrong-peer' };
	if (expected.role && claims.role !== expected.role) return { ok: false, error: 'wrong-role' };
	return { ok: true, claims };
}
