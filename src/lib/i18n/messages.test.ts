import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Every language has the same message files, the same keys, and the same placeholders. */
const root = join(process.cwd(), 'messages');
const settings = JSON.parse(
	readFileSync(join(process.cwd(), 'project.inlang/settings.json'), 'utf8')
);
const [base, ...others]: string[] = [
	settings.baseLocale,
	...settings.locales.filter((l: string) => l !== settings.baseLocale)
];

type Catalogue = Map<string, string>;

function catalogue(locale: string): Catalogue {
	const entries = new Map<string, string>();
	for (const file of readdirSync(join(root, locale)).sort()) {
		const json = JSON.parse(readFileSync(join(root, locale, file), 'utf8'));
		for (const [key, value] of Object.entries(json)) {
			if (key === '$schema') continue;
			expect(entries.has(key), `${locale}/${file}: ${key} is defined twice`).toBe(false);
			entries.set(key, typeof value === 'string' ? value : JSON.stringify(value));
		}
	}
	return entries;
}

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('message catalogues', () => {
	const reference = catalogue(base);

	it('has every locale listed in the project settings as a folder', () => {
		expect(readdirSync(root).sort()).toEqual([...settings.locales].sort());
	});

	it.each(others)('%s has the same keys and placeholders as the base locale', (locale) => {
		const translated = catalogue(locale);
		expect([...translated.keys()].sort()).toEqual([...reference.keys()].sort());
		for (const [key, text] of reference) {
			expect(placeholders(translated.get(key) ?? ''), `${locale}: ${key}`).toEqual(
				placeholders(text)
			);
			expect((translated.get(key) ?? '').trim(), `${locale}: ${key} is empty`).not.toBe('');
		}
	});
});
