/**
 * A pen stroke as it is drawn: points closer than a step to the last one add nothing, and a
 * stroke that would pass MAX_STROKE_POINTS is simplified (Ramer–Douglas–Peucker) to keep its
 * shape in fewer points, so a long scribble still fits the one message the customer checks.
 */
import { MAX_STROKE_POINTS, type Point } from '$lib/session/marks';

function distanceToSegment([px, py]: Point, [ax, ay]: Point, [bx, by]: Point): number {
	const dx = bx - ax;
	const dy = by - ay;
	const lengthSquared = dx * dx + dy * dy;
	if (lengthSquared === 0) return Math.hypot(px - ax, py - ay);
	const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / lengthSquared));
	return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** The points that keep the line within `tolerance` pixels of the original (first and last kept). */
export function simplify(points: readonly Point[], tolerance: number): Point[] {
	if (points.length <= 2) return [...points];
	const keep = new Uint8Array(points.length);
	keep[0] = 1;
	keep[points.length - 1] = 1;
	// A stack, not recursion: a thousand-point stroke must not run out of call stack.
	const ranges: [number, number][] = [[0, points.length - 1]];
	while (ranges.length > 0) {
		const [first, last] = ranges.pop()!;
		let farthest = -1;
		let farthestDistance = tolerance;
		for (let i = first + 1; i < last; i++) {
			const distance = distanceToSegment(points[i], points[first], points[last]);
			if (distance > farthestDistance) {
				farthest = i;
				farthestDistance = distance;
			}
		}
		if (farthest !== -1) {
			keep[farthest] = 1;
			ranges.push([first, farthest], [farthest, last]);
		}
	}
	return points.filter((_, i) => keep[i] === 1);
}

/** The stroke in at most `max` points: simplified more and more coarsely until it fits. */
export function thinStroke(points: readonly Point[], max: number = MAX_STROKE_POINTS): Point[] {
	if (points.length <= max) return [...points];
	let tolerance = 0.5;
	for (let attempt = 0; attempt < 24; attempt++) {
		const simplified = simplify(points, tolerance);
		if (simplified.length <= max) return simplified;
		tolerance *= 2;
	}
	// Only a pathological stroke gets here: every n-th point, the ends kept.
	const step = (points.length - 1) / (max - 1);
	return Array.from({ length: max }, (_, i) => points[Math.round(i * step)]);
}

/** A growing pen stroke. */
export class PenStroke {
	#points: Point[];
	readonly #minStep: number;
	readonly #max: number;

	/** `minStep`: the least distance (frame pixels) a new point must move to be kept. */
	constructor(first: Point, minStep: number, max: number = MAX_STROKE_POINTS) {
		this.#points = [first];
		this.#minStep = minStep;
		this.#max = max;
	}

	get points(): readonly Point[] {
		return this.#points;
	}

	/** Adds a point; false when it was too close to the last one to matter. */
	add(point: Point): boolean {
		const last = this.#points[this.#points.length - 1];
		if (Math.hypot(point[0] - last[0], point[1] - last[1]) < this.#minStep) return false;
		this.#points = [...this.#points, point];
		if (this.#points.length > this.#max) {
			// Down to three quarters, so the next points do not each cost a simplification.
			this.#points = thinStroke(this.#points, Math.floor(this.#max * 0.75));
		}
		return true;
	}
}
