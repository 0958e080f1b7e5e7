import { describe, expect, it } from 'vitest';
import { MAX_STROKE_POINTS, type Point } from '$lib/session/marks';
import { PenStroke, simplify, thinStroke } from './stroke';

/** A wobbly circle of `n` points. */
function scribble(n: number): Point[] {
	return Array.from({ length: n }, (_, i) => {
		const angle = (i / n) * Math.PI * 8;
		const radius = 200 + 30 * Math.sin(i / 7);
		return [640 + radius * Math.cos(angle), 360 + radius * Math.sin(angle)] as Point;
	});
}

function farthestFrom(points: readonly Point[], kept: readonly Point[]): number {
	// How far an original point lies from the simplified polyline's nearest vertex-or-segment.
	let worst = 0;
	for (const p of points) {
		let best = Infinity;
		for (let i = 0; i < kept.length - 1; i++) {
			const [a, b] = [kept[i], kept[i + 1]];
			const dx = b[0] - a[0];
			const dy = b[1] - a[1];
			const l = dx * dx + dy * dy;
			const t =
				l === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / l));
			best = Math.min(best, Math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy));
		}
		worst = Math.max(worst, best);
	}
	return worst;
}

describe('simplify', () => {
	it('drops the points of a straight line but its ends', () => {
		const line: Point[] = Array.from({ length: 50 }, (_, i) => [i * 2, i] as Point);
		expect(simplify(line, 0.5)).toEqual([
			[0, 0],
			[98, 49]
		]);
	});

	it('keeps corners', () => {
		const corner: Point[] = [
			[0, 0],
			[50, 0],
			[100, 0],
			[100, 50],
			[100, 100]
		];
		expect(simplify(corner, 1)).toEqual([
			[0, 0],
			[100, 0],
			[100, 100]
		]);
	});

	it('keeps every point within the tolerance of the result', () => {
		const points = scribble(800);
		const kept = simplify(points, 2);
		expect(kept.length).toBeLessThan(points.length);
		expect(farthestFrom(points, kept)).toBeLessThanOrEqual(2 + 1e-9);
	});
});

describe('thinStroke', () => {
	it('leaves a short stroke alone', () => {
		const points = scribble(10);
		expect(thinStroke(points, 10)).toEqual(points);
	});

	it(`brings a long scribble to at most ${MAX_STROKE_POINTS} points, its ends kept`, () => {
		const points = scribble(20_000);
		const thinned = thinStroke(points);
		expect(thinned.length).toBeLessThanOrEqual(MAX_STROKE_POINTS);
		expect(thinned[0]).toEqual(points[0]);
		expect(thinned.at(-1)).toEqual(points.at(-1));
	});

	it('samples evenly when simplifying cannot get there (noise)', () => {
		let seed = 1;
		const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647) * 8000;
		const noise: Point[] = Array.from({ length: 5000 }, () => [random(), random()] as Point);
		const thinned = thinStroke(noise, 100);
		expect(thinned.length).toBeLessThanOrEqual(100);
		expect(thinned[0]).toEqual(noise[0]);
		expect(thinned.at(-1)).toEqual(noise.at(-1));
	});
});

describe('PenStroke', () => {
	it('ignores moves shorter than its step', () => {
		const stroke = new PenStroke([10, 10], 2);
		expect(stroke.add([10.5, 10.5])).toBe(false);
		expect(stroke.add([13, 10])).toBe(true);
		expect(stroke.points).toEqual([
			[10, 10],
			[13, 10]
		]);
	});

	it('never holds more than its maximum, however long it is drawn', () => {
		const stroke = new PenStroke([640, 360], 0.5, 200);
		for (const point of scribble(5000)) {
			stroke.add(point);
			expect(stroke.points.length).toBeLessThanOrEqual(200);
		}
		expect(stroke.points[0]).toEqual([640, 360]);
		expect(stroke.points.at(-1)).toEqual(scribble(5000).at(-1));
	});
});
