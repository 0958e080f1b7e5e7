/**
 * HTTP range requests (RFC 9110 §14), one range at a time: what a `<video>` asks while it plays
 * and seeks. Parsed without the body, so the answer (200, 206, 416) is decided before a byte
 * is read.
 */
export type RangeAnswer =
	/** No Range header, or one to ignore (malformed, several ranges, another unit): the whole. */
	| { kind: 'whole' }
	/** Bytes `start`..`end`, both inclusive, within the representation. */
	| { kind: 'partial'; start: number; end: number }
	/** No byte of it exists: 416, with `Content-Range: bytes *\/size`. */
	| { kind: 'unsatisfiable' };

const RANGE = /^bytes=(\d{0,16})-(\d{0,16})$/i;

/**
 * What to send for a Range header over `size` bytes. `bytes=a-b`, `bytes=a-` and `bytes=-n`
 * are served (an end past the last byte is the last byte); a first byte at or past the end, or a
 * suffix of 0 bytes, is unsatisfiable; anything else (syntax the grammar refuses, a first byte
 * after the last, several ranges, which this server need not serve) is ignored, as RFC 9110
 * allows: the whole answers.
 */
export function parseRange(header: string | null, size: number): RangeAnswer {
	if (header === null) return { kind: 'whole' };
	const match = RANGE.exec(header.trim().replace(/\s+/g, ''));
	if (!match) return { kind: 'whole' };
	const [, first, last] = match;
	if (first === '' && last === '') return { kind: 'whole' };
	if (first === '') {
		const suffix = Number(last);
		if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
		return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
	}
	const start = Number(first);
	if (last !== '' && Number(last) < start) return { kind: 'whole' };
	if (start >= size) return { kind: 'unsatisfiable' };
	const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
	return { kind: 'partial', start, end };
}
