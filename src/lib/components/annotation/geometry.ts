/**
 * Where a pointer is on the frozen frame. The picture is shown with `object-fit: contain` and
 * the marks with an SVG's `xMidYMid meet`: both scale the frame to fit its box and centre it,
 * leaving bars on two sides. Points are in the frame's own pixels, from its top left corner.
 */
import type { Point } from '$lib/session/marks';

export interface Box {
	left: number;
	top: number;
	width: number;
	height: number;
}

export interface FrameSize {
	width: number;
	height: number;
}

/** The part of `box` the frame covers when fitted inside it (letterboxed, centred). */
export function containedRect(box: Box, frame: FrameSize): Box {
	if (frame.width <= 0 || frame.height <= 0 || box.width <= 0 || box.height <= 0) {
		return { left: box.left, top: box.top, width: 0, height: 0 };
	}
	const scale = Math.min(box.width / frame.width, box.height / frame.height);
	const width = frame.width * scale;
	const height = frame.height * scale;
	return {
		left: box.left + (box.width - width) / 2,
		top: box.top + (box.height - height) / 2,
		width,
		height
	};
}

/** The point kept inside the frame (a stroke dragged past its edge runs along it). */
export function clampPoint([x, y]: Point, frame: FrameSize): Point {
	return [Math.min(Math.max(x, 0), frame.width), Math.min(Math.max(y, 0), frame.height)];
}

/** A tenth of a frame pixel is finer than any screen shows, and keeps the messages short. */
function tenth(value: number): number {
	return Math.round(value * 10) / 10;
}

/**
 * The frame point under a pointer at (`clientX`, `clientY`) over `box` (the element's
 * bounding rectangle), clamped into the frame; null when the frame shows nowhere.
 */
export function toFramePoint(
	clientX: number,
	clientY: number,
	box: Box,
	frame: FrameSize
): Point | null {
	const shown = containedRect(box, frame);
	if (shown.width === 0 || shown.height === 0) return null;
	const x = ((clientX - shown.left) / shown.width) * frame.width;
	const y = ((clientY - shown.top) / shown.height) * frame.height;
	const [cx, cy] = clampPoint([x, y], frame);
	return [tenth(cx), tenth(cy)];
}

/** Whether a pointer at (`clientX`, `clientY`) is over the picture itself, not its bars. */
export function isOverFrame(clientX: number, clientY: number, box: Box, frame: FrameSize): boolean {
	const shown = containedRect(box, frame);
	return (
		clientX >= shown.left &&
		clientX <= shown.left + shown.width &&
		clientY >= shown.top &&
		clientY <= shown.top + shown.height
	);
}

/** Where a frame point shows, relative to the box's top left corner (to place a field there). */
export function fromFramePoint(
	[x, y]: Point,
	box: Box,
	frame: FrameSize
): { x: number; y: number } {
	const shown = containedRect(box, frame);
	if (frame.width <= 0 || frame.height <= 0) return { x: 0, y: 0 };
	return {
		x: shown.left - box.left + (x / frame.width) * shown.width,
		y: shown.top - box.top + (y / frame.height) * shown.height
	};
}
