import { describe, expect, it } from 'vitest';
import {
	formatBytes,
	formatDuration,
	formatNumber,
	formatSpeed,
	formatTimeLeft,
	formatTimeShort,
	formatWait
} from './format';

describe('formatBytes', () => {
	it.each([
		[0, '0 B'],
		[1023, '1,023 B'],
		[1024, '1.0 kB'],
		[1536, '1.5 kB'],
		[10 * 1024, '10 kB'],
		[5.25 * 1024 * 1024, '5.3 MB'],
		[340 * 1024 * 1024, '340 MB'],
		[2 * 1024 ** 3, '2.0 GB'],
		[3 * 1024 ** 4, '3.0 TB'],
		[-1, ''],
		[NaN, '']
	])('%d -> %j', (bytes, text) => expect(formatBytes(bytes, 'en')).toBe(text));

	it('uses the locale’s decimal separator', () => {
		expect(formatBytes(1536, 'it')).toBe('1,5 kB');
		expect(formatBytes(1023, 'it')).toBe('1023 B');
	});
});

describe('formatSpeed', () => {
	it('adds per second, and is empty when not moving', () => {
		expect(formatSpeed(2.5 * 1024 * 1024, 'en')).toBe('2.5 MB/s');
		expect(formatSpeed(0, 'en')).toBe('');
	});
});

describe('formatTimeLeft', () => {
	it.each([
		[null, ''],
		[Infinity, ''],
		[0, '0 sec'],
		[0.2, '1 sec'],
		[45, '45 sec'],
		[60, '1 min'],
		[185, '3 min 5 sec'],
		[3600, '1 hr'],
		[7800, '2 hr 10 min']
	])('%j -> %j', (seconds, text) => expect(formatTimeLeft(seconds, 'en')).toBe(text));

	it('reads in Italian', () => {
		expect(formatTimeLeft(185, 'it')).toBe('3 min 5 s');
		expect(formatTimeLeft(7800, 'it')).toBe('2 h 10 min');
	});
});

describe('formatDuration', () => {
	it('takes milliseconds and shows a dash when unknown', () => {
		expect(formatDuration(65_000, 'en')).toBe('1 min 5 sec');
		expect(formatDuration(null, 'en')).toBe('—');
	});
});

describe('formatTimeShort and formatNumber', () => {
	const at = new Date(2026, 10, 25, 14, 5).getTime();
	it('reads hours and minutes per locale', () => {
		expect(formatTimeShort(at, 'it')).toBe('14:05');
		expect(formatTimeShort(at, 'en')).toMatch(/^02:05\sPM$/);
	});
	it('groups digits per locale', () => {
		expect(formatNumber(10_000, 'en')).toBe('10,000');
		expect(formatNumber(10_000, 'it')).toBe('10.000');
	});
});

describe('formatWait', () => {
	it('rounds up, to seconds under a minute and to minutes above, in the language', () => {
		expect(formatWait(1500, 'en')).toBe('2 seconds');
		expect(formatWait(1000, 'en')).toBe('1 second');
		expect(formatWait(0, 'en')).toBe('1 second');
		expect(formatWait(61_000, 'en')).toBe('2 minutes');
		expect(formatWait(15 * 60_000, 'en')).toBe('15 minutes');
		expect(formatWait(2000, 'it')).toBe('2 secondi');
		expect(formatWait(120_000, 'it')).toBe('2 minuti');
	});
});
