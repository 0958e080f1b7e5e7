import { describe, expect, it } from 'vitest';
import { MAX_FRAME_BYTES } from '$lib/session/protocol';
import { encodeWithin, grabSize } from './frame-grab';

describe('grabSize', () => {
	it('keeps a video’s size up to 1920 px on its longer side', () => {
		expect(grabSize(1280, 720)).toEqual({ width: 1280, height: 720 });
		expect(grabSize(1920, 1080)).toEqual({ width: 1920, height: 1080 });
		expect(grabSize(3840, 2160)).toEqual({ width: 1920, height: 1080 });
		expect(grabSize(1080, 2400)).toEqual({ width: 864, height: 1920 });
	});

	it('is null for a video that shows nothing yet', () => {
		expect(grabSize(0, 0)).toBeNull();
		expect(grabSize(Number.NaN, 720)).toBeNull();
	});
});

describe('encodeWithin', () => {
	it('lowers the quality until the picture fits', async () => {
		const tried: number[] = [];
		const blob = await encodeWithin(async (quality) => {
			tried.push(quality);
			return new Blob([new Uint8Array(Math.round(quality * 2 * MAX_FRAME_BYTES))]);
		});
		expect(tried).toEqual([0.85, 0.75, 0.6, 0.45]);
		expect(blob!.size).toBeLessThanOrEqual(MAX_FRAME_BYTES);
	});

	it('is null when no quality fits or the encoder fails', async () => {
		expect(await encodeWithin(async () => new Blob([new Uint8Array(11)]), 10)).toBeNull();
		expect(await encodeWithin(async () => null)).toBeNull();
	});
});
