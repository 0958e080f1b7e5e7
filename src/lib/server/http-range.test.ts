import { describe, expect, it } from 'vitest';
import { parseRange } from './http-range';

describe('parseRange (RFC 9110, one range)', () => {
	it('serves the whole without a header', () => {
		expect(parseRange(null, 1000)).toEqual({ kind: 'whole' });
	});

	it('bytes=a-b, a-, -n', () => {
		expect(parseRange('bytes=0-99', 1000)).toEqual({ kind: 'partial', start: 0, end: 99 });
		expect(parseRange('bytes=500-', 1000)).toEqual({ kind: 'partial', start: 500, end: 999 });
		expect(parseRange('bytes=-100', 1000)).toEqual({ kind: 'partial', start: 900, end: 999 });
		expect(parseRange('bytes=999-999', 1000)).toEqual({ kind: 'partial', start: 999, end: 999 });
		// The unit is case-insensitive; spaces around are nothing.
		expect(parseRange(' Bytes=1-2 ', 1000)).toEqual({ kind: 'partial', start: 1, end: 2 });
	});

	it('an end past the last byte is the last byte; a suffix longer than the file is all of it', () => {
		expect(parseRange('bytes=900-5000', 1000)).toEqual({ kind: 'partial', start: 900, end: 999 });
		expect(parseRange('bytes=-5000', 1000)).toEqual({ kind: 'partial', start: 0, end: 999 });
	});

	it('unsatisfiable: a first byte at or past the end, a suffix of nothing, anything of nothing', () => {
		expect(parseRange('bytes=1000-', 1000)).toEqual({ kind: 'unsatisfiable' });
		expect(parseRange('bytes=1000-1001', 1000)).toEqual({ kind: 'unsatisfiable' });
		expect(parseRange('bytes=-0', 1000)).toEqual({ kind: 'unsatisfiable' });
		expect(parseRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
		expect(parseRange('bytes=-5', 0)).toEqual({ kind: 'unsatisfiable' });
	});

	it('malformed or not ours to serve: ignored, the whole answers', () => {
		for (const header of [
			'',
			'bytes',
			'bytes=',
			'bytes=-',
			'bytes=5-1',
			'bytes=a-b',
			'bytes=1-2,4-5',
			'bytes=-1-2',
			'items=0-5',
			'bytes=0x10-',
			'bytes=1.5-2',
			`bytes=${'9'.repeat(17)}-`,
			'bytes=0-99999999999999999'
		]) {
			expect(parseRange(header, 1000), header).toEqual({ kind: 'whole' });
		}
	});
});
