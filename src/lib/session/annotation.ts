/**
 * "Look here": an agent freezes a frame of the customer's screen or camera and draws on it,
 * and the customer sees the same picture with the same marks, live, until the agent stops.
 * The frame (a JPEG) travels once, in chunks; the marks travel as vector shapes in the
 * frame's pixels (marks.ts), each sent again as it grows. Everything an agent sends is
 * checked here against what the annotation said of itself: its id, its frame's size and byte
 * count, the number of marks. One agent annotates at a time; a new annotation replaces the old.
 */
import * as v from 'valibot';
import { Emitter } from './emitter';
import { MAX_MARKS, markFits, markSchema, type Mark } from './marks';
import {
	FRAME_CHUNK_CHARS,
	MAX_FRAME_BYTES,
	frameChunkCount,
	type AnnotationSource
} from './protocol';
import type { PartContext, PartMessageOf, PartPeer, SessionPart } from './session-part';
import type { ActionResult } from './session';

export interface AnnotationState {
	active: boolean;
	id: string | null;
	source: AnnotationSource;
	width: number;
	height: number;
	/** The frozen frame (JPEG), once all of it arrived (at once for the agent drawing). */
	frame: Uint8Array | null;
	/** The frame did not arrive whole or did not add up: the marks show on their own. */
	frameFailed: boolean;
	marks: readonly Mark[];
	/** Who draws (their display name). */
	by: string | null;
	/** We draw it (the agent's side). */
	mine: boolean;
}

export type AnnotationActivity =
	| { kind: 'started'; by: string; mine: boolean; source: AnnotationSource }
	| { kind: 'stopped'; by: string; mine: boolean; marks: number };

export interface FrozenFrame {
	source: AnnotationSource;
	width: number;
	height: number;
	/** The frame as a JPEG (or PNG), at most MAX_FRAME_BYTES. */
	image: Uint8Array;
}

const INACTIVE: AnnotationState = Object.freeze({
	active: false,
	id: null,
	source: 'screen',
	width: 0,
	height: 0,
	frame: null,
	frameFailed: false,
	marks: Object.freeze([]),
	by: null,
	mine: false
});

const OK: ActionResult = Object.freeze({ ok: true });

type AnnotationMessage = PartMessageOf<
	| 'annotate-start'
	| 'annotate-frame'
	| 'annotate-mark'
	| 'annotate-undo'
	| 'annotate-clear'
	| 'annotate-stop'
>;

export class AnnotationBoard implements SessionPart {
	readonly handles = [
		'annotate-start',
		'annotate-frame',
		'annotate-mark',
		'annotate-undo',
		'annotate-clear',
		'annotate-stop'
	] as const;
	readonly events = new Emitter<{ change: []; activity: [activity: AnnotationActivity] }>();
	readonly #ctx: PartContext;
	#state: AnnotationState = INACTIVE;
	/** Customer side: the frame's chunks as they arrive, and how many bytes it should make. */
	#chunks: (string | null)[] = [];
	#frameBytes = 0;
	/** Agent side: the frame as sent (for a customer that connects again). */
	#sentChunks: string[] = [];
	/** The peer that draws (customer side). */
	#drawer: string | null = null;

	constructor(ctx: PartContext) {
		this.#ctx = ctx;
	}

	get state(): AnnotationState {
		return this.#state;
	}

	/** The number the next numbered marker gets. */
	get nextMarkerNumber(): number {
		return this.#state.marks.filter((mark) => mark.tool === 'marker').length + 1;
	}

	// The agent's side.

	/** Freezes `frame` and shows it to the customer: marks drawn from now on go on it. */
	begin(frame: FrozenFrame): ActionResult {
		if (this.#ctx.role !== 'agent') return { ok: false, error: 'wrong-role' };
		if (this.#ctx.ended()) return { ok: false, error: 'ended' };
		if (frame.image.byteLength === 0 || frame.image.byteLength > MAX_FRAME_BYTES) {
			return { ok: false, error: 'frame-too-large' };
		}
		const customers = this.#customers();
		if (customers.length === 0) return { ok: false, error: 'no-customer' };
		if (this.#state.active && this.#state.mine) this.stop();
		const id = this.#ctx.newId();
		this.#sentChunks = splitChunks(toBase64(frame.image));
		this.#state = {
			active: true,
			id,
			source: frame.source,
			width: Math.round(frame.width),
			height: Math.round(frame.height),
			frame: frame.image,
			frameFailed: false,
			marks: [],
			by: this.#ctx.name,
			mine: true
		};
		this.#sendWhole(customers);
		this.events.emit('activity', {
			kind: 'started',
			by: this.#ctx.name,
			mine: true,
			source: frame.source
		});
		this.#changed();
		return OK;
	}

	/** Adds a mark, or replaces the one with its id (a stroke still being drawn). */
	draw(mark: Mark): ActionResult {
		const state = this.#mineActive();
		if (!state) return { ok: false, error: 'not-annotating' };
		const error = checkMark(state, mark);
		if (error) return { ok: false, error };
		this.#setMarks(upsert(state.marks, mark));
		this.#ctx.send(this.#customers(), { type: 'annotate-mark', id: state.id, mark });
		return OK;
	}

	undo(): ActionResult {
		const state = this.#mineActive();
		if (!state) return { ok: false, error: 'not-annotating' };
		if (state.marks.length === 0) return OK;
		this.#setMarks(state.marks.slice(0, -1));
		this.#ctx.send(this.#customers(), { type: 'annotate-undo', id: state.id });
		return OK;
	}

	clear(): ActionResult {
		const state = this.#mineActive();
		if (!state) return { ok: false, error: 'not-annotating' };
		this.#setMarks([]);
		this.#ctx.send(this.#customers(), { type: 'annotate-clear', id: state.id });
		return OK;
	}

	stop(): ActionResult {
		const state = this.#mineActive();
		if (!state) return OK;
		this.#ctx.send(this.#customers(), { type: 'annotate-stop', id: state.id });
		this.#finish(state, true);
		return OK;
	}

	// The customer's side.

	receive(from: PartPeer, message: AnnotationMessage): string | void {
		if (this.#ctx.role !== 'customer') return 'wrong-direction';
		if (message.type === 'annotate-start') return this.#started(from, message);
		const state = this.#state;
		if (!state.active || message.id !== state.id || from.peerId !== this.#drawer) {
			return 'unknown-annotation';
		}
		switch (message.type) {
			case 'annotate-frame':
				return this.#frameChunk(message.index, message.data);
			case 'annotate-mark': {
				const error = checkMark(state, message.mark);
				if (error) return error;
				this.#setMarks(upsert(state.marks, message.mark));
				return;
			}
			case 'annotate-undo':
				this.#setMarks(state.marks.slice(0, -1));
				return;
			case 'annotate-clear':
				this.#setMarks([]);
				return;
			case 'annotate-stop':
				this.#finish(state, false);
				return;
		}
	}

	peerConnected(peer: PartPeer) {
		// A customer that connects again (or reloaded) gets the whole picture and every mark.
		if (peer.role === 'customer' && this.#state.active && this.#state.mine) {
			this.#sendWhole([peer.peerId]);
		}
	}

	peerRestarted(peerId: string) {
		// The agent drawing reloaded its page: its annotation went with the page.
		if (peerId === this.#drawer && this.#state.active && !this.#state.mine) {
			this.#finish(this.#state, false);
		}
	}

	peerForgotten(peerId: string) {
		// The agent drawing left: its marks go with it.
		if (peerId === this.#drawer && this.#state.active) this.#finish(this.#state, false);
	}

	ended() {
		if (this.#state.active) this.#finish(this.#state, this.#state.mine);
	}

	#started(from: PartPeer, message: PartMessageOf<'annotate-start'>): string | void {
		// The same annotation announced again (a reconnect): keep what already arrived.
		if (this.#state.active && this.#state.id === message.id && this.#drawer === from.peerId) {
			return;
		}
		this.#drawer = from.peerId;
		this.#chunks = new Array(frameChunkCount(message.frameBytes)).fill(null);
		this.#frameBytes = message.frameBytes;
		const by = from.name ?? 'Agent';
		this.#state = {
			active: true,
			id: message.id,
			source: message.source,
			width: message.width,
			height: message.height,
			frame: null,
			frameFailed: false,
			marks: [],
			by,
			mine: false
		};
		this.events.emit('activity', { kind: 'started', by, mine: false, source: message.source });
		this.#changed();
	}

	#frameChunk(index: number, data: string): string | void {
		if (this.#state.frame || this.#state.frameFailed) return;
		if (index >= this.#chunks.length) return 'chunk-out-of-range';
		const last = index === this.#chunks.length - 1;
		const expected = Math.ceil(this.#frameBytes / 3) * 4 - index * FRAME_CHUNK_CHARS;
		// Every chunk is full but the last, which holds what remains: nothing more, nothing less.
		if (data.length !== (last ? expected : FRAME_CHUNK_CHARS)) {
			this.#failFrame();
			return 'chunk-size';
		}
		this.#chunks[index] = data;
		if (this.#chunks.some((chunk) => chunk === null)) return;
		const image = fromBase64(this.#chunks.join(''));
		this.#chunks = [];
		if (!image || image.byteLength !== this.#frameBytes) {
			this.#failFrame();
			return 'frame-size';
		}
		this.#state = { ...this.#state, frame: image };
		this.#changed();
	}

	#failFrame() {
		this.#chunks = [];
		this.#state = { ...this.#state, frameFailed: true };
		this.#changed();
	}

	#mineActive(): (AnnotationState & { id: string }) | null {
		const state = this.#state;
		return state.active && state.mine && state.id
			? (state as AnnotationState & { id: string })
			: null;
	}

	#sendWhole(customers: readonly string[]) {
		const state = this.#state;
		if (!state.id || !state.frame) return;
		const id = state.id;
		this.#ctx.send(customers, {
			type: 'annotate-start',
			id,
			source: state.source,
			width: state.width,
			height: state.height,
			frameBytes: state.frame.byteLength
		});
		this.#sentChunks.forEach((data, index) =>
			this.#ctx.send(customers, { type: 'annotate-frame', id, index, data })
		);
		for (const mark of state.marks) this.#ctx.send(customers, { type: 'annotate-mark', id, mark });
	}

	#finish(state: AnnotationState, mine: boolean) {
		this.events.emit('activity', {
			kind: 'stopped',
			by: state.by ?? 'Agent',
			mine,
			marks: state.marks.length
		});
		this.#state = INACTIVE;
		this.#chunks = [];
		this.#sentChunks = [];
		this.#drawer = null;
		this.#changed();
	}

	#setMarks(marks: readonly Mark[]) {
		this.#state = { ...this.#state, marks };
		this.#changed();
	}

	#customers(): string[] {
		return this.#ctx
			.peers()
			.filter((p) => p.role === 'customer')
			.map((p) => p.peerId);
	}

	#changed() {
		this.events.emit('change');
		this.#ctx.changed();
	}
}

/** Why a mark may not go on this annotation, if it may not. */
function checkMark(state: AnnotationState, mark: Mark): string | null {
	if (!v.is(markSchema, mark)) return 'invalid-mark';
	if (!markFits(mark, state.width, state.height)) return 'out-of-frame';
	const replaces = state.marks.some((m) => m.id === mark.id);
	if (!replaces && state.marks.length >= MAX_MARKS) return 'too-many-marks';
	return null;
}

function upsert(marks: readonly Mark[], mark: Mark): readonly Mark[] {
	const index = marks.findIndex((m) => m.id === mark.id);
	if (index === -1) return [...marks, mark];
	const next = [...marks];
	next[index] = mark;
	return next;
}

function toBase64(bytes: Uint8Array): string {
	let binary = '';
	for (let i = 0; i < bytes.length; i += 0x8000) {
		binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
	}
	return btoa(binary);
}

function fromBase64(text: string): Uint8Array | null {
	try {
		const binary = atob(text);
		const bytes = new Uint8Array(binary.length);
		for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
		return bytes;
	} catch {
		return null;
	}
}

function splitChunks(text: string): string[] {
	const chunks: string[] = [];
	for (let i = 0; i < text.length; i += FRAME_CHUNK_CHARS) {
		chunks.push(text.slice(i, i + FRAME_CHUNK_CHARS));
	}
	return chunks;
}
