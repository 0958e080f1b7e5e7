/**
 * The one event emitter of the core and the adapter, typed by an event map (event name →
 * listener arguments), as PeerJS's `EventEmitterWithError` is for PeerJS.
 *
 * A listener that throws does not stop the others, nor the code that emitted: state must not
 * be left half-updated by a failing UI handler. The error is reported out of band (by default
 * rethrown on a microtask, so it reaches the console and `window.onerror`).
 */

type Listener<Args extends unknown[]> = (...args: Args) => void;

/** Where a listener's error goes: by default thrown again on a microtask, away from the emitter. */
export function reportListenerError(error: unknown): void {
	queueMicrotask(() => {
		throw error;
	});
}

export class Emitter<Events extends { [K in keyof Events]: unknown[] }> {
	readonly #listeners = new Map<keyof Events, Set<unknown>>();
	readonly #onError: (error: unknown) => void;

	constructor(onError: (error: unknown) => void = reportListenerError) {
		this.#onError = onError;
	}

	/** Adds a listener; the function returned removes it. */
	on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
		let listeners = this.#listeners.get(event);
		if (!listeners) {
			listeners = new Set();
			this.#listeners.set(event, listeners);
		}
		listeners.add(listener);
		return () => this.off(event, listener);
	}

	/** Adds a listener that is removed before its first call. */
	once<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
		const off = this.on(event, (...args) => {
			off();
			listener(...args);
		});
		return off;
	}

	off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): void {
		this.#listeners.get(event)?.delete(listener);
	}

	/** How many listeners `event` has now. */
	listenerCount(event: keyof Events): number {
		return this.#listeners.get(event)?.size ?? 0;
	}

	/** Calls every listener of `event` added so far, in the order they were added. */
	emit<K extends keyof Events>(event: K, ...args: Events[K]): void {
		const listeners = this.#listeners.get(event);
		if (!listeners || listeners.size === 0) return;
		for (const listener of [...listeners]) {
			try {
				(listener as Listener<Events[K]>)(...args);
			} catch (error) {
				this.#onError(error);
			}
		}
	}
}
