import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatSpeed } from './format';

describe('formatBytes', () => {
	it.each([
		[0, '0 B'],
		[1023, '1023 B'],
		[1024, '1.0 KB'],
		[1536, '1.5 KB'],
		[10 * 1024, '10 KB'],
		[5.25 * 1024 * 1024, '5.3 MB'],
		[340 * 1024 * 1024, '340 MB'],
		[2 * 1024 ** 3, '2.0 GB'],
		[3 * 1024 ** 4, '3.0 TB'],
		[-1, ''],
		[NaN, '']
	])('%d -> %j', (bytes, text) => expect(formatBytes(bytes)).toBe(text));
});

describe('formatSpeed', () => {
	it('adds per second, and is empty when not moving', () => {
		expect(formatSpeed(2.5 * 1024 * 1024)).toBe('2.5 MB/s');
		expect(formatSpeed(0)).toBe('');
	});
});

describe('formatDuration', () => {
	it.each([
		[null, ''],
		[Infinity, ''],
		[0, '0 s'],
		[0.2, '1 s'],
		[45, '45 s'],
		[60, '1 min'],
		[185, '3 min 5 s'],
		[3600, '1 h'],
		[7800, '2 h 10 min']
	])('%j -> %j', (seconds, text) => expect(formatDuration(seconds)).toBe(text));
});
