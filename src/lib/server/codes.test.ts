import { describe, expect, it } from 'vitest';
import { formatSessionCode, generateSessionCode, normaliseSessionCode } from './codes';

describe('session codes', () => {
	it('are nine digits from the CSPRNG, leading zeros included, and rarely repeat', () => {
		const codes = new Set<string>();
		for (let i = 0; i < 5000; i++) {
			const code = generateSessionCode();
			expect(code).toMatch(/^\d{9}$/);
			codes.add(code);
		}
		// 5,000 draws from a billion: a collision would be a one-in-eighty event, two near impossible.
		expect(codes.size).toBeGreaterThanOrEqual(4998);
	});

	it('normalise what people type, consistently', () => {
		expect(normaliseSessionCode('123 456 789')).toBe('123456789');
		expect(normaliseSessionCode('123-456-789')).toBe('123456789');
		expect(normaliseSessionCode(' 012.345.678 ')).toBe('012345678');
		expect(normaliseSessionCode('１２３４５６７８９')).toBe('123456789');
		expect(normaliseSessionCode('12345678')).toBeNull();
		expect(normaliseSessionCode('1234567890')).toBeNull();
		expect(normaliseSessionCode('12345678a')).toBeNull();
		expect(normaliseSessionCode('١٢٣٤٥٦٧٨٩')).toBeNull();
		expect(normaliseSessionCode(123456789)).toBeNull();
		expect(normaliseSessionCode('1'.repeat(100))).toBeNull();
	});

	it('are shown in three groups', () => {
		expect(formatSessionCode('012345678')).toBe('012 345 678');
	});
});
