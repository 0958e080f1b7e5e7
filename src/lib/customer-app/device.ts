/**
 * This computer's identity for unattended access, kept in the browser (IndexedDB):
 * - a random device ID and a WebCrypto ECDSA P-256 key pair whose private key cannot be
 *   exported (CryptoKey objects are stored as they are: IndexedDB clones them);
 * - the unattended password as a PBKDF2-SHA-256 hash with a random salt: the password is
 *   verified here, on the device, and never leaves it;
 * - the customer's block/allow choice and the log of unattended connections.
 * No DOM: the store is injected (idb-keyval in the app, a Map in unit tests).
 */

export const PBKDF2_ITERATIONS = 600_000;
export const MIN_DEVICE_PASSWORD_LENGTH = 12;
const SALT_BYTES = 16;
const HASH_BITS = 256;
const DEVICE_ID_BYTES = 16;
/** Signed statements start with this, so a device signature means one thing only. */
export const DEVICE_SIGNATURE_CONTEXT = 'ponte-device-v1';
/** Past unattended connections kept on the device. */
const MAX_LOG_ENTRIES = 100;
/** Wrong passwords allowed before the device makes the next attempt wait. */
const FREE_ATTEMPTS = 3;
const MAX_BACKOFF_MS = 15 * 60 * 1000;

export interface KeyValueStore {
	get<T>(key: string): Promise<T | undefined>;
	set(key: string, value: unknown): Promise<void>;
	del(key: string): Promise<void>;
}

export interface PasswordHash {
	algorithm: 'PBKDF2-SHA-256';
	iterations: number;
	/** base64url */
	salt: string;
	/** base64url */
	hash: string;
}

export interface DeviceIdentity {
	deviceId: string;
	name: string;
	privateKey: CryptoKey;
	publicKey: CryptoKey;
	publicKeyJwk: JsonWebKey;
	enrolledAt: number;
	/** Who set it up: shown to the customer. */
	enrolledBy: string;
}

export interface UnattendedConnection {
	agentName: string;
	startedAt: number;
	endedAt: number | null;
}

interface Backoff {
	failures: number;
	/** No attempt is checked before this time (ms since the epoch). */
	nextAttemptAt: number;
}

export type PasswordCheck =
	| { ok: true }
	| { ok: false; error: 'wrong-password' | 'no-password' }
	| { ok: false; error: 'backoff'; retryAfterMs: number };

const KEYS = {
	identity: 'device-identity',
	password: 'device-password',
	blocked: 'device-blocked',
	log: 'device-log',
	backoff: (who: string) => `device-backoff:${who}`
};

export function bytesToBase64Url(bytes: Uint8Array): string {
	let binary = '';
	for (const byte of bytes) binary += String.fromCharCode(byte);
	return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function base64UrlToBytes(text: string): Uint8Array<ArrayBuffer> {
	const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
	const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
	const bytes = new Uint8Array(binary.length);
	for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
	return bytes;
}

function randomBytes(count: number): Uint8Array<ArrayBuffer> {
	return crypto.getRandomValues(new Uint8Array(count));
}

/** Equal-length comparison that does not stop at the first difference. */
function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
	if (a.length !== b.length) return false;
	let difference = 0;
	for (let i = 0; i < a.length; i++) difference |= a[i] ^ b[i];
	return difference === 0;
}

async function pbkdf2(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number) {
	const material = await crypto.subtle.importKey(
		'raw',
		new TextEncoder().encode(password.normalize('NFC')),
		'PBKDF2',
		false,
		['deriveBits']
	);
	const bits = await crypto.subtle.deriveBits(
		{ name: 'PBKDF2', hash: 'SHA-256', salt, iterations },
		material,
		HASH_BITS
	);
	return new Uint8Array(bits);
}

/** What is wrong with a new unattended password, as a code the page words. */
export function passwordProblem(password: string): 'too-short' | null {
	return [...password].length < MIN_DEVICE_PASSWORD_LENGTH ? 'too-short' : null;
}

export async function hashPassword(
	password: string,
	iterations = PBKDF2_ITERATIONS
): Promise<PasswordHash> {
	if (iterations < PBKDF2_ITERATIONS) throw new Error('Too few PBKDF2 iterations');
	const salt = randomBytes(SALT_BYTES);
	const hash = await pbkdf2(password, salt, iterations);
	return {
		algorithm: 'PBKDF2-SHA-256',
		iterations,
		salt: bytesToBase64Url(salt),
		hash: bytesToBase64Url(hash)
	};
}

export async function verifyPasswordHash(password: string, stored: PasswordHash): Promise<boolean> {
	if (stored.algorithm !== 'PBKDF2-SHA-256' || stored.iterations < PBKDF2_ITERATIONS) return false;
	const hash = await pbkdf2(password, base64UrlToBytes(stored.salt), stored.iterations);
	return constantTimeEqual(hash, base64UrlToBytes(stored.hash));
}

/** How long to wait after `failures` wrong passwords: free, then 10 s doubling up to 15 min. */
export function backoffDelayMs(failures: number): number {
	if (failures < FREE_ATTEMPTS) return 0;
	return Math.min(MAX_BACKOFF_MS, 10_000 * 2 ** (failures - FREE_ATTEMPTS));
}

/** The exact bytes a device signs: context, action, device ID and the server's challenge. */
export function deviceStatement(action: string, deviceId: string, challenge: string): string {
	return [DEVICE_SIGNATURE_CONTEXT, action, deviceId, challenge].join('\n');
}

export class Device {
	/** The password check in progress, if any: checks run one after another. */
	#checks: Promise<unknown> = Promise.resolve();

	constructor(
		private readonly store: KeyValueStore,
		private readonly now: () => number = Date.now
	) {}

	async identity(): Promise<DeviceIdentity | null> {
		return (await this.store.get<DeviceIdentity>(KEYS.identity)) ?? null;
	}

	/**
	 * A new identity: random ID and a key pair whose private half never leaves this browser.
	 * Not stored until `enrol` has the password too, so a declined setup leaves nothing behind.
	 */
	async createIdentity(name: string, enrolledBy: string): Promise<DeviceIdentity> {
		const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
			'sign',
			'verify'
		])) as CryptoKeyPair;
		const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
		return {
			deviceId: bytesToBase64Url(randomBytes(DEVICE_ID_BYTES)),
			name,
			privateKey: pair.privateKey,
			publicKey: pair.publicKey,
			publicKeyJwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y },
			enrolledAt: this.now(),
			enrolledBy
		};
	}

	/** Keeps the identity and the password's hash: this computer is now set up. */
	async enrol(identity: DeviceIdentity, password: string): Promise<void> {
		if (passwordProblem(password)) {
			throw new Error(`The password must have at least ${MIN_DEVICE_PASSWORD_LENGTH} characters.`);
		}
		await this.store.set(KEYS.password, await hashPassword(password));
		await this.store.set(KEYS.identity, identity);
		await this.store.set(KEYS.blocked, false);
	}

	/** Signs a statement with the device key (ECDSA P-256 / SHA-256, r||s), base64url. */
	async sign(identity: DeviceIdentity, statement: string): Promise<string> {
		const signature = await crypto.subtle.sign(
			{ name: 'ECDSA', hash: 'SHA-256' },
			identity.privateKey,
			new TextEncoder().encode(statement)
		);
		return bytesToBase64Url(new Uint8Array(signature));
	}

	/**
	 * Checks a password someone offers to connect. `who` names the asker (an agent's user ID):
	 * wrong passwords slow down that asker and the device as a whole, each with its own count.
	 */
	checkPassword(password: string, who: string): Promise<PasswordCheck> {
		// One check at a time: each reads the wait, hashes, then writes the failure, so checks in
		// parallel would all read the same old count and all be judged.
		const check = this.#checks.then(() => this.#checkPassword(password, who));
		this.#checks = check.catch(() => undefined);
		return check;
	}

	async #checkPassword(password: string, who: string): Promise<PasswordCheck> {
		const stored = await this.store.get<PasswordHash>(KEYS.password);
		if (!stored) return { ok: false, error: 'no-password' };
		const keys = [KEYS.backoff(`agent:${who}`), KEYS.backoff('device')];
		const now = this.now();
		const states = await Promise.all(
			keys.map(
				async (key) => (await this.store.get<Backoff>(key)) ?? { failures: 0, nextAttemptAt: 0 }
			)
		);
		const waitUntil = Math.max(...states.map((s) => s.nextAttemptAt));
		if (waitUntil > now) return { ok: false, error: 'backoff', retryAfterMs: waitUntil - now };
		if (await verifyPasswordHash(password, stored)) {
			await this.store.del(keys[0]);
			await this.store.del(keys[1]);
			return { ok: true };
		}
		for (const [i, key] of keys.entries()) {
			const failures = states[i].failures + 1;
			await this.store.set(key, { failures, nextAttemptAt: now + backoffDelayMs(failures) });
		}
		return { ok: false, error: 'wrong-password' };
	}

	/** The customer changes the password: only with the current one. */
	async changePassword(
		current: string,
		next: string
	): Promise<{ ok: true } | { ok: false; error: 'wrong-current' | 'too-short' }> {
		const stored = await this.store.get<PasswordHash>(KEYS.password);
		if (!stored || !(await verifyPasswordHash(current, stored))) {
			return { ok: false, error: 'wrong-current' };
		}
		const problem = passwordProblem(next);
		if (problem) return { ok: false, error: problem };
		await this.store.set(KEYS.password, await hashPassword(next));
		return { ok: true };
	}

	async isBlocked(): Promise<boolean> {
		return (await this.store.get<boolean>(KEYS.blocked)) === true;
	}

	async setBlocked(blocked: boolean): Promise<void> {
		await this.store.set(KEYS.blocked, blocked);
	}

	async connections(): Promise<UnattendedConnection[]> {
		return (await this.store.get<UnattendedConnection[]>(KEYS.log)) ?? [];
	}

	/** Records the start of a connection; returns its start time, for `connectionEnded`. */
	async connectionStarted(agentName: string): Promise<number> {
		const log = await this.connections();
		const startedAt = this.now();
		log.unshift({ agentName, startedAt, endedAt: null });
		await this.store.set(KEYS.log, log.slice(0, MAX_LOG_ENTRIES));
		return startedAt;
	}

	async connectionEnded(startedAt: number): Promise<void> {
		const log = await this.connections();
		const entry = log.find((e) => e.startedAt === startedAt && e.endedAt === null);
		if (!entry) return;
		entry.endedAt = this.now();
		await this.store.set(KEYS.log, log);
	}

	/** "Remove this computer": identity, password, choices and log all go. */
	async forget(): Promise<void> {
		for (const key of [KEYS.identity, KEYS.password, KEYS.blocked, KEYS.log]) {
			await this.store.del(key);
		}
	}
}
