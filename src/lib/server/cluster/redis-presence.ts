import { ONLINE_WINDOW_MS, type ConsolePresence } from '../console-presence';
import { log } from '../log';
import type { Cluster } from './redis';

/**
 * Console presence in the shared Redis: one key per agent, set with the window as its expiry at
 * each check-in, so an agent is online exactly while the key exists, on every process. While
 * Redis fails, check-ins are dropped and everyone shows offline (an invitation still reaches an
 * agent shown offline: it is in the database).
 */
export class RedisConsolePresence implements ConsolePresence {
	readonly #cluster: Cluster;
	readonly #windowMs: number;

	constructor(cluster: Cluster, windowMs = ONLINE_WINDOW_MS) {
		this.#cluster = cluster;
		this.#windowMs = windowMs;
	}

	#key(userId: string) {
		return this.#cluster.key('presence', userId);
	}

	async markPresent(userId: string): Promise<void> {
		await this.#cluster.redis
			.set(this.#key(userId), '1', 'PX', this.#windowMs)
			.catch((error: Error) => log.warn('agent check-in not shared', { error: error.message }));
	}

	async onlineAmong(userIds: readonly string[]): Promise<Set<string>> {
		if (userIds.length === 0) return new Set();
		try {
			const seen = await this.#cluster.redis.mget(userIds.map((id) => this.#key(id)));
			return new Set(userIds.filter((_, index) => seen[index] !== null));
		} catch (error) {
			log.warn('agent presence unavailable', { error: (error as Error).message });
			return new Set();
		}
	}
}
