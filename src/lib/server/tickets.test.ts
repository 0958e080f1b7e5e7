import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEFAULT_FEATURES } from '$lib/session/protocol';
import { verifyTicket } from '$lib/session/ticket';
import { signTicket, verifyTicketSignature, type TicketSubject } from './tickets';

const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
const rawPublicKey = String(publicKey.export({ format: 'jwk' }).x);
const subject: TicketSubject = {
	sessionId: 'session-1',
	role: 'customer',
	peerId: 'peer-a',
	name: 'Maria',
	organisation: 'Acme',
	features: DEFAULT_FEATURES
};

function tamper(ticket: string, change: (claims: Record<string, unknown>) => void) {
	const [body, signature] = ticket.split('.');
	const claims = JSON.parse(Buffer.from(body, 'base64url').toString());
	change(claims);
	return `${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
}

describe('session tickets', () => {
	it('verify on the server and in the browser (WebCrypto) for the right peer', async () => {
		const ticket = signTicket(privateKey, subject);
		expect(verifyTicketSignature(publicKey, ticket)).toMatchObject({ ok: true });
		const check = await verifyTicket(ticket, rawPublicKey, {
			sessionId: 'session-1',
			peerId: 'peer-a'
		});
		expect(check.ok && check.claims.name).toBe('Maria');
	});

	it('refuse a tampered ticket', async () => {
		const ticket = tamper(signTicket(privateKey, subject), (c) => (c.role = 'agent'));
		expect(verifyTicketSignature(publicKey, ticket)).toEqual({ ok: false, error: 'bad-signature' });
		expect(
			await verifyTicket(ticket, rawPublicKey, { sessionId: 'session-1', peerId: 'peer-a' })
		).toEqual({ ok: false, error: 'bad-signature' });
	});

	it('refuse an expired ticket', async () => {
		const ticket = signTicket(privateKey, subject, Date.now() - 60_000, 1000);
		expect(verifyTicketSignature(publicKey, ticket)).toEqual({ ok: false, error: 'expired' });
		expect(
			await verifyTicket(ticket, rawPublicKey, { sessionId: 'session-1', peerId: 'peer-a' })
		).toEqual({ ok: false, error: 'expired' });
	});

	it('refuse a ticket used for another peer, session or role', async () => {
		const ticket = signTicket(privateKey, subject);
		expect(
			await verifyTicket(ticket, rawPublicKey, { sessionId: 'session-1', peerId: 'peer-b' })
		).toEqual({ ok: false, error: 'wrong-peer' });
		expect(
			await verifyTicket(ticket, rawPublicKey, { sessionId: 'session-2', peerId: 'peer-a' })
		).toEqual({ ok: false, error: 'wrong-session' });
		expect(
			await verifyTicket(ticket, rawPublicKey, {
				sessionId: 'session-1',
				peerId: 'peer-a',
				role: 'agent'
			})
		).toEqual({ ok: false, error: 'wrong-role' });
	});

	it('refuse a ticket signed by another key, and garbage', async () => {
		const other = crypto.generateKeyPairSync('ed25519');
		const ticket = signTicket(other.privateKey, subject);
		expect(verifyTicketSignature(publicKey, ticket)).toEqual({ ok: false, error: 'bad-signature' });
		for (const garbage of [null, 42, '', 'a.b.c', 'no-dot', '%%%.%%%', 'x'.repeat(10_000), {}]) {
			expect(verifyTicketSignature(publicKey, garbage).ok).toBe(false);
			expect((await verifyTicket(garbage, rawPublicKey, { sessionId: 's', peerId: 'p' })).ok).toBe(
				false
			);
		}
	});
});
