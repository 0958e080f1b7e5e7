import { log } from '../log';
import type { Cluster } from './redis';

/**
 * Who runs the periodic sweeps (expired codes, lost agents, later retention): one process at a
 * time, so two never close the same session or delete the same rows at once.
 */
export interface Leadership {
	isLeader(): boolean;
	close(): Promise<void>;
}

/** One process: it is always the leader. */
export const soleLeader: Leadership = { isLeader: () => true, close: async () => {} };

/** Extends the lock's expiry only while this process still holds it. */
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

/** Deletes the lock only while this process still holds it. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * A lock with expiry in the shared Redis (`SET key nodeId NX PX ttl`): its holder renews it every
 * `renewMs`, only while it still holds it; a holder that dies stops renewing, and after `ttlMs`
 * another process takes it. This process believes itself leader only until `ttlMs` after its
 * last confirmed renewal, so a process cut off from Redis stops sweeping by the time another
 * may have taken over.
 */
export class RedisLeaderLock implements Leadership {
	readonly #cluster: Cluster;
	readonly #key: string;
	readonly #ttlMs: number;
	readonly #renewMs: number;
	#validUntil = 0;
	#timer: ReturnType<typeof setInterval> | null = null;

	constructor(cluster: Cluster, name: string, options: { ttlMs?: number; renewMs?: number } = {}) {
		this.#cluster = cluster;
		this.#key = cluster.key('leader', name);
		this.#ttlMs = options.ttlMs ?? 30_000;
		this.#renewMs = options.renewMs ?? Math.floor(this.#ttlMs / 3);
	}

	isLeader(): boolean {
		return Date.now() < this.#validUntil;
	}

	/** One step: renews the lock when held, else tries to take it. Resolves to isLeader(). */
	async tick(): Promise<boolean> {
		const startedAt = Date.now();
		const { redis, nodeId } = this.#cluster;
		const wasLeader = this.isLeader();
		try {
			let held = false;
			if (this.#validUntil > 0) {
				held = (await redis.eval(RENEW, 1, this.#key, nodeId, this.#ttlMs)) === 1;
			}
			if (!held) held = (await redis.set(this.#key, nodeId, 'PX', this.#ttlMs, 'NX')) === 'OK';
			// Counted from before the call: the lock's expiry in Redis can be no later than this.
			this.#validUntil = held ? startedAt + this.#ttlMs : 0;
		} catch (error) {
			// Unconfirmed: stays leader only until the last confirmed expiry passes.
			if (wasLeader) log.warn('sweep lock not renewed', { error: (error as Error).message });
		}
		const leader = this.isLeader();
		if (leader !== wasLeader)
			log.info(leader ? 'leading the sweeps' : 'no longer leading the sweeps');
		return leader;
	}

	/** Ticks every `renewMs` from now on (not keeping the process alive). */
	start(): this {
		const tick = () => void this.tick();
		tick();
		this.#timer = setInterval(tick, this.#renewMs);
		this.#timer.unref();
		return this;
	}

	/** Stops renewing and hands the lock back, so another process takes over at once. */
	async close(): Promise<void> {
		if (this.#timer) clearInterval(this.#timer);
		this.#timer = null;
		this.#validUntil = 0;
		await this.#cluster.redis.eval(RELEASE, 1, this.#key, this.#cluster.nodeId).catch(() => {});
	}
}
