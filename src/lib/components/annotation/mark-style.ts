/**
 * How a mark looks, shared by the SVG both sides see (MarksLayer) and the PNG saved to the
 * report (compose.ts), so the saved picture is the one they saw. Sizes grow with the frame, so
 * a mark covers the same share of the picture however large it is shown.
 */
import type { Mark, MarkColor, Point } from '$lib/session/marks';

/**
 * Each colour with a halo of the opposite lightness around it (a mark stays visible on any
 * picture) and the ink of a number written on it: every pair at least 4.5:1.
 */
export const MARK_PALETTE: Record<MarkColor, { paint: string; halo: string; ink: string }> = {
	red: { paint: '#dc2626', halo: '#ffffff', ink: '#ffffff' },
	yellow: { paint: '#facc15', halo: '#111827', ink: '#111827' },
	green: { paint: '#15803d', halo: '#ffffff', ink: '#ffffff' },
	blue: { paint: '#2563eb', halo: '#ffffff', ink: '#ffffff' },
	white: { paint: '#ffffff', halo: '#111827', ink: '#111827' },
	black: { paint: '#111827', halo: '#ffffff', ink: '#ffffff' }
};

export const MARK_FONT_FAMILY = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

export interface MarkScale {
	/** Width of a pen, arrow or rectangle line. */
	line: number;
	/** Width of the halo drawn under a line (the line's width plus a rim each side). */
	halo: number;
	/** Length of an arrow's head. */
	head: number;
	/** Radius of a numbered marker. */
	marker: number;
	/** Size of a text label. */
	font: number;
}

/** Sizes for a frame of `width` x `height` pixels: 720p gets a 6 px line, 1080p a 9 px one. */
export function markScale(width: number, height: number): MarkScale {
	const unit = Math.max(1, Math.min(width, height) / 240);
	const line = 2 * unit;
	return { line, halo: line + 2 * unit, head: 7 * unit, marker: 9 * unit, font: 10 * unit };
}

/** An arrow's head at `to`: its tip and the two corners, and where the shaft stops under it. */
export function arrowHead(
	from: Point,
	to: Point,
	length: number
): { tip: Point; left: Point; right: Point; shaftEnd: Point } {
	const dx = to[0] - from[0];
	const dy = to[1] - from[1];
	const distance = Math.hypot(dx, dy);
	// No direction for a zero-length arrow: it points right.
	const ux = distance === 0 ? 1 : dx / distance;
	const uy = distance === 0 ? 0 : dy / distance;
	// Never longer than the arrow itself.
	const size = Math.min(length, Math.max(distance, length / 2));
	const base: Point = [to[0] - ux * size, to[1] - uy * size];
	const half = size * 0.55;
	return {
		tip: to,
		left: [base[0] - uy * half, base[1] + ux * half],
		right: [base[0] + uy * half, base[1] - ux * half],
		// The shaft ends inside the head, so its square end never shows past the tip.
		shaftEnd: [to[0] - ux * size * 0.6, to[1] - uy * size * 0.6]
	};
}

/** A rectangle from two opposite corners, whichever way it was dragged. */
export function rectFrom(from: Point, to: Point) {
	return {
		x: Math.min(from[0], to[0]),
		y: Math.min(from[1], to[1]),
		width: Math.abs(to[0] - from[0]),
		height: Math.abs(to[1] - from[1])
	};
}

/** An SVG `points` list. */
export function svgPoints(points: readonly Point[]): string {
	return points.map(([x, y]) => `${x},${y}`).join(' ');
}

/** The marks as drawn, a stroke being drawn (`draft`) in place of or after its saved version. */
export function withDraft(marks: readonly Mark[], draft: Mark | null): readonly Mark[] {
	if (!draft) return marks;
	const index = marks.findIndex((mark) => mark.id === draft.id);
	if (index === -1) return [...marks, draft];
	const next = [...marks];
	next[index] = draft;
	return next;
}
