import { describe, expect, it } from 'vitest';
import { MAX_STROKE_POINTS, markFits, markSchema, type Mark } from '$lib/session/marks';
import { MAX_CONTROL_MESSAGE_BYTES } from '$lib/session/protocol';
import * as v from 'valibot';
import { MarkDrawing, type DrawingTarget } from './drawing';
import { ManualScheduler } from './manual-scheduler';

const frame = { width: 1280, height: 720 };

/** The annotation's agent side as far as drawing sees it: marks upserted by id. */
function board(limit = Infinity) {
	const marks: Mark[] = [];
	const sends: Mark[] = [];
	const target: DrawingTarget = {
		draw(mark) {
			if (!v.is(markSchema, mark) || !markFits(mark, frame.width, frame.height)) {
				return { ok: false, error: 'invalid-mark' };
			}
			const index = marks.findIndex((m) => m.id === mark.id);
			if (index === -1 && marks.length >= limit) return { ok: false, error: 'too-many-marks' };
			sends.push(mark);
			if (index === -1) marks.push(mark);
			else marks[index] = mark;
			return { ok: true };
		},
		undo() {
			marks.pop();
			return { ok: true };
		},
		get nextMarkerNumber() {
			return marks.filter((m) => m.tool === 'marker').length + 1;
		}
	};
	return { marks, sends, target };
}

function setup(limit?: number) {
	const clock = new ManualScheduler();
	const b = board(limit);
	const texts: [number, number][] = [];
	let ids = 0;
	let changes = 0;
	const drawing = new MarkDrawing({
		frame,
		target: b.target,
		scheduler: clock,
		newId: () => `m${++ids}`,
		onChange: () => changes++,
		onTextWanted: (at) => texts.push([at[0], at[1]])
	});
	return { ...b, clock, drawing, texts, changes: () => changes };
}

describe('MarkDrawing', () => {
	it('sends a growing pen stroke at most every 50 ms, and the whole of it on release', () => {
		const { clock, drawing, sends, marks } = setup();
		drawing.start('pen', 'red', [100, 100]);
		for (let i = 1; i <= 30; i++) {
			clock.advance(8);
			drawing.move([100 + i * 10, 100 + i * 5]);
		}
		// 240 ms of moving: the dot at once, then one send per 50 ms.
		expect(sends.length).toBeLessThanOrEqual(1 + Math.ceil(240 / 50));
		expect(drawing.draft?.tool === 'pen' && drawing.draft.points).toHaveLength(31);
		drawing.end([420, 260]);
		expect(drawing.draft).toBeNull();
		expect(marks).toHaveLength(1);
		const stroke = marks[0];
		expect(stroke.tool === 'pen' && stroke.points.length).toBe(32);
		expect(stroke.tool === 'pen' && stroke.points.at(-1)).toEqual([420, 260]);
		// Every send is the same mark, growing.
		expect(new Set(sends.map((s) => s.id))).toEqual(new Set(['m1']));
		expect(clock.pending).toBe(0);
	});

	it('keeps a pen stroke within the point limit, however long', () => {
		const { clock, drawing, marks } = setup();
		drawing.start('pen', 'blue', [640, 360]);
		for (let i = 0; i < 5000; i++) {
			clock.advance(1);
			const angle = i / 20;
			drawing.move([640 + 300 * Math.cos(angle), 360 + 300 * Math.sin(angle) * (i % 3 ? 1 : 0.9)]);
		}
		drawing.end();
		const stroke = marks[0];
		expect(stroke.tool).toBe('pen');
		expect(stroke.tool === 'pen' && stroke.points.length).toBeLessThanOrEqual(MAX_STROKE_POINTS);
	});

	it('keeps the longest stroke’s message under the control channel’s size limit', () => {
		const big = { width: 1920, height: 1080 };
		const clock = new ManualScheduler();
		let sent: Mark | null = null;
		const drawing = new MarkDrawing({
			frame: big,
			target: {
				draw: (mark) => ((sent = mark), { ok: true }),
				undo: () => ({ ok: true }),
				nextMarkerNumber: 1
			},
			scheduler: clock,
			newId: () => crypto.randomUUID(),
			onChange: () => {},
			onTextWanted: () => {}
		});
		drawing.start('pen', 'yellow', [1919.9, 1079.9]);
		// A zigzag nothing can simplify, every point with the widest coordinates.
		for (let i = 0; i < 4000; i++) {
			clock.advance(1);
			drawing.move([
				1000 + (i % 2) * 919.9 - (i % 7) * 0.1,
				1000 + ((i + 1) % 2) * 79.9 - (i % 5) * 0.1
			]);
		}
		drawing.end();
		const message = {
			type: 'annotate-mark',
			id: crypto.randomUUID(),
			mark: sent,
			seq: Number.MAX_SAFE_INTEGER
		};
		expect(new TextEncoder().encode(JSON.stringify(message)).byteLength).toBeLessThan(
			MAX_CONTROL_MESSAGE_BYTES
		);
	});

	it('clamps points dragged past the frame onto its edge', () => {
		const { drawing, marks } = setup();
		drawing.start('rect', 'green', [1200, 700]);
		drawing.move([1500, 900]);
		drawing.end();
		expect(marks[0]).toEqual({
			id: 'm1',
			tool: 'rect',
			color: 'green',
			from: [1200, 700],
			to: [1280, 720]
		});
	});

	it('draws an arrow from press to release, and forgets a mere click', () => {
		const { drawing, marks, sends } = setup();
		drawing.start('arrow', 'yellow', [10, 10]);
		drawing.end([11, 10]);
		expect(sends).toHaveLength(0);
		drawing.start('arrow', 'yellow', [10, 10]);
		drawing.end([300, 200]);
		expect(marks).toEqual([
			{ id: 'm2', tool: 'arrow', color: 'yellow', from: [10, 10], to: [300, 200] }
		]);
	});

	it('takes back a cancelled stroke the customer already saw (Escape)', () => {
		const { clock, drawing, marks } = setup();
		drawing.start('rect', 'red', [10, 10]);
		drawing.end([200, 200]);
		drawing.start('pen', 'red', [50, 50]);
		clock.advance(60);
		drawing.move([90, 90]);
		expect(marks).toHaveLength(2);
		drawing.cancel();
		expect(drawing.draft).toBeNull();
		expect(marks.map((m) => m.id)).toEqual(['m1']);
		// Nothing waits to be sent after it.
		clock.advance(500);
		expect(marks.map((m) => m.id)).toEqual(['m1']);
	});

	it('cancels an arrow nobody saw yet without undoing anything', () => {
		const { drawing, marks } = setup();
		drawing.start('rect', 'red', [10, 10]);
		drawing.end([200, 200]);
		drawing.start('arrow', 'red', [50, 50]);
		drawing.cancel();
		expect(marks).toHaveLength(1);
	});

	it('numbers markers one after another', () => {
		const { drawing, marks } = setup();
		drawing.start('marker', 'red', [10, 10]);
		drawing.start('marker', 'blue', [20, 20]);
		expect(marks.map((m) => m.tool === 'marker' && m.n)).toEqual([1, 2]);
		expect(drawing.drawing).toBe(false);
	});

	it('asks for a label, then places it trimmed and without control characters', () => {
		const { drawing, marks, texts } = setup();
		drawing.start('text', 'white', [1300, 40]);
		expect(texts).toEqual([[1280, 40]]);
		expect(drawing.addText('white', [1280, 40], '   ')).toBe(false);
		expect(drawing.addText('white', [1280, 40], ' Click\there ')).toBe(true);
		expect(marks[0]).toEqual({
			id: 'm1',
			tool: 'text',
			color: 'white',
			at: [1280, 40],
			text: 'Click here'
		});
	});

	it('stops a stroke the annotation refuses and says why', () => {
		const { drawing, marks } = setup(1);
		drawing.start('marker', 'red', [10, 10]);
		drawing.start('pen', 'red', [50, 50]);
		expect(drawing.refusal).toBe('too-many-marks');
		expect(drawing.draft).toBeNull();
		expect(marks).toHaveLength(1);
		drawing.move([90, 90]);
		drawing.end();
		expect(marks).toHaveLength(1);
	});
});
