import { describe, expect, it } from 'vitest';
import { clampPoint, containedRect, fromFramePoint, isOverFrame, toFramePoint } from './geometry';

const frame = { width: 1280, height: 720 };

describe('containedRect', () => {
	it('fits a wide frame into a tall box with bars above and below', () => {
		expect(containedRect({ left: 10, top: 20, width: 640, height: 640 }, frame)).toEqual({
			left: 10,
			top: 20 + (640 - 360) / 2,
			width: 640,
			height: 360
		});
	});

	it('fits a wide frame into a wider box with bars left and right', () => {
		expect(containedRect({ left: 0, top: 0, width: 1000, height: 360 }, frame)).toEqual({
			left: (1000 - 640) / 2,
			top: 0,
			width: 640,
			height: 360
		});
	});

	it('is empty for an empty box or frame', () => {
		expect(containedRect({ left: 5, top: 5, width: 0, height: 100 }, frame).width).toBe(0);
		expect(
			containedRect({ left: 5, top: 5, width: 100, height: 100 }, { width: 0, height: 0 })
		).toMatchObject({ width: 0, height: 0 });
	});
});

describe('toFramePoint', () => {
	const box = { left: 100, top: 50, width: 640, height: 480 };
	// The picture shows 640 x 360, 60 px below the box's top.
	it('maps the picture’s corners and centre to the frame’s', () => {
		expect(toFramePoint(100, 110, box, frame)).toEqual([0, 0]);
		expect(toFramePoint(740, 470, box, frame)).toEqual([1280, 720]);
		expect(toFramePoint(420, 290, box, frame)).toEqual([640, 360]);
	});

	it('clamps a point in the bars or outside the box onto the frame’s edge', () => {
		expect(toFramePoint(50, 60, box, frame)).toEqual([0, 0]);
		expect(toFramePoint(420, 520, box, frame)).toEqual([640, 720]);
		expect(toFramePoint(2000, -300, box, frame)).toEqual([1280, 0]);
	});

	it('keeps a tenth of a frame pixel', () => {
		const [x, y] = toFramePoint(100 + 1 / 3, 110 + 2 / 3, box, frame)!;
		expect(x).toBe(0.7);
		expect(y).toBe(1.3);
	});

	it('is null while the picture shows nowhere', () => {
		expect(toFramePoint(1, 1, { left: 0, top: 0, width: 0, height: 0 }, frame)).toBeNull();
	});

	it('tells the picture from its bars', () => {
		expect(isOverFrame(420, 290, box, frame)).toBe(true);
		expect(isOverFrame(420, 100, box, frame)).toBe(false);
	});

	it('round-trips through fromFramePoint (box-relative)', () => {
		expect(fromFramePoint([640, 360], box, frame)).toEqual({ x: 320, y: 240 });
		expect(fromFramePoint([0, 720], box, frame)).toEqual({ x: 0, y: 420 });
	});
});

describe('clampPoint', () => {
	it('keeps points inside and moves others onto the nearest edge', () => {
		expect(clampPoint([5, 6], frame)).toEqual([5, 6]);
		expect(clampPoint([-5, 900], frame)).toEqual([0, 720]);
		expect(clampPoint([1300, -1], frame)).toEqual([1280, 0]);
	});
});
