/**
 * The agent's side of an annotation, for the viewer: freezing the shown picture, the chosen
 * tool and colour, pointers and keys turned into marks (MarkDrawing), undo, clear, and the
 * annotated picture saved to the report on Stop annotating or Save picture.
 */
import type { SessionView } from '$lib/peer/session-view.svelte';
import type { AnnotationState } from '$lib/session/annotation';
import type { Mark, MarkColor, MarkTool, Point } from '$lib/session/marks';
import type { AnnotationSource } from '$lib/session/protocol';
import { composeAnnotatedPng } from './compose';
import { MarkDrawing } from './drawing';
import { grabFrame } from './frame-grab';
import { isOverFrame, toFramePoint, type FrameSize } from './geometry';
import { withDraft } from './mark-style';

/** What the agent is told (worded by the page). */
export type AgentAnnotationNotice =
	| { kind: 'started' | 'stopped' | 'saving' | 'saved' }
	| { kind: 'save-failed'; error: string }
	| { kind: 'not-started'; error: string }
	| { kind: 'refused'; error: string };

/** The picture the viewer shows now, to freeze. */
export interface ShownPicture {
	video: HTMLVideoElement;
	source: AnnotationSource;
}

export class AgentAnnotation {
	tool = $state<MarkTool>('pen');
	color = $state<MarkColor>('red');
	/** The mark being drawn, shown at once (the customer gets it at most 50 ms later). */
	draft = $state.raw<Mark | null>(null);
	/** Where a text label goes, while its words are asked for. */
	textAt = $state.raw<Point | null>(null);
	/** The keyboard's cursor on the frame, once the keyboard moved it. */
	cursor = $state.raw<Point | null>(null);
	notice = $state.raw<AgentAnnotationNotice | null>(null);
	/** Freezing the picture, until it is shown. */
	starting = $state(false);

	readonly #view: SessionView;
	#drawing: MarkDrawing | null = null;
	#drawingFor: string | null = null;
	#pointerId: number | null = null;
	/** The surface's rectangle while a pointer draws (it does not move meanwhile). */
	#box: DOMRect | null = null;
	/** The marks as last saved, so Stop after Save saves nothing twice. */
	#savedMarks: readonly Mark[] | null = null;

	constructor(view: SessionView) {
		this.#view = view;
	}

	get state(): AnnotationState {
		return this.#view.annotation;
	}

	/** Whether this agent is annotating now. */
	get active(): boolean {
		return this.state.active && this.state.mine;
	}

	/** What to draw: the marks with the one being drawn. */
	get marks(): readonly Mark[] {
		return withDraft(this.state.marks, this.draft);
	}

	get canUndo(): boolean {
		return this.state.marks.length > 0 || this.draft !== null;
	}

	async begin(picture: ShownPicture | null) {
		if (!picture || this.starting) return;
		this.starting = true;
		this.notice = null;
		try {
			const grabbed = await grabFrame(picture.video, picture.source);
			if (!grabbed.ok) {
				this.notice = { kind: 'not-started', error: grabbed.error };
				return;
			}
			const result = this.#view.beginAnnotation(grabbed.frame);
			if (!result.ok) {
				this.notice = { kind: 'not-started', error: result.error };
				return;
			}
			this.#savedMarks = null;
			this.textAt = null;
			this.cursor = null;
			this.notice = { kind: 'started' };
		} finally {
			this.starting = false;
		}
	}

	/** The drawing for the annotation now shown (a new one per annotation). */
	#current(): MarkDrawing | null {
		const state = this.state;
		if (!this.active || !state.id) return null;
		if (this.#drawingFor !== state.id || !this.#drawing) {
			const view = this.#view;
			this.#drawingFor = state.id;
			this.#drawing = new MarkDrawing({
				frame: { width: state.width, height: state.height },
				target: {
					draw: (mark) => this.#view.drawMark(mark),
					undo: () => this.#view.undoMark(),
					get nextMarkerNumber() {
						return view.nextMarkerNumber;
					}
				},
				onChange: () => this.#drawn(),
				onTextWanted: (at) => (this.textAt = at)
			});
		}
		return this.#drawing;
	}

	#drawn() {
		const drawing = this.#drawing;
		this.draft = drawing?.draft ?? null;
		if (drawing?.refusal) this.notice = { kind: 'refused', error: drawing.refusal };
	}

	get #frame(): FrameSize {
		return { width: this.state.width, height: this.state.height };
	}

	#point(event: PointerEvent, box: DOMRect): Point | null {
		return toFramePoint(event.clientX, event.clientY, box, this.#frame);
	}

	pointerDown(event: PointerEvent & { currentTarget: HTMLElement }) {
		const element = event.currentTarget;
		if (!event.isPrimary || event.button !== 0 || this.#pointerId !== null) return;
		const drawing = this.#current();
		if (!drawing) return;
		const box = element.getBoundingClientRect();
		// A press on the bars beside the picture draws nothing.
		if (!isOverFrame(event.clientX, event.clientY, box, this.#frame)) return;
		const point = this.#point(event, box);
		if (!point) return;
		event.preventDefault();
		// Focus, so Escape reaches us; the keyboard cursor stays hidden for a pointer.
		element.focus({ preventScroll: true });
		this.textAt = null;
		this.cursor = null;
		drawing.start(this.tool, this.color, point);
		if (drawing.drawing) {
			this.#pointerId = event.pointerId;
			this.#box = box;
			element.setPointerCapture?.(event.pointerId);
		}
	}

	pointerMove(event: PointerEvent) {
		const box = this.#box;
		if (event.pointerId !== this.#pointerId || !box) return;
		// Every point the pointer passed since the last frame, for a smooth stroke.
		const events = event.getCoalescedEvents?.() ?? [];
		for (const each of events.length > 0 ? events : [event]) {
			const point = this.#point(each, box);
			if (point) this.#drawing?.move(point);
		}
	}

	pointerUp(event: PointerEvent & { currentTarget: HTMLElement }) {
		const box = this.#box;
		if (event.pointerId !== this.#pointerId || !box) return;
		this.#pointerId = null;
		this.#box = null;
		event.currentTarget.releasePointerCapture?.(event.pointerId);
		this.#drawing?.end(this.#point(event, box) ?? undefined);
	}

	/** The browser took the pointer away (a system gesture): what was drawn stays. */
	pointerCancel(event: PointerEvent) {
		if (event.pointerId !== this.#pointerId) return;
		this.#pointerId = null;
		this.#box = null;
		this.#drawing?.end();
	}

	/** Escape cancels the mark being drawn; arrows, Enter and Space draw with a cursor. */
	keyDown(event: KeyboardEvent) {
		const drawing = this.#current();
		if (!drawing) return;
		if (event.key === 'Escape') {
			if (!drawing.drawing) return;
			event.preventDefault();
			this.#pointerId = null;
			this.#box = null;
			drawing.cancel();
			return;
		}
		const { width, height } = this.#frame;
		const step = (Math.min(width, height) / 60) * (event.shiftKey ? 5 : 1);
		const moves: Record<string, [number, number]> = {
			ArrowLeft: [-step, 0],
			ArrowRight: [step, 0],
			ArrowUp: [0, -step],
			ArrowDown: [0, step]
		};
		const cursor = this.cursor ?? [width / 2, height / 2];
		const move = moves[event.key];
		if (move) {
			event.preventDefault();
			const next: Point = [
				Math.round(Math.min(Math.max(cursor[0] + move[0], 0), width)),
				Math.round(Math.min(Math.max(cursor[1] + move[1], 0), height))
			];
			this.cursor = next;
			drawing.move(next);
		} else if (event.key === 'Enter' || event.key === ' ') {
			event.preventDefault();
			this.cursor = cursor;
			if (drawing.drawing) drawing.end(cursor);
			else drawing.start(this.tool, this.color, cursor);
		}
	}

	/** The label for `textAt`; false when there is nothing to place. */
	addText(text: string): boolean {
		const at = this.textAt;
		const drawing = this.#current();
		if (!at || !drawing) return false;
		const placed = drawing.addText(this.color, at, text);
		if (placed) this.textAt = null;
		return placed;
	}

	cancelText() {
		this.textAt = null;
	}

	undo() {
		if (this.#drawing?.drawing) {
			this.#drawing.cancel();
			return;
		}
		this.#view.undoMark();
	}

	clear() {
		this.#drawing?.cancel();
		this.textAt = null;
		this.#view.clearMarks();
	}

	/** Saves the picture with its marks into the report (nothing new since the last save: no). */
	async save(): Promise<void> {
		const state = this.state;
		if (!this.active) return;
		await this.#save(state);
	}

	/** Ends the annotation for the customer at once, then saves what was drawn on it. */
	async stop(): Promise<void> {
		if (!this.active) return;
		this.#drawing?.end();
		const state = this.state;
		this.textAt = null;
		this.cursor = null;
		this.#pointerId = null;
		this.#box = null;
		this.#view.stopAnnotating();
		this.notice = { kind: 'stopped' };
		if (state.marks.length > 0 && state.marks !== this.#savedMarks) await this.#save(state);
	}

	async #save(state: AnnotationState) {
		this.#savedMarks = state.marks;
		this.notice = { kind: 'saving' };
		let result: { ok: true } | { ok: false; error: string };
		try {
			const png = await composeAnnotatedPng(state.frame, state.width, state.height, state.marks);
			result = await this.#view.saveSnapshot(png, { source: state.source, annotated: true });
		} catch {
			result = { ok: false, error: 'compose-failed' };
		}
		if (!result.ok) this.#savedMarks = null;
		this.notice = result.ok ? { kind: 'saved' } : { kind: 'save-failed', error: result.error };
	}
}
