import { describe, expect, it } from 'vitest';
import { generatePassword, hashPassword, verifyPassword } from './passwords';

describe('password hashing', () => {
	it('verifies the right password only, with a fresh salt each time', async () => {
		const hash = await hashPassword('correct horse battery staple');
		expect(hash).toMatch(/^scrypt\$32768\$8\$1\$/);
		expect(hash).not.toContain('correct horse');
		expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
		expect(await verifyPassword('correct horse battery stapl', hash)).toBe(false);
		expect(await hashPassword('correct horse battery staple')).not.toBe(hash);
	});

	it('refuses malformed stored hashes', async () => {
		expect(await verifyPassword('x', '')).toBe(false);
		expect(await verifyPassword('x', 'bcrypt$whatever')).toBe(false);
	});

	it('generates strong passwords', () => {
		const password = generatePassword();
		expect(password).toHaveLength(20);
		expect(generatePassword()).not.toBe(password);
	});
});
