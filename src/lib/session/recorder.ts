/**
 * The agent's browser records session events to the server as they happen: batched, retried with
 * backoff, kept across reloads by an EventStore, and sent with stable ids so the server can drop
 * a batch it has already stored (a post can succeed on the server and still fail here).
 */

export interface RecordedEvent {
	id: string;
	type: string;
	/** Milliseconds since the epoch. */
	at: number;
	data: Record<string, unknown>;
}

/** Persistence of unsent events; save replaces what was stored. */
export interface EventStore {
	load(): Promise<RecordedEvent[]>;
	save(events: RecordedEvent[]): Promise<void>;
}

export function memoryEventStore(initial: RecordedEvent[] = []): EventStore {
	let stored = [...initial];
	return {
		async load() {
			return [...stored];
		},
		async save(events) {
			stored = [...events];
		}
	};
}

export interface EventRecorderOptions {
	/** Sends one batch; throws (or rejects) on failure. */
	post: (events: RecordedEvent[]) => Promise<void>;
	store?: EventStore;
	batchMs?: number;
	maxBatch?: number;
	retryMs?: { min: number; max: number };
	newId?: () => string;
	now?: () => number;
}

/**
 * Whether the server's answer to a batch is final: it will never take these events (malformed,
 * too big, not allowed — e.g. an agent who left), so retrying would loop forever; the batch is
 * dropped. Logged out (401), too many requests (429), timeouts and server errors are retried.
 */
export function isFinalRefusal(status: number): boolean {
	return status >= 400 && status < 500 && status !== 401 && status !== 408 && status !== 429;
}

/** Ids already sent, remembered so a repeated record() is not sent twice; bounded. */
const MAX_REMEMBERED_IDS = 10_000;

function isRecordedEvent(value: unknown): value is RecordedEvent {
	if (typeof value !== 'object' || value === null) return false;
	const event = value as Partial<RecordedEvent>;
	return (
		typeof event.id === 'string' &&
		typeof event.type === 'string' &&
		typeof event.at === 'number' &&
		typeof event.data === 'object' &&
		event.data !== null
	);
}

export class EventRecorder {
	readonly #post: (events: RecordedEvent[]) => Promise<void>;
	readonly #store: EventStore | null;
	readonly #batchMs: number;
	readonly #maxBatch: number;
	readonly #retryMin: number;
	readonly #retryMax: number;
	readonly #newId: () => string;
	readonly #now: () => number;

	#queue: RecordedEvent[] = [];
	readonly #queuedIds = new Set<string>();
	readonly #sentIds = new Set<string>();
	#batchTimer: ReturnType<typeof setTimeout> | null = null;
	#retryTimer: ReturnType<typeof setTimeout> | null = null;
	#retryDelay: number;
	#draining: Promise<void> | null = null;
	#stopped = false;
	/** Until the store's events are loaded, saving would overwrite them. */
	#loaded: boolean;
	#saving: Promise<void> | null = null;
	#saveAgain = false;

	constructor(options: EventRecorderOptions) {
		this.#post = options.post;
		this.#store = options.store ?? null;
		this.#batchMs = options.batchMs ?? 250;
		this.#maxBatch = Math.max(1, options.maxBatch ?? 100);
		this.#retryMin = options.retryMs?.min ?? 500;
		this.#retryMax = options.retryMs?.max ?? 15_000;
		this.#retryDelay = this.#retryMin;
		this.#newId = options.newId ?? (() => crypto.randomUUID());
		this.#now = options.now ?? Date.now;
		this.#loaded = this.#store === null;
	}

	/** Events not yet acknowledged by the server (including a batch in flight). */
	get pending(): number {
		return this.#queue.length;
	}

	/** Queues an event (persisted, sent soon). An id already queued or sent is not queued again. */
	record(
		type: string,
		data: Record<string, unknown> = {},
		id: string = this.#newId()
	): RecordedEvent {
		const queued = this.#queuedIds.has(id) && this.#queue.find((event) => event.id === id);
		if (queued) return queued;
		const event: RecordedEvent = Object.freeze({ id, type, at: this.#now(), data: { ...data } });
		if (this.#sentIds.has(id)) return event;
		this.#enqueue(event);
		this.#persist();
		this.#scheduleBatch();
		return event;
	}

	/**
	 * Sends everything queued, one batch at a time, in order. Resolves when the queue is empty or
	 * a post failed (a retry is then scheduled with backoff); never rejects.
	 */
	flush(): Promise<void> {
		if (this.#stopped) return Promise.resolve();
		if (this.#draining) return this.#draining;
		this.#clearTimers();
		this.#draining = this.#drain().finally(() => {
			this.#draining = null;
			// Something recorded after the loop's last check, before this ran.
			if (this.#queue.length > 0) this.#scheduleBatch();
		});
		return this.#draining;
	}

	/** Loads the events a previous page left unsent, then flushes. */
	async start(): Promise<void> {
		this.#stopped = false;
		if (!this.#loaded && this.#store) {
			let stored: unknown[] = [];
			try {
				stored = await this.#store.load();
			} catch {
				// An unreadable store must not stop new events from being recorded.
			}
			const unsent = (Array.isArray(stored) ? stored : []).filter(
				(event): event is RecordedEvent =>
					isRecordedEvent(event) && !this.#queuedIds.has(event.id) && !this.#sentIds.has(event.id)
			);
			// Older events go first, ahead of anything recorded while loading.
			this.#queue = [...unsent, ...this.#queue];
			for (const event of unsent) this.#queuedIds.add(event.id);
			this.#loaded = true;
			this.#persist();
		}
		await this.flush();
	}

	/** Stops sending (the queue and the store are kept). */
	stop(): void {
		this.#stopped = true;
		this.#clearTimers();
	}

	/** Resolves once the store holds the current queue (for page hide, and tests). */
	async whenPersisted(): Promise<void> {
		while (this.#saving) await this.#saving;
	}

	#enqueue(event: RecordedEvent): void {
		this.#queue.push(event);
		this.#queuedIds.add(event.id);
	}

	#scheduleBatch(): void {
		// While draining the loop picks new events up; while backing off the retry will.
		if (this.#stopped || this.#draining || this.#retryTimer) return;
		if (this.#queue.length >= this.#maxBatch) {
			void this.flush();
			return;
		}
		this.#batchTimer ??= setTimeout(() => {
			this.#batchTimer = null;
			void this.flush();
		}, this.#batchMs);
	}

	async #drain(): Promise<void> {
		while (!this.#stopped && this.#queue.length > 0) {
			const batch = this.#queue.slice(0, this.#maxBatch);
			try {
				await this.#post(batch);
			} catch {
				this.#scheduleRetry();
				return;
			}
			this.#retryDelay = this.#retryMin;
			const sent = new Set(batch.map((event) => event.id));
			this.#queue = this.#queue.filter((event) => !sent.has(event.id));
			for (const id of sent) {
				this.#queuedIds.delete(id);
				this.#rememberSent(id);
			}
			this.#persist();
		}
	}

	#scheduleRetry(): void {
		if (this.#stopped) return;
		const delay = this.#retryDelay;
		this.#retryDelay = Math.min(delay * 2, this.#retryMax);
		this.#retryTimer = setTimeout(() => {
			this.#retryTimer = null;
			void this.flush();
		}, delay);
	}

	#clearTimers(): void {
		if (this.#batchTimer) clearTimeout(this.#batchTimer);
		if (this.#retryTimer) clearTimeout(this.#retryTimer);
		this.#batchTimer = null;
		this.#retryTimer = null;
	}

	#rememberSent(id: string): void {
		this.#sentIds.add(id);
		if (this.#sentIds.size > MAX_REMEMBERED_IDS) {
			// Sets iterate in insertion order: drop the oldest.
			const oldest = this.#sentIds.values().next();
			if (!oldest.done) this.#sentIds.delete(oldest.value);
		}
	}

	/** Saves the queue; saves never overlap and the last one always holds the latest queue. */
	#persist(): void {
		const store = this.#store;
		if (!store || !this.#loaded) return;
		this.#saveAgain = true;
		if (this.#saving) return;
		this.#saving = (async () => {
			while (this.#saveAgain) {
				this.#saveAgain = false;
				try {
					await store.save([...this.#queue]);
				} catch {
					// Kept in memory and sent anyway; the next change tries to save again.
				}
			}
			this.#saving = null;
		})();
	}
}
