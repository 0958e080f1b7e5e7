/**
 * Sends a session's recording to the server as it is made: each chunk is kept in the store
 * first, uploaded one at a time in (segment, index) order, retried with backoff while the
 * server cannot be reached, and removed only once the server has acknowledged it (stored, or a
 * duplicate: the server keys chunks by segment and index, so sending one again is harmless).
 * A segment whose recorder stopped is ended with its chunk count and duration once its chunks
 * are sent. A reloaded page loads what the previous one left and carries on: the chunks are
 * sent again and a segment its recorder never finished is ended with what was kept.
 */
import { Emitter } from '../emitter';
import { chunkOrder, type ChunkStore, type PendingChunk, type SegmentRecord } from './chunk-store';
import type { RecordingServer } from './types';

export interface RecordingUploaderOptions {
	server: Pick<RecordingServer, 'putRecordingChunk' | 'endRecordingSegment'>;
	store: ChunkStore;
	sessionId: string;
	/** The wait before a retry doubles from `min` up to `max`. */
	retryMs?: { min: number; max: number };
	/**
	 * Uploads count as failing (the agent is told) once this many attempts in a row failed and
	 * the first of them is at least `ms` old: a server restart of a few seconds is no alarm.
	 */
	failingAfter?: { attempts: number; ms: number };
	now?: () => number;
}

/**
 * Refusals after which nothing of this session can be stored any more (we are no longer in it,
 * it is gone, or it is not recorded): the queue is dropped.
 */
const SESSION_CLOSED = new Set([
	'not-present',
	'not-found',
	'not-participant',
	'session-ended',
	'not-recorded'
]);
/** No room on the server: no more chunks are sent, but segments are still ended. */
const STORAGE_FULL = 'storage-full';

export class RecordingUploader {
	readonly events = new Emitter<{
		/** Uploads keep failing (once, until they work again). */
		failing: [error: string];
		recovered: [];
		/** The server refused a chunk for good (it is dropped). */
		refused: [error: string, chunk: { segment: number; index: number }];
		/** The server will take nothing more of this session (`error` says why). */
		closed: [error: string];
		/** The server has a segment's end; `missing` are the chunks it never got. */
		'segment-ended': [segment: number, missing: number[]];
		change: [];
	}>();

	readonly #server: RecordingUploaderOptions['server'];
	readonly #store: ChunkStore;
	readonly #sessionId: string;
	readonly #retryMin: number;
	readonly #retryMax: number;
	readonly #failingAttempts: number;
	readonly #failingMs: number;
	readonly #now: () => number;

	#chunks: PendingChunk[] = [];
	readonly #segments = new Map<number, SegmentRecord>();
	#retryDelay: number;
	#retryTimer: ReturnType<typeof setTimeout> | null = null;
	#draining: Promise<void> | null = null;
	#stopped = false;
	#storageFull = false;
	#failedAttempts = 0;
	#firstFailureAt: number | null = null;
	#failing = false;
	#idleWaiters: (() => void)[] = [];

	constructor(options: RecordingUploaderOptions) {
		this.#server = options.server;
		this.#store = options.store;
		this.#sessionId = options.sessionId;
		this.#retryMin = options.retryMs?.min ?? 500;
		this.#retryMax = options.retryMs?.max ?? 8_000;
		this.#retryDelay = this.#retryMin;
		this.#failingAttempts = options.failingAfter?.attempts ?? 3;
		this.#failingMs = options.failingAfter?.ms ?? 10_000;
		this.#now = options.now ?? Date.now;
	}

	/** Chunks not yet acknowledged (including one in flight). */
	get pending(): number {
		return this.#chunks.length;
	}

	/** Uploads have kept failing, and have not worked since. */
	get failing(): boolean {
		return this.#failing;
	}

	/** The highest segment number this page knows of (a previous page's included), or -1. */
	get lastSegment(): number {
		let last = -1;
		for (const segment of this.#segments.keys()) last = Math.max(last, segment);
		for (const chunk of this.#chunks) last = Math.max(last, chunk.segment);
		return last;
	}

	/**
	 * Takes over what a previous page of this session left: its chunks are sent again, and a
	 * segment whose recorder died with that page is finished with the chunks it kept.
	 */
	async load(): Promise<void> {
		let left: Awaited<ReturnType<ChunkStore['load']>>;
		try {
			left = await this.#store.load(this.#sessionId);
		} catch {
			// An unreadable store must not stop the recording of this page.
			return;
		}
		const known = new Set(this.#chunks.map((c) => `${c.segment}/${c.index}`));
		for (const record of left.segments) {
			if (this.#segments.has(record.segment)) continue;
			const finished = { ...record, finished: true };
			this.#segments.set(record.segment, finished);
			if (!record.finished) this.#save(finished);
		}
		const older = left.chunks.filter((c) => !known.has(`${c.segment}/${c.index}`));
		this.#chunks = [...older, ...this.#chunks].sort(chunkOrder);
		this.#changed();
		this.#kick();
	}

	/** A new segment's recorder is about to start. */
	begin(record: Omit<SegmentRecord, 'sessionId' | 'chunks' | 'durationMs' | 'finished'>) {
		const full: SegmentRecord = {
			...record,
			sessionId: this.#sessionId,
			chunks: 0,
			durationMs: 0,
			finished: false
		};
		this.#segments.set(full.segment, full);
		this.#save(full);
	}

	/** The recorder made the next chunk of `segment`: kept, then sent. */
	add(segment: number, data: Blob, at = this.#now()) {
		const record = this.#segments.get(segment);
		if (!record || record.finished) return;
		const chunk: PendingChunk = {
			sessionId: this.#sessionId,
			recordingId: record.recordingId,
			segment,
			index: record.chunks,
			data,
			at
		};
		const updated = {
			...record,
			chunks: record.chunks + 1,
			durationMs: Math.max(record.durationMs, at - record.startedAt)
		};
		this.#segments.set(segment, updated);
		this.#save(updated);
		// The server has no room: the chunk is counted (the end says it is missing), not kept.
		if (this.#storageFull) return;
		this.#store.putChunk(chunk).catch(() => {
			// Not kept (the browser's storage is full, a private window): sent from memory.
		});
		this.#chunks.push(chunk);
		this.#changed();
		this.#kick();
	}

	/** The recorder of `segment` stopped after `durationMs`: the segment is ended once sent. */
	finish(segment: number, durationMs?: number) {
		const record = this.#segments.get(segment);
		if (!record || record.finished) return;
		const finished = {
			...record,
			finished: true,
			durationMs: Math.max(record.durationMs, durationMs ?? 0)
		};
		this.#segments.set(segment, finished);
		this.#save(finished);
		this.#kick();
	}

	/**
	 * Resolves true once every chunk is acknowledged and every finished segment ended, false
	 * if that did not happen within `timeoutMs`. A retry waiting for its backoff goes now.
	 */
	whenIdle(timeoutMs: number): Promise<boolean> {
		if (this.#idle()) return Promise.resolve(true);
		if (this.#retryTimer) {
			clearTimeout(this.#retryTimer);
			this.#retryTimer = null;
			this.#kick();
		}
		return new Promise((resolve) => {
			const done = () => {
				clearTimeout(timer);
				resolve(true);
			};
			const timer = setTimeout(() => {
				this.#idleWaiters = this.#idleWaiters.filter((waiter) => waiter !== done);
				resolve(false);
			}, timeoutMs);
			this.#idleWaiters.push(done);
		});
	}

	/** Stops sending; what is kept stays for the next page. */
	stop() {
		this.#stopped = true;
		if (this.#retryTimer) clearTimeout(this.#retryTimer);
		this.#retryTimer = null;
	}

	#idle(): boolean {
		return this.#chunks.length === 0 && ![...this.#segments.values()].some((s) => s.finished);
	}

	#kick() {
		if (this.#stopped || this.#draining || this.#retryTimer) return;
		this.#draining = this.#drain().finally(() => {
			this.#draining = null;
			if (this.#idle()) {
				const waiters = this.#idleWaiters;
				this.#idleWaiters = [];
				for (const waiter of waiters) waiter();
			} else if (!this.#retryTimer && this.#nextTask()) {
				// Something was added after the loop's last look.
				this.#kick();
			}
		});
	}

	/** The next thing to send: a segment's chunks in order, then its end; segments in order. */
	#nextTask(): { chunk: PendingChunk } | { end: SegmentRecord } | null {
		const first = this.#chunks[0];
		const ended = [...this.#segments.values()]
			.filter((s) => s.finished && !this.#chunks.some((c) => c.segment === s.segment))
			.sort((a, b) => a.segment - b.segment)[0];
		if (ended && (!first || ended.segment < first.segment)) return { end: ended };
		return first ? { chunk: first } : null;
	}

	async #drain(): Promise<void> {
		for (;;) {
			if (this.#stopped) return;
			const task = this.#nextTask();
			if (!task) return;
			const retry = 'chunk' in task ? await this.#sendChunk(task.chunk) : await this.#end(task.end);
			if (retry) {
				this.#scheduleRetry(retry);
				return;
			}
		}
	}

	/** Sends one chunk; returns the error if it should be retried. */
	async #sendChunk(chunk: PendingChunk): Promise<string | null> {
		let result: Awaited<ReturnType<RecordingUploaderOptions['server']['putRecordingChunk']>>;
		try {
			result = await this.#server.putRecordingChunk(chunk.segment, chunk.index, chunk.data);
		} catch {
			result = { ok: false, error: 'unavailable', retry: true };
		}
		if (!result.ok && result.retry) return result.error;
		this.#succeeded();
		this.#drop(chunk);
		if (!result.ok) {
			this.events.emit('refused', result.error, { segment: chunk.segment, index: chunk.index });
			if (SESSION_CLOSED.has(result.error)) this.#close(result.error);
			else if (result.error === STORAGE_FULL) this.#fillUp();
		}
		return null;
	}

	async #end(record: SegmentRecord): Promise<string | null> {
		let result: Awaited<ReturnType<RecordingUploaderOptions['server']['endRecordingSegment']>>;
		try {
			result = await this.#server.endRecordingSegment(record.segment, {
				chunks: record.chunks,
				durationMs: Math.round(record.durationMs)
			});
		} catch {
			result = { ok: false, error: 'unavailable', retry: true };
		}
		if (!result.ok && result.retry) return result.error;
		this.#succeeded();
		this.#segments.delete(record.segment);
		this.#store.deleteSegment(record).catch(() => {});
		if (result.ok) this.events.emit('segment-ended', record.segment, result.missing);
		else if (SESSION_CLOSED.has(result.error)) this.#close(result.error);
		this.#changed();
		return null;
	}

	#drop(chunk: PendingChunk) {
		this.#chunks = this.#chunks.filter((c) => c !== chunk);
		this.#store.deleteChunk(chunk).catch(() => {});
		this.#changed();
	}

	/** Nothing more of this session will be stored: everything kept goes. */
	#close(error: string) {
		for (const chunk of this.#chunks) this.#store.deleteChunk(chunk).catch(() => {});
		for (const record of this.#segments.values()) this.#store.deleteSegment(record).catch(() => {});
		this.#chunks = [];
		this.#segments.clear();
		this.events.emit('closed', error);
		this.#changed();
	}

	/** No room left on the server: the chunks go, the segments are still ended. */
	#fillUp() {
		this.#storageFull = true;
		for (const chunk of this.#chunks) this.#store.deleteChunk(chunk).catch(() => {});
		this.#chunks = [];
		this.events.emit('closed', STORAGE_FULL);
		this.#changed();
	}

	#succeeded() {
		this.#retryDelay = this.#retryMin;
		this.#failedAttempts = 0;
		this.#firstFailureAt = null;
		if (this.#failing) {
			this.#failing = false;
			this.events.emit('recovered');
			this.#changed();
		}
	}

	#scheduleRetry(error: string) {
		this.#failedAttempts++;
		this.#firstFailureAt ??= this.#now();
		if (
			!this.#failing &&
			this.#failedAttempts >= this.#failingAttempts &&
			this.#now() - this.#firstFailureAt >= this.#failingMs
		) {
			this.#failing = true;
			this.events.emit('failing', error);
			this.#changed();
		}
		if (this.#stopped) return;
		const delay = this.#retryDelay;
		this.#retryDelay = Math.min(delay * 2, this.#retryMax);
		this.#retryTimer = setTimeout(() => {
			this.#retryTimer = null;
			this.#kick();
		}, delay);
	}

	#save(record: SegmentRecord) {
		this.#store.putSegment(record).catch(() => {
			// Kept in memory: this page still ends the segment.
		});
	}

	#changed() {
		this.events.emit('change');
	}
}
