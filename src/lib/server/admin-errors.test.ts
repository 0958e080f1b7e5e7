import { describe, expect, it } from 'vitest';
import { ADMIN_ERROR_CODES, adminErrorText } from '$lib/admin-errors';

describe('administration errors', () => {
	it('keep the English wording the pages showed, and have Italian for every code', () => {
		expect(adminErrorText('last-admin', { locale: 'en' })).toBe(
			'This is the last administrator: make another one first.'
		);
		expect(adminErrorText('email-taken', { locale: 'en' })).toBe(
			'An account with this email already exists.'
		);
		expect(adminErrorText('last-admin', { locale: 'it' })).toBe(
			"Questo è l'ultimo amministratore: creane prima un altro."
		);
		expect(ADMIN_ERROR_CODES).toHaveLength(13);
		for (const code of ADMIN_ERROR_CODES) {
			const english = adminErrorText(code, { locale: 'en' });
			expect(english).not.toBe('');
			expect(adminErrorText(code, { locale: 'it' })).not.toBe(english);
		}
	});
});
