/**
 * Whether this agent's browser records the session now, and what happens when that changes.
 * It records when the session is recorded (features.record), this agent owns the session, and
 * a customer's page has shown "This session is recorded". Each run of the recorder is one
 * segment of the session's one recording: opened with the server first, its chunks handed to
 * the uploader, ended when the recorder stops. A hand-over ends the old owner's segment (and
 * sends it) before it leaves; the new owner, told another agent is gone, opens the next.
 * When recording cannot run (no recorder in this browser, the recorder failed, the server is
 * full) or uploads keep failing, the agent is told and the report gets a problem.
 */
import { Emitter } from '../emitter';
import type { RecordingUploader } from './uploader';
import {
	MAX_PROBLEM_DETAIL,
	type RecordingProblem,
	type RecordingServer,
	type SegmentStart
} from './types';

/** Why recording stopped for good on this page. */
export type RecordingFailureReason = 'unsupported' | 'recorder-error' | 'storage-full' | 'refused';

export type RecordingState =
	/** Not recording: not recorded, not ours, or nothing to record yet. */
	| { kind: 'off' }
	/** Opening a segment with the server (retried while it cannot be reached). */
	| { kind: 'starting' }
	| { kind: 'recording'; segment: number }
	| { kind: 'failed'; reason: RecordingFailureReason; detail?: string }
	/** The session ended, or we handed it over: this page records no more. */
	| { kind: 'ended' };

/** One run of the browser's recorder: what the controller needs of it. */
export interface SegmentRecorder {
	/** The container and codecs it records (sent to the server with the segment). */
	readonly mimeType: string;
	/** Starts; chunks (a few seconds each) and a failure come through the handlers. */
	start(handlers: { chunk(data: Blob): void; error(detail: string): void }): void;
	/** Stops; resolves once the last chunk has been handed over. */
	stop(): Promise<void>;
}

/** A new recorder, or why this browser cannot record. */
export type RecorderFactory = () => SegmentRecorder | { unsupported: string };

export interface RecordingConditions {
	/** The session's features say it is recorded. */
	record: boolean;
	/** This agent owns the session (the server has the last word). */
	owner: boolean;
}

export interface RecordingControllerOptions {
	server: Pick<RecordingServer, 'startRecordingSegment' | 'postRecordingProblem'>;
	uploader: RecordingUploader;
	recorder: RecorderFactory;
	conditions: RecordingConditions;
	/** Opening a segment is retried after this long, doubling up to `max`. */
	retryMs?: { min: number; max: number };
	/** How long a new segment waits for an earlier one (a previous page's) to be sent first. */
	settleMs?: number;
	now?: () => number;
}

/** The server's refusals that mean "not yours to record", as opposed to a failure. */
const NOT_OURS = new Set([
	'not-owner',
	'not-present',
	'not-recorded',
	'session-ended',
	'not-found',
	'not-participant'
]);

export class RecordingController {
	readonly events = new Emitter<{ change: [] }>();
	#state: RecordingState = { kind: 'off' };
	#uploadsFailing = false;
	#conditions: RecordingConditions;
	/** A customer's page has shown the notice (it stays so when the customer reconnects). */
	#customerTold = false;
	/** Another agent left: we may own the session now, the server says whether we do. */
	#mayOwn = false;
	#unsupported: string | null = null;
	/** We are handing the session over: nothing more is recorded here unless we stay. */
	#steppedDown = false;

	readonly #server: RecordingControllerOptions['server'];
	readonly #uploader: RecordingUploader;
	readonly #newRecorder: RecorderFactory;
	readonly #retryMin: number;
	readonly #retryMax: number;
	readonly #settleMs: number;
	readonly #now: () => number;
	#recorder: SegmentRecorder | null = null;
	#segmentStartedAt = 0;
	/** Bumped whenever what is wanted changes: a start still waiting on the server gives up. */
	#generation = 0;
	#retryTimer: ReturnType<typeof setTimeout> | null = null;
	#wakeUp: (() => void) | null = null;
	#stopping: Promise<void> | null = null;
	#unsentProblems: RecordingProblem[] = [];
	#disposed = false;
	readonly #unsubscribe: (() => void)[] = [];

	constructor(options: RecordingControllerOptions) {
		this.#server = options.server;
		this.#uploader = options.uploader;
		this.#newRecorder = options.recorder;
		this.#conditions = { ...options.conditions };
		this.#retryMin = options.retryMs?.min ?? 1_000;
		this.#retryMax = options.retryMs?.max ?? 15_000;
		this.#settleMs = options.settleMs ?? 10_000;
		this.#now = options.now ?? Date.now;
		const events = this.#uploader.events;
		this.#unsubscribe.push(
			events.on('failing', (error) => {
				this.#uploadsFailing = true;
				this.#problem({ reason: 'upload-failing', detail: error });
				this.#changed();
			}),
			events.on('recovered', () => {
				this.#uploadsFailing = false;
				this.#postUnsentProblems();
				this.#changed();
			}),
			events.on('closed', (error) => void this.#serverClosed(error))
		);
	}

	get state(): RecordingState {
		return this.#state;
	}

	/** The recorder runs now. */
	get recording(): boolean {
		return this.#state.kind === 'recording';
	}

	/** Chunks are waiting because uploads keep failing (they are kept and sent later). */
	get uploadsFailing(): boolean {
		return this.#uploadsFailing;
	}

	/** Takes over what a previous page left, then records if it should. */
	async start(): Promise<void> {
		await this.#uploader.load();
		this.#evaluate();
	}

	/** The session's features or this agent's ownership changed. */
	update(conditions: Partial<RecordingConditions>) {
		this.#conditions = { ...this.#conditions, ...conditions };
		if (conditions.owner === false) this.#mayOwn = false;
		this.#evaluate();
	}

	/** A customer's page has shown "This session is recorded": there is something to record. */
	customerTold() {
		if (this.#customerTold) return;
		this.#customerTold = true;
		this.#evaluate();
	}

	/** Another agent is gone for good: if it handed the session to us, we record from now. */
	agentGone() {
		if (this.#conditions.owner) return;
		this.#mayOwn = true;
		this.#evaluate();
	}

	/**
	 * We are about to hand the session over (or leave it): our segment ends and is sent before
	 * we go, for at most `timeoutMs`. Resolves true if the server has all of it.
	 */
	async stepDown(timeoutMs = 10_000): Promise<boolean> {
		this.#steppedDown = true;
		await this.#turnOff();
		return this.#uploader.whenIdle(timeoutMs);
	}

	/**
	 * What the recorder records changed in a way a running recorder cannot take (voices became
	 * recordable): the segment ends and the next one begins with the new inputs.
	 */
	async restart(): Promise<void> {
		if (this.#state.kind !== 'recording') return;
		await this.#turnOff();
	}

	/** The hand-over did not happen: we still own the session, and record the next segment. */
	stayed() {
		if (!this.#steppedDown) return;
		this.#steppedDown = false;
		this.#evaluate();
	}

	/**
	 * The session ends. Called before telling the server when we end it (our last chunks still
	 * go); when it ended elsewhere, the server takes nothing more and the rest is dropped.
	 */
	async sessionEnded(timeoutMs = 10_000): Promise<boolean> {
		return this.#finishPage(timeoutMs);
	}

	/** The page goes: the recorder stops, what is kept stays for the next page. */
	dispose() {
		this.#disposed = true;
		this.#generation++;
		this.#clearRetry();
		for (const off of this.#unsubscribe) off();
		const recorder = this.#recorder;
		this.#recorder = null;
		void recorder?.stop().catch(() => {});
		this.#uploader.stop();
	}

	async #finishPage(timeoutMs: number): Promise<boolean> {
		if (this.#state.kind === 'ended') return this.#uploader.whenIdle(timeoutMs);
		this.#generation++;
		this.#clearRetry();
		await this.#stopSegment();
		this.#set({ kind: 'ended' });
		return this.#uploader.whenIdle(timeoutMs);
	}

	#wanted(): boolean {
		const { record, owner } = this.#conditions;
		return record && (owner || this.#mayOwn) && this.#customerTold && !this.#steppedDown;
	}

	#evaluate() {
		if (this.#disposed) return;
		const kind = this.#state.kind;
		if (kind === 'ended') return;
		const { record, owner } = this.#conditions;
		if (!record) {
			if (kind !== 'off') void this.#turnOff();
			return;
		}
		// Told at once, before there is anything to record: this browser will not manage it.
		if (owner && kind === 'off' && this.#isUnsupported()) {
			this.#fail('unsupported', this.#unsupported ?? undefined);
			return;
		}
		if (kind === 'failed') return;
		if (this.#wanted()) {
			if (kind === 'off' && !this.#stopping) void this.#begin();
		} else if (kind === 'recording' || kind === 'starting') {
			void this.#turnOff();
		}
	}

	#isUnsupported(): boolean {
		if (this.#unsupported !== null) return true;
		const probe = this.#newRecorder();
		if ('unsupported' in probe) {
			this.#unsupported = probe.unsupported;
			return true;
		}
		return false;
	}

	async #begin() {
		const generation = ++this.#generation;
		this.#set({ kind: 'starting' });
		const recorder = this.#newRecorder();
		if ('unsupported' in recorder) {
			this.#unsupported = recorder.unsupported;
			this.#fail('unsupported', recorder.unsupported);
			return;
		}
		// A previous page's segment is ended first: a new one would close it on the server.
		if (this.#uploader.lastSegment >= 0) await this.#uploader.whenIdle(this.#settleMs);
		let delay = this.#retryMin;
		let opened: SegmentStart;
		for (;;) {
			if (generation !== this.#generation) return;
			try {
				opened = await this.#server.startRecordingSegment(recorder.mimeType);
			} catch {
				opened = { ok: false, error: 'unavailable', retry: true };
			}
			if (generation !== this.#generation) {
				// No longer wanted while the server answered: the segment it opened ends empty.
				if (opened.ok) this.#endEmpty(opened, recorder.mimeType);
				return;
			}
			if (opened.ok || !opened.retry) break;
			await this.#wait(delay);
			delay = Math.min(delay * 2, this.#retryMax);
		}
		if (!opened.ok) {
			this.#mayOwn = false;
			if (NOT_OURS.has(opened.error)) {
				// Not ours to record (another agent owns the session, or we are no longer in it).
				this.#set({ kind: 'off' });
			} else if (opened.error === 'storage-full') {
				this.#fail('storage-full');
			} else {
				this.#fail('refused', opened.error);
			}
			return;
		}
		// Another agent handed the session to us: the server just said so.
		if (this.#mayOwn) this.#conditions = { ...this.#conditions, owner: true };
		this.#mayOwn = false;
		const segment = opened.segment;
		this.#segmentStartedAt = this.#now();
		this.#uploader.begin({
			recordingId: opened.recordingId,
			segment,
			mimeType: recorder.mimeType,
			startedAt: this.#segmentStartedAt
		});
		this.#recorder = recorder;
		this.#set({ kind: 'recording', segment });
		try {
			recorder.start({
				chunk: (data) => this.#uploader.add(segment, data, this.#now()),
				error: (detail) => void this.#recorderFailed(recorder, detail)
			});
		} catch (error) {
			void this.#recorderFailed(recorder, error instanceof Error ? error.message : String(error));
		}
	}

	#endEmpty(opened: { recordingId: string; segment: number }, mimeType: string) {
		this.#uploader.begin({
			recordingId: opened.recordingId,
			segment: opened.segment,
			mimeType,
			startedAt: this.#now()
		});
		this.#uploader.finish(opened.segment, 0);
	}

	/** Stops the running segment (if any): its last chunk is handed over, then it is finished. */
	#stopSegment(): Promise<void> {
		if (this.#stopping) return this.#stopping;
		const recorder = this.#recorder;
		const state = this.#state;
		if (!recorder || state.kind !== 'recording') return Promise.resolve();
		this.#recorder = null;
		this.#stopping = (async () => {
			try {
				await recorder.stop();
			} catch {
				// What it made so far is kept; the segment ends with that.
			}
			this.#uploader.finish(state.segment, this.#now() - this.#segmentStartedAt);
		})().finally(() => (this.#stopping = null));
		return this.#stopping;
	}

	async #turnOff() {
		this.#generation++;
		this.#clearRetry();
		await this.#stopSegment();
		if (this.#state.kind === 'recording' || this.#state.kind === 'starting') {
			this.#set({ kind: 'off' });
		}
		// What is wanted may have changed back meanwhile.
		this.#evaluate();
	}

	async #recorderFailed(recorder: SegmentRecorder, detail: string) {
		if (this.#recorder !== recorder) return;
		await this.#stopSegment();
		if (!this.#ended) this.#fail('recorder-error', detail);
	}

	async #serverClosed(error: string) {
		if (this.#state.kind === 'ended') return;
		this.#generation++;
		await this.#stopSegment();
		// The session may have ended meanwhile: that says it all.
		if (this.#ended) return;
		if (error === 'storage-full') this.#fail('storage-full');
		else this.#set({ kind: 'off' });
	}

	#fail(reason: RecordingFailureReason, detail?: string) {
		this.#set(detail ? { kind: 'failed', reason, detail } : { kind: 'failed', reason });
		if (reason === 'storage-full') this.#problem({ reason: 'upload-failing', detail: reason });
		else if (reason === 'refused')
			this.#problem({ reason: 'upload-failing', detail: `segment refused: ${detail}` });
		else this.#problem({ reason, detail });
	}

	#problem(problem: RecordingProblem) {
		const detail = problem.detail?.slice(0, MAX_PROBLEM_DETAIL);
		const bounded: RecordingProblem = detail
			? { reason: problem.reason, detail }
			: { reason: problem.reason };
		void this.#server
			.postRecordingProblem(bounded)
			.catch(() => ({ ok: false as const, error: 'unavailable', retry: true }))
			.then((result) => {
				// Told when the server answers again (uploads recovering say when that is).
				if (!result.ok && result.retry) this.#unsentProblems.push(bounded);
			});
	}

	#postUnsentProblems() {
		const problems = this.#unsentProblems;
		this.#unsentProblems = [];
		for (const problem of problems) this.#problem(problem);
	}

	/** Waits `ms`, or less when the wait is cleared (the caller then sees a new generation). */
	#wait(ms: number): Promise<void> {
		return new Promise((resolve) => {
			this.#wakeUp = resolve;
			this.#retryTimer = setTimeout(() => {
				this.#retryTimer = null;
				this.#wakeUp = null;
				resolve();
			}, ms);
		});
	}

	#clearRetry() {
		if (this.#retryTimer) clearTimeout(this.#retryTimer);
		this.#retryTimer = null;
		this.#wakeUp?.();
		this.#wakeUp = null;
	}

	get #ended(): boolean {
		return this.#state.kind === 'ended';
	}

	#set(state: RecordingState) {
		this.#state = state;
		this.#changed();
	}

	#changed() {
		this.events.emit('change');
	}
}
