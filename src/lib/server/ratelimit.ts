/**
 * What callers use of each limiter. The classes below keep the counts in this process (and answer
 * at once); with several processes sharing a Redis, cluster/redis-ratelimit.ts keeps them there
 * (and answers after a round trip): hence the `MaybePromise`, awaited by every caller.
 */
export type MaybePromise<T> = T | Promise<T>;

/** Failures per key and across all keys (addresses, address + email): see FailureRateLimiter. */
export interface AttemptLimiter {
	readonly options: RateLimitOptions;
	onGlobalLimit: (() => void) | null;
	reserve(keys: readonly string[]): MaybePromise<boolean>;
	fail(key: string): MaybePromise<void>;
	refund(keys: readonly string[]): MaybePromise<void>;
	succeed(key: string): MaybePromise<void>;
	/** Housekeeping of what the process holds; nothing to do where Redis expires the keys. */
	sweep(): void;
}

/** A growing wait per account: see GrowingDelay. */
export interface AccountDelay {
	readonly options: GrowingDelayOptions;
	reserve(key: string): MaybePromise<DelayVerdict>;
	succeed(key: string): MaybePromise<void>;
	sweep(): void;
}

/** Failures per device token, past a limit no longer trusted: see FailureCount. */
export interface DeviceFailures {
	readonly options: FailureCountOptions;
	reserve(key: string): MaybePromise<boolean>;
	succeed(key: string): MaybePromise<void>;
	sweep(): void;
}

/** What every counter here is bounded by: how many keys it holds, and its clock. */
interface KeyedOptions {
	maxKeys?: number;
	now?: () => number;
}

/**
 * Entries per key that expire, swept periodically and capped in count (under a flood of distinct
 * keys the oldest goes first): the bookkeeping of every counter below, which say when an entry
 * has expired and what its count means.
 */
abstract class KeyedEntries<Entry, Options extends KeyedOptions> {
	protected readonly entries = new Map<string, Entry>();
	readonly options: Options & Required<KeyedOptions>;

	constructor(options: Options) {
		this.options = { maxKeys: 100_000, now: () => Date.now(), ...options };
	}

	protected abstract expired(entry: Entry, now: number): boolean;

	/** Makes room for one more key when the map is full. */
	protected makeRoom(now: number) {
		if (this.entries.size >= this.options.maxKeys) this.#sweep(now, true);
	}

	get size(): number {
		return this.entries.size;
	}

	/** Drops expired entries; call periodically. */
	sweep(): void {
		this.#sweep(this.options.now(), false);
	}

	#sweep(now: number, force: boolean) {
		for (const [key, entry] of this.entries) {
			if (this.expired(entry, now)) this.entries.delete(key);
		}
		if (force && this.entries.size >= this.options.maxKeys) {
			const oldest = this.entries.keys().next().value;
			if (oldest !== undefined) this.entries.delete(oldest);
		}
	}
}

/**
 * A fixed-window failure counter per key, with a global budget on top. Entries expire, so
 * memory stays bounded by the number of keys seen within one window (and is capped).
 */
export interface RateLimitOptions extends KeyedOptions {
	/** Failures allowed per key per window before the key is blocked. */
	perKey: number;
	/** Failures allowed across all keys per window before everyone is slowed. */
	global: number;
	windowMs: number;
	/** How long a key stays blocked once over its budget. */
	blockMs: number;
}

interface Entry {
	failures: number;
	windowStart: number;
	blockedUntil: number;
}

export class FailureRateLimiter
	extends KeyedEntries<Entry, RateLimitOptions>
	implements AttemptLimiter
{
	#globalFailures = 0;
	#globalWindowStart = 0;
	#globalAlerted = false;
	onGlobalLimit: (() => void) | null = null;

	protected expired(entry: Entry, now: number): boolean {
		return now - entry.windowStart >= this.options.windowMs && entry.blockedUntil <= now;
	}

	/** Whether `key` may try now. */
	allowed(key: string): boolean {
		const now = this.options.now();
		this.#rollGlobal(now);
		if (this.#globalFailures >= this.options.global) return false;
		const entry = this.entries.get(key);
		return !entry || entry.blockedUntil <= now;
	}

	/**
	 * Takes one attempt from the budget of every key (and one from the global budget) at once,
	 * before the caller does the slow check, or refuses when any key is spent. Counting first is
	 * what keeps parallel requests within the budget: a check now and a charge after an await
	 * would let every request in flight through. An attempt that turns out fine is handed back
	 * with `refund`.
	 */
	reserve(keys: readonly string[]): boolean {
		if (!keys.every((key) => this.allowed(key))) return false;
		this.#chargeGlobal();
		for (const key of keys) this.#charge(key);
		return true;
	}

	/** Counts a failure that was not reserved (reserve already counts its attempt). */
	fail(key: string): void {
		this.#chargeGlobal();
		this.#charge(key);
	}

	/** Hands back one attempt reserved for `keys`: it succeeded, so it is not a failure. */
	refund(keys: readonly string[]): void {
		const now = this.options.now();
		if (this.#globalFailures > 0) this.#globalFailures--;
		for (const key of keys) {
			const entry = this.entries.get(key);
			if (!entry || now - entry.windowStart >= this.options.windowMs) continue;
			if (entry.failures > 0) entry.failures--;
			// The block came from the attempt being handed back (reserve refuses a blocked key).
			if (entry.failures < this.options.perKey) entry.blockedUntil = 0;
		}
	}

	/** A success for `key`: forgets its failures (unless it is blocked). */
	succeed(key: string): void {
		const entry = this.entries.get(key);
		if (entry && entry.blockedUntil <= this.options.now()) this.entries.delete(key);
	}

	#chargeGlobal() {
		this.#rollGlobal(this.options.now());
		this.#globalFailures++;
		if (this.#globalFailures >= this.options.global && !this.#globalAlerted) {
			this.#globalAlerted = true;
			this.onGlobalLimit?.();
		}
	}

	#charge(key: string) {
		const now = this.options.now();
		let entry = this.entries.get(key);
		if (!entry || now - entry.windowStart >= this.options.windowMs) {
			if (!entry) this.makeRoom(now);
			entry = { failures: 0, windowStart: now, blockedUntil: entry?.blockedUntil ?? 0 };
			this.entries.set(key, entry);
		}
		entry.failures++;
		if (entry.failures >= this.options.perKey) entry.blockedUntil = now + this.options.blockMs;
	}

	#rollGlobal(now: number) {
		if (now - this.#globalWindowStart >= this.options.windowMs) {
			this.#globalWindowStart = now;
			this.#globalFailures = 0;
			this.#globalAlerted = false;
		}
	}
}

/** What both failure counters below share: a key with no failure for `forgetMs` starts afresh. */
export interface FailureMemoryOptions extends KeyedOptions {
	/** A key with no failure for this long starts afresh. */
	forgetMs: number;
}

interface FailureEntry {
	failures: number;
	lastFailureAt: number;
}

/** Failures per key, forgotten after a quiet spell: what `GrowingDelay` and `FailureCount` count. */
abstract class FailureMemory<
	Entry extends FailureEntry,
	Options extends FailureMemoryOptions
> extends KeyedEntries<Entry, Options> {
	protected expired(entry: Entry, now: number): boolean {
		return now - entry.lastFailureAt >= this.options.forgetMs;
	}

	/** The key's entry, unless forgotten by now. */
	protected current(key: string, now: number): Entry | undefined {
		const entry = this.entries.get(key);
		if (entry && this.expired(entry, now)) {
			this.entries.delete(key);
			return undefined;
		}
		return entry;
	}

	/** A new entry for the key, making room first when the map is full. */
	protected create(key: string, entry: Entry, now: number): Entry {
		this.makeRoom(now);
		this.entries.set(key, entry);
		return entry;
	}

	/** The attempt was right: the key starts afresh. */
	succeed(key: string): void {
		this.entries.delete(key);
	}
}

export interface GrowingDelayOptions extends FailureMemoryOptions {
	/** Failures allowed before any wait. */
	free: number;
	/** The first wait, doubled by each further failure. */
	firstDelayMs: number;
	maxDelayMs: number;
}

interface DelayEntry extends FailureEntry {
	/** Whether a refusal was already reported during the current wait. */
	refusalReported: boolean;
}

export type DelayVerdict =
	{ allowed: true } | { allowed: false; retryAfterMs: number; firstRefusal: boolean };

/**
 * A wait that grows with each failure for a key (an account), whoever sends the attempts: after
 * `free` failures each attempt must wait `firstDelayMs`, doubling per failure up to `maxDelayMs`,
 * counted from the last failure. Never a hard lock: the real owner waits at most `maxDelayMs`,
 * and refused attempts do not lengthen the wait (they are not judged, so they do not count).
 */
export class GrowingDelay
	extends FailureMemory<DelayEntry, GrowingDelayOptions>
	implements AccountDelay
{
	/** The wait after `failures` failures. */
	delayAfter(failures: number): number {
		const { free, firstDelayMs, maxDelayMs } = this.options;
		if (failures < free) return 0;
		return Math.min(maxDelayMs, firstDelayMs * 2 ** Math.min(failures - free, 40));
	}

	/**
	 * Counts an attempt as a failure at once, before the slow check, when its key may try now;
	 * `succeed` forgets the key again. Counting first keeps parallel attempts within the budget.
	 */
	reserve(key: string): DelayVerdict {
		const now = this.options.now();
		let entry = this.current(key, now);
		if (entry) {
			const waitUntil = entry.lastFailureAt + this.delayAfter(entry.failures);
			if (waitUntil > now) {
				const firstRefusal = !entry.refusalReported;
				entry.refusalReported = true;
				return { allowed: false, retryAfterMs: waitUntil - now, firstRefusal };
			}
		} else {
			entry = this.create(key, { failures: 0, lastFailureAt: now, refusalReported: false }, now);
		}
		entry.failures++;
		entry.lastFailureAt = now;
		entry.refusalReported = false;
		return { allowed: true };
	}
}

export interface FailureCountOptions extends FailureMemoryOptions {
	/** Failures after which a key is no longer trusted, until a success. */
	limit: number;
}

/**
 * Failures per key (a device token) with no wait of its own: past `limit` the key is simply no
 * longer trusted, until a success forgets its failures.
 */
export class FailureCount
	extends FailureMemory<FailureEntry, FailureCountOptions>
	implements DeviceFailures
{
	/**
	 * Counts an attempt as a failure at once, before the slow check, when the key is still
	 * trusted; false (and nothing counted) when it is not. `succeed` forgets the key again.
	 */
	reserve(key: string): boolean {
		const now = this.options.now();
		const entry =
			this.current(key, now) ?? this.create(key, { failures: 0, lastFailureAt: now }, now);
		if (entry.failures >= this.options.limit) return false;
		entry.failures++;
		entry.lastFailureAt = now;
		return true;
	}
}
