import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ensureDataDir, makePrivate } from './data-dir';

/**
 * The server's own secrets, generated once into DATA_DIR (never in the repository):
 * an HMAC key (session-code hashes, signaling tokens) and an Ed25519 key pair that signs
 * session tickets. Browsers verify tickets with the public key, so two peers can check
 * each other even while the server restarts.
 */
export interface ServerSecrets {
	hmacKey: Buffer;
	ticketPrivateKey: crypto.KeyObject;
	ticketPublicKey: crypto.KeyObject;
	/** Raw 32-byte Ed25519 public key, base64url: what pages import with WebCrypto. */
	ticketPublicKeyRaw: string;
}

interface StoredSecrets {
	version: 1;
	hmacKey: string;
	ticketPrivateKeyPem: string;
}

export function loadOrCreateSecrets(dataDir: string): ServerSecrets {
	const file = path.join(dataDir, 'secrets.json');
	let stored: StoredSecrets;
	if (fs.existsSync(file)) {
		makePrivate(file);
		stored = JSON.parse(fs.readFileSync(file, 'utf8')) as StoredSecrets;
	} else {
		const { privateKey } = crypto.generateKeyPairSync('ed25519');
		stored = {
			version: 1,
			hmacKey: crypto.randomBytes(32).toString('base64url'),
			ticketPrivateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
		};
		ensureDataDir(dataDir);
		// Written to a temporary file first so a crash never leaves half a key, then linked into
		// place only if absent: nodes sharing one DATA_DIR that start together (a cluster) all end
		// up with the first one's keys, never each with its own.
		const temporary = `${file}.${process.pid}.tmp`;
		fs.writeFileSync(temporary, JSON.stringify(stored), { mode: 0o600 });
		try {
			fs.linkSync(temporary, file);
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
			stored = JSON.parse(fs.readFileSync(file, 'utf8')) as StoredSecrets;
		} finally {
			fs.rmSync(temporary, { force: true });
		}
		makePrivate(file);
	}
	const ticketPrivateKey = crypto.createPrivateKey(stored.ticketPrivateKeyPem);
	const ticketPublicKey = crypto.createPublicKey(ticketPrivateKey);
	const jwk = ticketPublicKey.export({ format: 'jwk' });
	return {
		hmacKey: Buffer.from(stored.hmacKey, 'base64url'),
		ticketPrivateKey,
		ticketPublicKey,
		ticketPublicKeyRaw: String(jwk.x)
	};
}

export function hmac(key: Buffer, purpose: string, value: string): string {
	return crypto.createHmac('sha256', key).update(`${purpose}\0${value}`).digest('base64url');
}

export function randomId(bytes = 16): string {
	return crypto.randomBytes(bytes).toString('base64url');
}

export function sha256(value: string): string {
	return crypto.createHash('sha256').update(value).digest('base64url');
}
