import { describe, expect, it } from 'vitest';
import { MARK_COLORS } from '$lib/session/marks';
import { MARK_PALETTE, arrowHead, markScale, rectFrom, withDraft } from './mark-style';

/** WCAG relative luminance and contrast of two #rrggbb colours. */
function contrast(a: string, b: string): number {
	const luminance = (hex: string) => {
		const [r, g, bl] = [1, 3, 5].map((i) => {
			const c = parseInt(hex.slice(i, i + 2), 16) / 255;
			return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
		});
		return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
	};
	const [l1, l2] = [luminance(a), luminance(b)].sort((x, y) => y - x);
	return (l1 + 0.05) / (l2 + 0.05);
}

describe('mark style', () => {
	it('gives every colour a halo and an ink of at least 4.5:1 against it', () => {
		for (const color of MARK_COLORS) {
			const { paint, halo, ink } = MARK_PALETTE[color];
			expect(contrast(paint, halo), color).toBeGreaterThanOrEqual(4.5);
			expect(contrast(paint, ink), color).toBeGreaterThanOrEqual(4.5);
		}
	});

	it('sizes marks with the frame', () => {
		expect(markScale(1280, 720).line).toBe(6);
		expect(markScale(1920, 1080).line).toBe(9);
		expect(markScale(100, 50).line).toBe(2);
		expect(markScale(1280, 720).halo).toBeGreaterThan(markScale(1280, 720).line);
	});

	it('puts the arrow head at the end, pointing along the arrow', () => {
		const head = arrowHead([0, 0], [100, 0], 20);
		expect(head.tip).toEqual([100, 0]);
		expect(head.left[0]).toBeCloseTo(80);
		expect(head.right[0]).toBeCloseTo(80);
		expect(head.left[1]).toBeCloseTo(11);
		expect(head.right[1]).toBeCloseTo(-11);
		expect(head.shaftEnd).toEqual([88, 0]);
		// A short arrow's head is no longer than the arrow.
		expect(arrowHead([0, 0], [5, 0], 20).left[0]).toBeGreaterThanOrEqual(-5);
	});

	it('makes a rectangle from corners dragged either way', () => {
		expect(rectFrom([50, 80], [10, 20])).toEqual({ x: 10, y: 20, width: 40, height: 60 });
	});

	it('shows the draft in place of its sent version, or after the others', () => {
		const a = { id: 'a', tool: 'marker', color: 'red', at: [1, 1], n: 1 } as const;
		const b1 = { id: 'b', tool: 'pen', color: 'red', points: [[1, 1]] } as const;
		const b2 = {
			id: 'b',
			tool: 'pen',
			color: 'red',
			points: [
				[1, 1],
				[2, 2]
			]
		} as const;
		expect(withDraft([a], null)).toEqual([a]);
		expect(withDraft([a], b1)).toEqual([a, b1]);
		expect(withDraft([b1, a], b2)).toEqual([b2, a]);
	});
});
