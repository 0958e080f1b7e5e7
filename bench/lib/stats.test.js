import { describe, expect, it } from 'vitest';
import { crop, lumaOf, median, percentile, psnr, ssim } from './stats.js';

describe('percentiles', () => {
	it('interpolates between ranks', () => {
		expect(median([3, 1, 2])).toBe(2);
		expect(median([4, 1, 3, 2])).toBe(2.5);
		expect(percentile([10, 20, 30, 40, 50], 95)).toBeCloseTo(48);
		expect(percentile([7], 95)).toBe(7);
		expect(percentile([], 50)).toBeNaN();
	});
});

describe('image measures', () => {
	const width = 32;
	const height = 16;
	/** Black and white 2-pixel stripes: the hardest case for a blurring codec. */
	const stripes = new Uint8Array(width * height).map((_, i) => (((i % width) >> 1) % 2 ? 255 : 0));

	it('luma follows BT.601', () => {
		expect([...lumaOf(new Uint8Array([255, 255, 255, 255, 255, 0, 0, 255]))]).toEqual([255, 76]);
	});

	it('identical images: SSIM 1, PSNR infinite', () => {
		expect(ssim(stripes, stripes, width, height)).toBeCloseTo(1, 10);
		expect(psnr(stripes, stripes)).toBe(Number.POSITIVE_INFINITY);
	});

	it('a blurred copy scores lower, and a flat grey much lower', () => {
		const blurred = stripes.map((v, i) => {
			const x = i % width;
			const left = stripes[i - (x > 0 ? 1 : 0)];
			const right = stripes[i + (x < width - 1 ? 1 : 0)];
			return Math.round((left + 2 * v + right) / 4);
		});
		const grey = new Uint8Array(width * height).fill(128);
		const blurredScore = ssim(stripes, blurred, width, height);
		expect(blurredScore).toBeLessThan(0.95);
		expect(blurredScore).toBeGreaterThan(0.3);
		expect(ssim(stripes, grey, width, height)).toBeLessThan(0.05);
		expect(psnr(stripes, blurred)).toBeGreaterThan(psnr(stripes, grey));
		expect(psnr(stripes, grey)).toBeCloseTo(10 * Math.log10((255 * 255) / (127.5 ** 2 + 0.25)), 1);
	});

	it('crops a rectangle', () => {
		const image = Uint8Array.from({ length: 12 }, (_, i) => i);
		expect([...crop(image, 4, { x: 1, y: 1, w: 2, h: 2 })]).toEqual([5, 6, 9, 10]);
	});
});
