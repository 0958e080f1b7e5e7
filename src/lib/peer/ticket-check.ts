/**
 * Checks a peer's session ticket against the server's Ed25519 public key: signature, expiry,
 * and that it names this session and the peer ID it came from. Who may talk to whom is the
 * peer directory's business; this answers only whether the server vouched for the peer.
 */
import { base64UrlToBytes, verifyTicket, type TicketCheck } from '$lib/session/ticket';

export class TicketChecker {
	readonly #sessionId: string;
	readonly #publicKey: string;
	/** Imported once, on the first check (WebCrypto keys cannot be made at module load). */
	#key: Promise<CryptoKey> | null = null;

	/** `publicKey` is the server's raw Ed25519 key, base64url. */
	constructor(sessionId: string, publicKey: string) {
		this.#sessionId = sessionId;
		this.#publicKey = publicKey;
	}

	async check(ticket: unknown, peerId: string): Promise<TicketCheck> {
		this.#key ??= crypto.subtle.importKey(
			'raw',
			base64UrlToBytes(this.#publicKey),
			{ name: 'Ed25519' },
			false,
			['verify']
		);
		return verifyTicket(ticket, await this.#key, { sessionId: this.#sessionId, peerId });
	}
}
