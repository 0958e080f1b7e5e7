import { describe, expect, it } from 'vitest';
import { safeNextPath } from './redirects';

describe('safeNextPath (login ?next=)', () => {
	it('keeps paths on this site, with their query', () => {
		expect(safeNextPath('/agent/reports?page=2')).toBe('/agent/reports?page=2');
		expect(safeNextPath('/admin')).toBe('/admin');
	});

	it.each([
		null,
		'',
		'https://evil.example/',
		'//evil.example/',
		'/\\evil.example',
		'/\t/evil.example',
		'/\n/evil.example',
		'\\\\evil.example',
		'javascript:alert(1)',
		'agent',
		'/' + 'a'.repeat(3000)
	])('sends %j to the console instead of elsewhere', (next) => {
		expect(safeNextPath(next)).toBe('/agent');
	});
});
