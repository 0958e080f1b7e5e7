import { describe, expect, it } from 'vitest';
import { adminErrorText, type AdminErrorCode } from '$lib/admin-errors';

const CODES: AdminErrorCode[] = [
	'email-taken',
	'choose-group',
	'disable-self',
	'no-account',
	'already-disabled',
	'not-disabled',
	'last-admin',
	'own-admin-role',
	'enable-first',
	'no-group',
	'group-taken',
	'default-group',
	'group-has-agents'
];

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
		for (const code of CODES) {
			expect(adminErrorText(code, { locale: 'en' })).not.toBe('');
			expect(adminErrorText(code, { locale: 'it' })).not.toBe(
				adminErrorText(code, { locale: 'en' })
			);
		}
	});
});
