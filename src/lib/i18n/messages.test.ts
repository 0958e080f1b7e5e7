import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Every language is one file, messages/<locale>.json, with the same keys and the same
 * placeholders as the base language's.
 */
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
	const text = readFileSync(join(root, `${locale}.json`), 'utf8');
	// JSON.parse keeps the last of two equal keys without a word: count the top-level keys.
	const keys = [...text.matchAll(/^\t"([^"]+)":/gm)].map((match) => match[1]);
	const twice = keys.filter((key, index) => keys.indexOf(key) !== index);
	expect(twice, `${locale}.json defines keys twice`).toEqual([]);
	const entries = new Map<string, string>();
	for (const [key, value] of Object.entries(JSON.parse(text))) {
		if (key === '$schema') continue;
		entries.set(key, typeof value === 'string' ? value : JSON.stringify(value));
	}
	return entries;
}

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('message catalogues', () => {
	const reference = catalogue(base);

	it('has one file for every locale listed in the project settings, and no other', () => {
		expect(readdirSync(root).sort()).toEqual(
			settings.locales.map((locale: string) => `${locale}.json`).sort()
		);
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
