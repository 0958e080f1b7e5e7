/**
 * The agent drawing one mark at a time, whatever moves the pen (mouse, finger, stylus or the
 * keyboard's cursor): a pen stroke, arrow or rectangle grows from `start` through `move` to
 * `end`, is shown at once as the draft and sent to the customer at most every 50 ms; a marker
 * goes down at once; a text label asks for its words first. Plain TypeScript, no DOM: the
 * controller maps pointers to frame points and tests drive it with their own clock.
 */
import type { ActionResult } from '$lib/session/session';
import {
	MAX_MARKER_NUMBER,
	MAX_MARK_TEXT,
	type Mark,
	type MarkColor,
	type MarkTool,
	type Point
} from '$lib/session/marks';
import { clampPoint, type FrameSize } from './geometry';
import { PenStroke } from './stroke';
import { LatestThrottle, DRAW_INTERVAL_MS, type Scheduler, browserScheduler } from './throttle';

/** What the drawing needs of the annotation (SessionView's methods, or a test's). */
export interface DrawingTarget {
	draw(mark: Mark): ActionResult;
	/** Takes the last mark away (a cancelled stroke the customer already saw). */
	undo(): ActionResult;
	readonly nextMarkerNumber: number;
}

export interface DrawingOptions {
	frame: FrameSize;
	target: DrawingTarget;
	/** The draft changed (to render it) or a mark was refused. */
	onChange: () => void;
	/** The text tool was used at `at`: ask for the label, then call `addText`. */
	onTextWanted: (at: Point) => void;
	newId?: () => string;
	scheduler?: Scheduler;
}

type Draft =
	| { tool: 'pen'; id: string; color: MarkColor; stroke: PenStroke }
	| { tool: 'arrow' | 'rect'; id: string; color: MarkColor; from: Point; to: Point };

/**
 * Points a pen stroke is thinned to, under the protocol's MAX_STROKE_POINTS: at 16 characters
 * a point ("[1919.9,1079.9],"), its message stays well inside MAX_CONTROL_MESSAGE_BYTES.
 */
export const PEN_MAX_POINTS = 900;

/** The least length (as a share of the frame's shorter side) an arrow or rectangle must have. */
const MIN_SHAPE_SHARE = 0.01;
/** The least move (same share) that adds a point to a pen stroke. */
const PEN_STEP_SHARE = 0.002;

export class MarkDrawing {
	readonly frame: FrameSize;
	readonly #target: DrawingTarget;
	readonly #onChange: () => void;
	readonly #onTextWanted: (at: Point) => void;
	readonly #newId: () => string;
	readonly #throttle: LatestThrottle<Mark>;
	#draft: Draft | null = null;
	#draftMark: Mark | null = null;
	#refusal: string | null = null;

	constructor(options: DrawingOptions) {
		this.frame = options.frame;
		this.#target = options.target;
		this.#onChange = options.onChange;
		this.#onTextWanted = options.onTextWanted;
		this.#newId = options.newId ?? (() => crypto.randomUUID());
		this.#throttle = new LatestThrottle<Mark>(
			(mark) => this.#send(mark),
			DRAW_INTERVAL_MS,
			options.scheduler ?? browserScheduler
		);
	}

	/** The mark being drawn, as it is now (the customer may be up to 50 ms behind). */
	get draft(): Mark | null {
		return this.#draftMark;
	}

	get drawing(): boolean {
		return this.#draft !== null;
	}

	/** Why the last mark was refused ('too-many-marks', …), until the next one goes down. */
	get refusal(): string | null {
		return this.#refusal;
	}

	get #shortSide(): number {
		return Math.min(this.frame.width, this.frame.height);
	}

	start(tool: MarkTool, color: MarkColor, at: Point) {
		this.cancel();
		const point = clampPoint(at, this.frame);
		this.#refusal = null;
		switch (tool) {
			case 'marker': {
				const n = this.#target.nextMarkerNumber;
				if (n > MAX_MARKER_NUMBER) this.#refuse('too-many-markers');
				else this.#place({ id: this.#newId(), tool, color, at: point, n });
				return;
			}
			case 'text':
				this.#onTextWanted(point);
				return;
			case 'pen':
				this.#draft = {
					tool,
					id: this.#newId(),
					color,
					stroke: new PenStroke(point, this.#shortSide * PEN_STEP_SHARE, PEN_MAX_POINTS)
				};
				// A dot is a stroke too: the customer sees it at once.
				this.#update(true);
				return;
			case 'arrow':
			case 'rect':
				this.#draft = { tool, id: this.#newId(), color, from: point, to: point };
				this.#update(false);
				return;
		}
	}

	move(at: Point) {
		const draft = this.#draft;
		if (!draft) return;
		const point = clampPoint(at, this.frame);
		if (draft.tool === 'pen') {
			if (!draft.stroke.add(point)) return;
		} else {
			draft.to = point;
		}
		this.#update(this.#bigEnough(draft));
	}

	/** The pointer was lifted (at `at`, if it moved since): the mark is final. */
	end(at?: Point) {
		const draft = this.#draft;
		if (!draft) return;
		if (at) this.move(at);
		const mark = this.#draftMark!;
		if (!this.#bigEnough(draft)) {
			// A click with the arrow or rectangle: nothing to keep.
			this.cancel();
			return;
		}
		this.#throttle.flush(mark);
		this.#draft = null;
		this.#draftMark = null;
		this.#throttle.reset();
		this.#onChange();
	}

	/** Escape: the mark being drawn goes, on both sides. */
	cancel() {
		if (!this.#draft) return;
		const shown = this.#throttle.sentAny;
		this.#throttle.reset();
		this.#draft = null;
		this.#draftMark = null;
		// What the customer already saw of it is the last mark: take it back.
		if (shown) this.#target.undo();
		this.#onChange();
	}

	/** The label asked for by `onTextWanted`, placed at `at`; false if there is nothing to place. */
	addText(color: MarkColor, at: Point, text: string): boolean {
		const label = text
			.replace(/\p{Cc}/gu, ' ')
			.trim()
			.slice(0, MAX_MARK_TEXT);
		if (!label) return false;
		this.#refusal = null;
		return this.#place({
			id: this.#newId(),
			tool: 'text',
			color,
			at: clampPoint(at, this.frame),
			text: label
		});
	}

	#bigEnough(draft: Draft): boolean {
		if (draft.tool === 'pen') return true;
		const length = Math.hypot(draft.to[0] - draft.from[0], draft.to[1] - draft.from[1]);
		return length >= this.#shortSide * MIN_SHAPE_SHARE;
	}

	#update(send: boolean) {
		const draft = this.#draft!;
		const mark: Mark =
			draft.tool === 'pen'
				? { id: draft.id, tool: 'pen', color: draft.color, points: draft.stroke.points }
				: { id: draft.id, tool: draft.tool, color: draft.color, from: draft.from, to: draft.to };
		this.#draftMark = mark;
		if (send) this.#throttle.push(mark);
		this.#onChange();
	}

	#place(mark: Mark): boolean {
		const result = this.#target.draw(mark);
		if (!result.ok) this.#refuse(result.error);
		this.#onChange();
		return result.ok;
	}

	#send(mark: Mark) {
		const result = this.#target.draw(mark);
		if (!result.ok) {
			// Refused (too many marks): the stroke stops here, on both sides.
			this.#throttle.reset();
			this.#draft = null;
			this.#draftMark = null;
			this.#refuse(result.error);
		}
	}

	#refuse(error: string) {
		this.#refusal = error;
		this.#onChange();
	}
}
