import { base64UrlToBytes, bytesToBase64Url } from './device';

/**
 * The unattended password travels from the agent's browser to the device through the server,
 * sealed to the device: ECDH P-256 with a key the device made when it went available, HKDF-SHA-256,
 * AES-256-GCM. The server relays bytes it cannot read and never stores them.
 */

export interface SealedEnvelope {
	/** The sender's one-time ECDH public key (JWK x, y). */
	epk: { x: string; y: string };
	iv: string;
	ciphertext: string;
}

const ECDH = { name: 'ECDH', namedCurve: 'P-256' } as const;
const INFO = new TextEncoder().encode('ponte-unattended-password-v1');

async function aesKey(privateKey: CryptoKey, publicKey: CryptoKey, context: string) {
	const shared = await crypto.subtle.deriveBits(
		{ name: 'ECDH', public: publicKey },
		privateKey,
		256
	);
	const material = await crypto.subtle.importKey('raw', shared, 'HKDF', false, ['deriveKey']);
	return crypto.subtle.deriveKey(
		{ name: 'HKDF', hash: 'SHA-256', salt: new TextEncoder().encode(context), info: INFO },
		material,
		{ name: 'AES-GCM', length: 256 },
		false,
		['encrypt', 'decrypt']
	);
}

function importPublic(point: { x: string; y: string }) {
	return crypto.subtle.importKey('jwk', { kty: 'EC', crv: 'P-256', ...point }, ECDH, false, []);
}

/** The device's key for one period of being available; the private half never leaves it. */
export async function newExchangeKey(): Promise<{
	privateKey: CryptoKey;
	publicJwk: { x: string; y: string };
}> {
	const pair = (await crypto.subtle.generateKey(ECDH, false, ['deriveBits'])) as CryptoKeyPair;
	const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
	return { privateKey: pair.privateKey, publicJwk: { x: jwk.x!, y: jwk.y! } };
}

/** `context` binds the envelope to one request (its device and agent), so it cannot be reused. */
export async function seal(
	recipient: { x: string; y: string },
	plaintext: string,
	context: string
): Promise<SealedEnvelope> {
	const ephemeral = (await crypto.subtle.generateKey(ECDH, true, ['deriveBits'])) as CryptoKeyPair;
	const key = await aesKey(ephemeral.privateKey, await importPublic(recipient), context);
	const iv = crypto.getRandomValues(new Uint8Array(12));
	const ciphertext = await crypto.subtle.encrypt(
		{ name: 'AES-GCM', iv },
		key,
		new TextEncoder().encode(plaintext)
	);
	const epk = await crypto.subtle.exportKey('jwk', ephemeral.publicKey);
	return {
		epk: { x: epk.x!, y: epk.y! },
		iv: bytesToBase64Url(iv),
		ciphertext: bytesToBase64Url(new Uint8Array(ciphertext))
	};
}

export async function open(
	privateKey: CryptoKey,
	envelope: SealedEnvelope,
	context: string
): Promise<string | null> {
	try {
		const key = await aesKey(privateKey, await importPublic(envelope.epk), context);
		const plaintext = await crypto.subtle.decrypt(
			{ name: 'AES-GCM', iv: base64UrlToBytes(envelope.iv) },
			key,
			base64UrlToBytes(envelope.ciphertext)
		);
		return new TextDecoder().decode(plaintext);
	} catch {
		return null;
	}
}
