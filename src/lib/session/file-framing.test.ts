import { describe, expect, it } from 'vitest';
import {
	DATA_HEADER_BYTES,
	MAX_CONTROL_FRAME_CHARS,
	MAX_FRAME_BYTES,
	createDataFrame,
	decodeControlFrame,
	decodeDataFrame,
	encodeControlFrame,
	encodeDataFrame,
	newTransferId,
	setDataFrameIndex,
	transferIdToBytes,
	transferIdToHex
} from './file-framing';

describe('data frames', () => {
	it('round-trips id, index and payload behind a 22-byte header', () => {
		const id = newTransferId();
		const payload = new Uint8Array([1, 2, 3, 250]);
		const frame = encodeDataFrame(id, 0xfffffffe, payload);
		expect(frame.byteLength).toBe(DATA_HEADER_BYTES + payload.length);
		const decoded = decodeDataFrame(new Uint8Array(frame));
		expect(decoded).toEqual({ ok: true, id, index: 0xfffffffe, payload });
	});

	it('renumbers a frame in place, to send it again with new bytes', () => {
		const id = newTransferId();
		const made = createDataFrame(transferIdToBytes(id), 3, 4);
		made.payload.set([9, 8, 7, 6]);
		setDataFrameIndex(made.frame, 4);
		made.payload.set([1, 2, 3, 4]);
		const decoded = decodeDataFrame(new Uint8Array(made.frame));
		expect(decoded).toMatchObject({ ok: true, id, index: 4 });
		expect(decoded.ok && [...decoded.payload]).toEqual([1, 2, 3, 4]);
	});

	it('rejects short, foreign, empty and oversized frames', () => {
		const id = newTransferId();
		const good = new Uint8Array(encodeDataFrame(id, 0, new Uint8Array([9])));
		expect(decodeDataFrame(good.slice(0, DATA_HEADER_BYTES - 1))).toEqual({
			ok: false,
			reason: 'bad-header'
		});
		const foreign = good.slice();
		foreign[0] = 0x00;
		expect(decodeDataFrame(foreign)).toEqual({ ok: false, reason: 'bad-header' });
		const future = good.slice();
		future[1] = 2;
		expect(decodeDataFrame(future)).toEqual({ ok: false, reason: 'bad-header' });
		expect(decodeDataFrame(good.slice(0, DATA_HEADER_BYTES))).toEqual({
			ok: false,
			reason: 'empty-chunk',
			id
		});
		const huge = new Uint8Array(MAX_FRAME_BYTES + 1);
		huge.set(good);
		expect(decodeDataFrame(huge)).toEqual({ ok: false, reason: 'oversized-frame', id });
		const largest = new Uint8Array(MAX_FRAME_BYTES);
		largest.set(good);
		expect(decodeDataFrame(largest).ok).toBe(true);
	});

	it('reads frames that are views into a larger buffer', () => {
		const id = newTransferId();
		const frame = new Uint8Array(encodeDataFrame(id, 7, new Uint8Array([5, 6])));
		const padded = new Uint8Array(frame.length + 10);
		padded.set(frame, 10);
		expect(decodeDataFrame(padded.subarray(10))).toMatchObject({ ok: true, id, index: 7 });
	});

	it('converts transfer ids between hex and bytes', () => {
		const id = newTransferId();
		expect(id).toMatch(/^[0-9a-f]{32}$/);
		expect(transferIdToHex(transferIdToBytes(id))).toBe(id);
		expect(newTransferId()).not.toBe(id);
	});
});

describe('control frames', () => {
	const id = newTransferId();

	it('round-trips every kind', () => {
		const frames = [
			{ kind: 'offer', id, name: 'a.txt', size: 0, type: 'text/plain' },
			{ kind: 'accept', id },
			{ kind: 'decline', id, reason: 'too-large' },
			{ kind: 'decline', id },
			{ kind: 'cancel', id },
			{ kind: 'ack', id, bytes: 1024 },
			{ kind: 'done', id, sha256: 'ab'.repeat(32) },
			{ kind: 'verified', id },
			{ kind: 'error', id, reason: 'hash-mismatch' }
		] as const;
		for (const frame of frames)
			expect(decodeControlFrame(encodeControlFrame(frame))).toEqual(frame);
	});

	it.each([
		['not JSON', '{"kind":'],
		['a number', '1'],
		['unknown kind', JSON.stringify({ kind: 'exec', id })],
		['bad id', JSON.stringify({ kind: 'accept', id: 'ABCDEF'.repeat(5) + 'AB' })],
		['short id', JSON.stringify({ kind: 'accept', id: id.slice(1) })],
		['negative size', JSON.stringify({ kind: 'offer', id, name: 'a', size: -1, type: '' })],
		['fractional size', JSON.stringify({ kind: 'offer', id, name: 'a', size: 0.5, type: '' })],
		['unsafe size', JSON.stringify({ kind: 'offer', id, name: 'a', size: 2 ** 53, type: '' })],
		['size as string', JSON.stringify({ kind: 'offer', id, name: 'a', size: '1', type: '' })],
		['missing name', JSON.stringify({ kind: 'offer', id, size: 1, type: '' })],
		['bad hash', JSON.stringify({ kind: 'done', id, sha256: 'zz'.repeat(32) })],
		['long reason', JSON.stringify({ kind: 'error', id, reason: 'x'.repeat(65) })],
		['too long', JSON.stringify({ kind: 'accept', id, pad: 'x'.repeat(MAX_CONTROL_FRAME_CHARS) })]
	])('refuses %s', (_label, text) => {
		expect(decodeControlFrame(text)).toBeNull();
	});

	it('strips unknown fields', () => {
		expect(decodeControlFrame(JSON.stringify({ kind: 'accept', id, extra: 1 }))).toEqual({
			kind: 'accept',
			id
		});
	});
});
