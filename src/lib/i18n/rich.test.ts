import { describe, expect, it } from 'vitest';
import { m } from '$lib/paraglide/messages';
import { splitMarked } from './rich';

describe('splitMarked', () => {
	it('finds the marked part wherever the language puts it', () => {
		expect(splitMarked('Something wrong? [[Report abuse]] ends the session.')).toEqual({
			before: 'Something wrong? ',
			marked: 'Report abuse',
			after: ' ends the session.'
		});
		expect(splitMarked('[[Avvisami]] quando la pagina è in background.')).toEqual({
			before: '',
			marked: 'Avvisami',
			after: ' quando la pagina è in background.'
		});
	});

	it('keeps an unmarked text whole', () => {
		expect(splitMarked('No link here.')).toEqual({
			before: 'No link here.',
			marked: '',
			after: ''
		});
	});

	it.each(['en', 'it'] as const)(
		'finds a marked part in every %s sentence that has one',
		(locale) => {
			for (const text of [m.notify_offer({}, { locale }), m.end_confirm_report({}, { locale })]) {
				expect(splitMarked(text).marked).not.toBe('');
			}
		}
	);
});
