import type { MaybePromise } from './ratelimit';

/** An agent counts as online while their console checked in within this window. */
export const ONLINE_WINDOW_MS = 30_000;

/**
 * Agents with the console open: each check-in marks the agent online for `ONLINE_WINDOW_MS`.
 * In one process a map; with several, cluster/redis-presence.ts keeps it in the shared Redis so
 * an agent whose console checks in on one process shows online on the others.
 */
export interface ConsolePresence {
	markPresent(userId: string): MaybePromise<void>;
	/** Which of these agents are online now. */
	onlineAmong(userIds: readonly string[]): MaybePromise<Set<string>>;
}

export class LocalConsolePresence implements ConsolePresence {
	readonly #lastSeen = new Map<string, number>();
	readonly #now: () => number;

	constructor(now: () => number = () => Date.now()) {
		this.#now = now;
	}

	markPresent(userId: string): void {
		const now = this.#now();
		this.#lastSeen.set(userId, now);
		// Bounded by the number of agents; forget the long gone.
		for (const [id, seen] of this.#lastSeen) {
			if (now - seen > 10 * ONLINE_WINDOW_MS) this.#lastSeen.delete(id);
		}
	}

	onlineAmong(userIds: readonly string[]): Set<string> {
		const now = this.#now();
		return new Set(
			userIds.filter((id) => {
				const seen = this.#lastSeen.get(id);
				return seen !== undefined && now - seen <= ONLINE_WINDOW_MS;
			})
		);
	}
}
