/**
 * A fixed-window failure counter per key, with a global budget on top. Entries expire, so
 * memory stays bounded by the number of keys seen within one window (and is capped).
 */
export interface RateLimitOptions {
	/** Failures allowed per key per window before the key is blocked. */
	perKey: number;
	/** Failures allowed across all keys per window before everyone is slowed. */
	global: number;
	windowMs: number;
	/** How long a key stays blocked once over its budget. */
	blockMs: number;
	maxKeys?: number;
	now?: () => number;
}

interface Entry {
	failures: number;
	windowStart: number;
	blockedUntil: number;
}

export class FailureRateLimiter {
	#entries = new Map<string, Entry>();
	#globalFailures = 0;
	#globalWindowStart = 0;
	#globalAlerted = false;
	readonly options: Required<RateLimitOptions>;
	onGlobalLimit: (() => void) | null = null;

	constructor(options: RateLimitOptions) {
		this.options = { maxKeys: 100_000, now: () => Date.now(), ...options };
	}

	/** Whether `key` may try now. */
	allowed(key: string): boolean {
		const now = this.options.now();
		this.#rollGlobal(now);
		if (this.#globalFailures >= this.options.global) return false;
		const entry = this.#entries.get(key);
		return !entry || entry.blockedUntil <= now;
	}

	fail(key: string): void {
		const now = this.options.now();
		this.#rollGlobal(now);
		this.#globalFailures++;
		if (this.#globalFailures >= this.options.global && !this.#globalAlerted) {
			this.#globalAlerted = true;
			this.onGlobalLimit?.();
		}
		let entry = this.#entries.get(key);
		if (!entry || now - entry.windowStart >= this.options.windowMs) {
			if (!entry && this.#entries.size >= this.options.maxKeys) this.#sweep(now, true);
			entry = { failures: 0, windowStart: now, blockedUntil: entry?.blockedUntil ?? 0 };
			this.#entries.set(key, entry);
		}
		entry.failures++;
		if (entry.failures >= this.options.perKey) entry.blockedUntil = now + this.options.blockMs;
	}

	succeed(key: string): void {
		const entry = this.#entries.get(key);
		if (entry && entry.blockedUntil <= this.options.now()) this.#entries.delete(key);
	}

	get size(): number {
		return this.#entries.size;
	}

	/** Drops expired entries; call periodically. */
	sweep(): void {
		this.#sweep(this.options.now(), false);
	}

	#sweep(now: number, force: boolean) {
		for (const [key, entry] of this.#entries) {
			const expired = now - entry.windowStart >= this.options.windowMs && entry.blockedUntil <= now;
			if (expired) this.#entries.delete(key);
		}
		// Under a flood of distinct keys, forget the oldest rather than grow without bound.
		if (force && this.#entries.size >= this.options.maxKeys) {
			const oldest = this.#entries.keys().next().value;
			if (oldest !== undefined) this.#entries.delete(oldest);
		}
	}

	#rollGlobal(now: number) {
		if (now - this.#globalWindowStart >= this.options.windowMs) {
			this.#globalWindowStart = now;
			this.#globalFailures = 0;
			this.#globalAlerted = false;
		}
	}
}
