/**
 * At most one send per interval while a mark grows, always the latest: the first goes at
 * once, later ones wait for the interval's end, and `flush` sends the last at once (the
 * pointer was lifted). The clock and timer are injected so tests step time themselves.
 */

export interface Scheduler {
	now(): number;
	setTimeout(run: () => void, ms: number): unknown;
	clearTimeout(handle: unknown): void;
}

export const browserScheduler: Scheduler = {
	now: () => performance.now(),
	setTimeout: (run, ms) => setTimeout(run, ms),
	clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>)
};

/** The most often a growing mark is sent to the customer. */
export const DRAW_INTERVAL_MS = 50;

export class LatestThrottle<T> {
	readonly #send: (value: T) => void;
	readonly #interval: number;
	readonly #scheduler: Scheduler;
	#lastSentAt = -Infinity;
	#lastSent: T | undefined;
	#sentSinceReset = false;
	#pending: { value: T } | null = null;
	#timer: unknown = null;

	constructor(
		send: (value: T) => void,
		interval = DRAW_INTERVAL_MS,
		scheduler: Scheduler = browserScheduler
	) {
		this.#send = send;
		this.#interval = interval;
		this.#scheduler = scheduler;
	}

	/** Whether anything was sent since the last `reset`. */
	get sentAny(): boolean {
		return this.#sentSinceReset;
	}

	push(value: T) {
		const wait = this.#lastSentAt + this.#interval - this.#scheduler.now();
		if (wait <= 0 && this.#timer === null) {
			this.#emit(value);
			return;
		}
		this.#pending = { value };
		this.#timer ??= this.#scheduler.setTimeout(
			() => {
				this.#timer = null;
				const pending = this.#pending;
				this.#pending = null;
				if (pending) this.#emit(pending.value);
			},
			Math.max(0, wait)
		);
	}

	/** Sends `value` (or what waits) now, unless it is what was sent last. */
	flush(value?: T) {
		const next = value !== undefined ? value : this.#pending?.value;
		this.#stopTimer();
		if (next !== undefined && next !== this.#lastSent) this.#emit(next);
	}

	/** Drops what waits: the next mark starts afresh (the interval still counts from the last send). */
	reset() {
		this.#stopTimer();
		this.#lastSent = undefined;
		this.#sentSinceReset = false;
	}

	#emit(value: T) {
		this.#lastSentAt = this.#scheduler.now();
		this.#lastSent = value;
		this.#sentSinceReset = true;
		this.#send(value);
	}

	#stopTimer() {
		this.#pending = null;
		if (this.#timer !== null) this.#scheduler.clearTimeout(this.#timer);
		this.#timer = null;
	}
}
