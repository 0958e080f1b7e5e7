import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
	Device,
	PBKDF2_ITERATIONS,
	backoffDelayMs,
	base64UrlToBytes,
	deviceStatement,
	hashPassword,
	verifyPasswordHash,
	type KeyValueStore
} from './device';

/** Stands in for idb-keyval; structuredClone keeps CryptoKeys as IndexedDB would. */
function memoryStore(): KeyValueStore & { data: Map<string, unknown> } {
	const data = new Map<string, unknown>();
	return {
		data,
		async get<T>(key: string) {
			return data.has(key) ? (structuredClone(data.get(key)) as T) : undefined;
		},
		async set(key, value) {
			data.set(key, structuredClone(value));
		},
		async del(key) {
			data.delete(key);
		}
	};
}

const PASSWORD = 'a very long device password';

// 600,000 PBKDF2 iterations per check, several checks per test: slow on a busy machine.
describe('device password', { timeout: 30_000 }, () => {
	it('hashes with PBKDF2-SHA-256, 600,000 iterations and a random salt', async () => {
		const first = await hashPassword(PASSWORD);
		const second = await hashPassword(PASSWORD);
		expect(first.algorithm).toBe('PBKDF2-SHA-256');
		expect(first.iterations).toBeGreaterThanOrEqual(600_000);
		expect(base64UrlToBytes(first.salt)).toHaveLength(16);
		expect(first.salt).not.toBe(second.salt);
		expect(first.hash).not.toBe(second.hash);
		// The same derivation as Node's own PBKDF2: the hash is exactly what it says it is.
		const expected = crypto.pbkdf2Sync(
			PASSWORD,
			base64UrlToBytes(first.salt),
			PBKDF2_ITERATIONS,
			32,
			'sha256'
		);
		expect(Buffer.from(base64UrlToBytes(first.hash)).equals(expected)).toBe(true);
	});

	it('verifies the right password and refuses others and weakened hashes', async () => {
		const stored = await hashPassword(PASSWORD);
		expect(await verifyPasswordHash(PASSWORD, stored)).toBe(true);
		expect(await verifyPasswordHash(`${PASSWORD} `, stored)).toBe(false);
		expect(await verifyPasswordHash('', stored)).toBe(false);
		expect(await verifyPasswordHash(PASSWORD, { ...stored, iterations: 1000 })).toBe(false);
		await expect(hashPassword(PASSWORD, 1000)).rejects.toThrow();
	});

	it('backs off after three wrong passwords, per agent and for the device', async () => {
		let now = 1_000_000;
		const device = new Device(memoryStore(), () => now);
		await device.enrol(await device.createIdentity('Front desk', 'Ada'), PASSWORD);
		for (let i = 0; i < 3; i++) {
			expect(await device.checkPassword('wrong password!', 'agent-1')).toEqual({
				ok: false,
				error: 'wrong-password'
			});
		}
		// The third failure set a wait: even the right password waits, for everyone.
		expect(await device.checkPassword(PASSWORD, 'agent-1')).toMatchObject({
			ok: false,
			error: 'backoff',
			retryAfterMs: 10_000
		});
		expect(await device.checkPassword(PASSWORD, 'agent-2')).toMatchObject({ error: 'backoff' });
		now += 10_000;
		expect(await device.checkPassword(PASSWORD, 'agent-1')).toEqual({ ok: true });
		expect(backoffDelayMs(2)).toBe(0);
		expect(backoffDelayMs(4)).toBe(20_000);
		expect(backoffDelayMs(100)).toBe(15 * 60 * 1000);
	});

	it('checks passwords one at a time: ten at once are three wrong, then waits', async () => {
		const device = new Device(memoryStore(), () => 1_000_000);
		await device.enrol(await device.createIdentity('Front desk', 'Ada'), PASSWORD);
		const results = await Promise.all(
			Array.from({ length: 10 }, (_, i) => device.checkPassword(`wrong password ${i}`, 'agent-1'))
		);
		expect(results.map((r) => (r.ok ? 'ok' : r.error))).toEqual([
			...Array(3).fill('wrong-password'),
			...Array(7).fill('backoff')
		]);
	});

	it('changes the password only with the current one', async () => {
		const device = new Device(memoryStore());
		await device.enrol(await device.createIdentity('Laptop', 'Ada'), PASSWORD);
		expect(await device.changePassword('not the password', 'another long password')).toEqual({
			ok: false,
			error: 'wrong-current'
		});
		expect(await device.changePassword(PASSWORD, 'short')).toEqual({
			ok: false,
			error: 'too-short'
		});
		expect(await device.changePassword(PASSWORD, 'another long password')).toEqual({ ok: true });
		expect(await device.checkPassword(PASSWORD, 'a')).toEqual({
			ok: false,
			error: 'wrong-password'
		});
		expect(await device.checkPassword('another long password', 'a')).toEqual({ ok: true });
	});

	it('refuses a password under 12 characters at enrolment', async () => {
		const device = new Device(memoryStore());
		await expect(
			device.enrol(await device.createIdentity('PC', 'Ada'), 'short pass')
		).rejects.toThrow(/12 characters/);
		expect(await device.identity()).toBeNull();
	});
});

describe('device identity', { timeout: 30_000 }, () => {
	it('keeps a non-extractable private key whose signatures the server can check', async () => {
		const store = memoryStore();
		const device = new Device(store);
		await device.enrol(await device.createIdentity('Front desk', 'Ada'), PASSWORD);
		const identity = (await device.identity())!;
		expect(identity.deviceId).toMatch(/^[A-Za-z0-9_-]{22}$/);
		expect(identity.privateKey.extractable).toBe(false);
		await expect(crypto.subtle.exportKey('jwk', identity.privateKey)).rejects.toThrow();
		expect(identity.publicKeyJwk).toEqual({
			kty: 'EC',
			crv: 'P-256',
			x: expect.any(String),
			y: expect.any(String)
		});

		const statement = deviceStatement('block', identity.deviceId, 'challenge-1');
		const signature = await device.sign(identity, statement);
		// As the server checks it: Node's crypto with the stored JWK, r||s encoding.
		const publicKey = crypto.createPublicKey({
			key: identity.publicKeyJwk as never,
			format: 'jwk'
		});
		const verify = (text: string) =>
			crypto.verify(
				'sha256',
				Buffer.from(text),
				{ key: publicKey, dsaEncoding: 'ieee-p1363' },
				Buffer.from(base64UrlToBytes(signature))
			);
		expect(verify(statement)).toBe(true);
		expect(verify(deviceStatement('unblock', identity.deviceId, 'challenge-1'))).toBe(false);
	});

	it('remembers blocking and the connection log, and forgets everything on removal', async () => {
		let now = 5_000;
		const store = memoryStore();
		const device = new Device(store, () => now);
		await device.enrol(await device.createIdentity('PC', 'Ada'), PASSWORD);
		expect(await device.isBlocked()).toBe(false);
		await device.setBlocked(true);
		expect(await device.isBlocked()).toBe(true);
		const startedAt = await device.connectionStarted('Ada Lovelace');
		now += 60_000;
		await device.connectionEnded(startedAt);
		expect(await device.connections()).toEqual([
			{ agentName: 'Ada Lovelace', startedAt: 5_000, endedAt: 65_000 }
		]);
		await device.forget();
		expect(await device.identity()).toBeNull();
		expect(await device.checkPassword(PASSWORD, 'a')).toEqual({ ok: false, error: 'no-password' });
		expect(store.data.size).toBe(0);
	});
});
