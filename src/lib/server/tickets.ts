import crypto from 'node:crypto';
import type { Features, Role } from '$lib/session/protocol';
import { decodeTicket, type TicketCheck, type TicketClaims } from '$lib/session/ticket';

/** A ticket lives long enough to cover a join; pages refresh theirs well before it ends. */
export const TICKET_TTL_MS = 15 * 60 * 1000;

export interface TicketSubject {
	sessionId: string;
	role: Role;
	peerId: string;
	name: string;
	organisation: string;
	userId?: string;
	features: Features;
}

export function signTicket(
	privateKey: crypto.KeyObject,
	subject: TicketSubject,
	now = Date.now(),
	ttlMs = TICKET_TTL_MS
): string {
	const claims: TicketClaims = {
		v: 1,
		sid: subject.sessionId,
		role: subject.role,
		pid: subject.peerId,
		name: subject.name,
		org: subject.organisation,
		...(subject.userId ? { uid: subject.userId } : {}),
		features: subject.features,
		iat: now,
		exp: now + ttlMs
	};
	const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
	const signature = crypto.sign(null, Buffer.from(body), privateKey).toString('base64url');
	return `${body}.${signature}`;
}

/** Verifies signature and expiry (the server's own synchronous check). */
export function verifyTicketSignature(
	publicKey: crypto.KeyObject,
	ticket: unknown,
	now = Date.now()
): TicketCheck {
	const decoded = decodeTicket(ticket);
	if (!decoded.ok) return decoded;
	const valid = crypto.verify(null, Buffer.from(decoded.signed), publicKey, decoded.signature);
	if (!valid) return { ok: false, error: 'bad-signature' };
	if (decoded.claims.exp <= now) return { ok: false, error: 'expired' };
	return { ok: true, claims: decoded.claims };
}
