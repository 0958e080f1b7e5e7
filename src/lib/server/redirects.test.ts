import { describe, expect, it } from 'vitest';
import { safeNextPath } from './redirects';

describe('safeNextPath (login ?next=)', () => {
	it('keeps paths on this site, with their query', () => {
		expect(safeNextPath('/agent/reports?page=2')).toBe('/agent/reports?page=2');
		expect(safeNextPath('/admin')).toBe('/admin');
		expect(safeNextPath('/')).toBe('/');
		expect(safeNextPath('/agent/./reports/../devices')).toBe('/agent/devices');
		expect(safeNextPath('/agent?next=//evil.example')).toBe('/agent?next=//evil.example');
	});

	it.each([
		null,
		'',
		'https://evil.example/',
		'//evil.example/',
		'/\\evil.example',
		'/.//evil.example',
		'/./\\evil.example',
		'/%2e//evil.example',
		'/%2E%2E//evil.example',
		'/a/..//evil.example',
		'/a/../\\evil.example',
		'/a/%2e%2e//evil.example',
		'/..//evil.example',
		'/.\t//evil.example',
		'///evil.example',
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
