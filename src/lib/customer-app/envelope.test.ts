import { describe, expect, it } from 'vitest';
import { newExchangeKey, open, seal } from './envelope';

describe('password envelope', () => {
	it('only the device that made the key opens it, and only for the same request', async () => {
		const device = await newExchangeKey();
		const other = await newExchangeKey();
		const sealed = await seal(device.publicJwk, 'a very long device password', 'req-1');
		expect(sealed.ciphertext).not.toContain('password');
		expect(await open(device.privateKey, sealed, 'req-1')).toBe('a very long device password');
		expect(await open(other.privateKey, sealed, 'req-1')).toBeNull();
		expect(await open(device.privateKey, sealed, 'req-2')).toBeNull();
		// Always a different first character (a fixed 'A' left the ciphertext as it was 1 time in 64).
		const first = sealed.ciphertext[0] === 'A' ? 'B' : 'A';
		const tampered = { ...sealed, ciphertext: `${first}${sealed.ciphertext.slice(1)}` };
		expect(await open(device.privateKey, tampered, 'req-1')).toBeNull();
	});
});
