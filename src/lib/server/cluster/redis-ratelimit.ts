/**
 * The limiters of ratelimit.ts with their counts in the shared Redis, so a guesser spreading
 * attempts over several processes meets one budget. Each operation is one Lua script: Redis runs
 * it alone, so a reservation checks and charges every key at once, and parallel requests on any
 * number of processes cannot slip past the limit. Entries expire with the key (PEXPIRE), so
 * nothing needs sweeping. The clock is the caller's (`now`), as in the in-process classes: the
 * processes' clocks agree far better than the minutes these windows last.
 *
 * When Redis does not answer, `withFallback` counts in the process instead (the limits then hold
 * per process) until it answers again.
 */
import type { Redis } from 'ioredis';
import { log } from '../log';
import {
	FailureCount,
	FailureRateLimiter,
	GrowingDelay,
	type AccountDelay,
	type AttemptLimiter,
	type DelayVerdict,
	type DeviceFailures,
	type FailureCountOptions,
	type GrowingDelayOptions,
	type RateLimitOptions
} from '../ratelimit';
import type { Cluster } from './redis';

/**
 * KEYS: the global hash, then one hash per key. ARGV: now, windowMs, blockMs, perKey, global,
 * check ('1': refuse when any budget is spent, as `reserve`; '0': charge anyway, as `fail`).
 * Returns 0 refused, 1 charged, 2 charged and the global budget just ran out (alert once).
 */
const CHARGE = `
local now, window, block = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local perKey, globalLimit, check = tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6] == '1'
local g = redis.call('HMGET', KEYS[1], 'failures', 'windowStart', 'alerted')
local gFailures, gStart, gAlerted = tonumber(g[1]) or 0, tonumber(g[2]) or 0, g[3] == '1'
if now - gStart >= window then gFailures, gStart, gAlerted = 0, now, false end
if check then
  if gFailures >= globalLimit then return 0 end
  for i = 2, #KEYS do
    if (tonumber(redis.call('HGET', KEYS[i], 'blockedUntil')) or 0) > now then return 0 end
  end
end
gFailures = gFailures + 1
local alert = 0
if gFailures >= globalLimit and not gAlerted then gAlerted, alert = true, 1 end
redis.call('HSET', KEYS[1], 'failures', gFailures, 'windowStart', gStart, 'alerted', gAlerted and '1' or '0')
redis.call('PEXPIRE', KEYS[1], math.max(gStart + window - now, 1))
for i = 2, #KEYS do
  local e = redis.call('HMGET', KEYS[i], 'failures', 'windowStart', 'blockedUntil')
  local failures, start, blockedUntil = tonumber(e[1]) or 0, tonumber(e[2]), tonumber(e[3]) or 0
  if not start or now - start >= window then failures, start = 0, now end
  failures = failures + 1
  if failures >= perKey then blockedUntil = now + block end
  redis.call('HSET', KEYS[i], 'failures', failures, 'windowStart', start, 'blockedUntil', blockedUntil)
  redis.call('PEXPIRE', KEYS[i], math.max(start + window, blockedUntil) - now)
end
return 1 + alert
`;

/** KEYS: the global hash, then one hash per key. ARGV: now, windowMs, perKey. */
const REFUND = `
local now, window, perKey = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if (tonumber(redis.call('HGET', KEYS[1], 'failures')) or 0) > 0 then
  redis.call('HINCRBY', KEYS[1], 'failures', -1)
end
for i = 2, #KEYS do
  local e = redis.call('HMGET', KEYS[i], 'failures', 'windowStart')
  local failures, start = tonumber(e[1]), tonumber(e[2])
  if failures and start and now - start < window then
    if failures > 0 then failures = failures - 1 end
    redis.call('HSET', KEYS[i], 'failures', failures)
    -- The block came from the attempt being handed back (reserve refuses a blocked key).
    if failures < perKey then redis.call('HSET', KEYS[i], 'blockedUntil', 0) end
  end
end
return 1
`;

/** KEYS: the key's hash. ARGV: now. Forgets the key unless it is blocked. */
const SUCCEED = `
if (tonumber(redis.call('HGET', KEYS[1], 'blockedUntil')) or 0) <= tonumber(ARGV[1]) then
  redis.call('DEL', KEYS[1])
end
return 1
`;

/**
 * KEYS: the account's hash. ARGV: now, free, firstDelayMs, maxDelayMs, forgetMs.
 * Returns {1} allowed (and counted), or {0, retryAfterMs, firstRefusal}.
 */
const DELAY_RESERVE = `
local now, free, first = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local maxDelay, forget = tonumber(ARGV[4]), tonumber(ARGV[5])
local e = redis.call('HMGET', KEYS[1], 'failures', 'lastFailureAt', 'refusalReported')
local failures, last = tonumber(e[1]), tonumber(e[2])
if failures and last and now - last < forget then
  local delay = 0
  if failures >= free then delay = math.min(maxDelay, first * 2 ^ math.min(failures - free, 40)) end
  if last + delay > now then
    redis.call('HSET', KEYS[1], 'refusalReported', '1')
    return {0, last + delay - now, e[3] == '1' and 0 or 1}
  end
else
  failures = 0
end
redis.call('HSET', KEYS[1], 'failures', failures + 1, 'lastFailureAt', now, 'refusalReported', '0')
redis.call('PEXPIRE', KEYS[1], forget)
return {1}
`;

/** KEYS: the device's hash. ARGV: now, limit, forgetMs. Returns 1 counted, 0 not trusted. */
const COUNT_RESERVE = `
local now, limit, forget = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local e = redis.call('HMGET', KEYS[1], 'failures', 'lastFailureAt')
local failures, last = tonumber(e[1]) or 0, tonumber(e[2]) or 0
if now - last >= forget then failures = 0 end
if failures >= limit then return 0 end
redis.call('HSET', KEYS[1], 'failures', failures + 1, 'lastFailureAt', now)
redis.call('PEXPIRE', KEYS[1], forget)
return 1
`;

function eval_(redis: Redis, script: string, keys: string[], args: (string | number)[]) {
	return redis.eval(script, keys.length, ...keys, ...args);
}

export class RedisAttemptLimiter implements AttemptLimiter {
	readonly options: RateLimitOptions;
	onGlobalLimit: (() => void) | null = null;
	readonly #cluster: Cluster;
	readonly #name: string;
	readonly #now: () => number;

	/** `name` keeps limiters apart (join, login) in the shared key space. */
	constructor(cluster: Cluster, name: string, options: RateLimitOptions) {
		this.#cluster = cluster;
		this.#name = name;
		this.options = options;
		this.#now = options.now ?? (() => Date.now());
	}

	#keys(keys: readonly string[]) {
		return [
			this.#cluster.key('limit', this.#name, 'global'),
			...keys.map((key) => this.#cluster.key('limit', this.#name, 'key', key))
		];
	}

	async #charge(keys: readonly string[], check: boolean): Promise<boolean> {
		const { windowMs, blockMs, perKey, global } = this.options;
		const result = await eval_(this.#cluster.redis, CHARGE, this.#keys(keys), [
			this.#now(),
			windowMs,
			blockMs,
			perKey,
			global,
			check ? '1' : '0'
		]);
		if (result === 2) this.onGlobalLimit?.();
		return result !== 0;
	}

	reserve(keys: readonly string[]): Promise<boolean> {
		return this.#charge(keys, true);
	}

	async fail(key: string): Promise<void> {
		await this.#charge([key], false);
	}

	async refund(keys: readonly string[]): Promise<void> {
		const { windowMs, perKey } = this.options;
		await eval_(this.#cluster.redis, REFUND, this.#keys(keys), [this.#now(), windowMs, perKey]);
	}

	async succeed(key: string): Promise<void> {
		await eval_(this.#cluster.redis, SUCCEED, this.#keys([key]).slice(1), [this.#now()]);
	}

	sweep(): void {}
}

export class RedisAccountDelay implements AccountDelay {
	readonly options: GrowingDelayOptions;
	readonly #cluster: Cluster;
	readonly #name: string;
	readonly #now: () => number;

	constructor(cluster: Cluster, name: string, options: GrowingDelayOptions) {
		this.#cluster = cluster;
		this.#name = name;
		this.options = options;
		this.#now = options.now ?? (() => Date.now());
	}

	async reserve(key: string): Promise<DelayVerdict> {
		const { free, firstDelayMs, maxDelayMs, forgetMs } = this.options;
		const result = (await eval_(
			this.#cluster.redis,
			DELAY_RESERVE,
			[this.#cluster.key('limit', this.#name, key)],
			[this.#now(), free, firstDelayMs, maxDelayMs, forgetMs]
		)) as number[];
		if (result[0] === 1) return { allowed: true };
		return { allowed: false, retryAfterMs: result[1], firstRefusal: result[2] === 1 };
	}

	async succeed(key: string): Promise<void> {
		await this.#cluster.redis.del(this.#cluster.key('limit', this.#name, key));
	}

	sweep(): void {}
}

export class RedisDeviceFailures implements DeviceFailures {
	readonly options: FailureCountOptions;
	readonly #cluster: Cluster;
	readonly #name: string;
	readonly #now: () => number;

	constructor(cluster: Cluster, name: string, options: FailureCountOptions) {
		this.#cluster = cluster;
		this.#name = name;
		this.options = options;
		this.#now = options.now ?? (() => Date.now());
	}

	async reserve(key: string): Promise<boolean> {
		const { limit, forgetMs } = this.options;
		const result = await eval_(
			this.#cluster.redis,
			COUNT_RESERVE,
			[this.#cluster.key('limit', this.#name, key)],
			[this.#now(), limit, forgetMs]
		);
		return result === 1;
	}

	async succeed(key: string): Promise<void> {
		await this.#cluster.redis.del(this.#cluster.key('limit', this.#name, key));
	}

	sweep(): void {}
}

/**
 * Runs each operation against Redis, and against the process's own counts when Redis fails
 * (logged once per outage): a login or join during an outage is still limited, per process.
 */
class Fallback {
	#failing = false;
	constructor(readonly name: string) {}

	async run<T>(shared: () => Promise<T>, local: () => T): Promise<T> {
		try {
			const result = await shared();
			if (this.#failing) log.info('rate limits shared again', { limiter: this.name });
			this.#failing = false;
			return result;
		} catch (error) {
			if (!this.#failing) {
				log.warn('rate limits counted in this process: redis failed', {
					limiter: this.name,
					error: error instanceof Error ? error.message : String(error)
				});
			}
			this.#failing = true;
			return local();
		}
	}
}

export function sharedAttemptLimiter(
	cluster: Cluster,
	name: string,
	options: RateLimitOptions
): AttemptLimiter {
	const shared = new RedisAttemptLimiter(cluster, name, options);
	const local = new FailureRateLimiter(options);
	const fallback = new Fallback(name);
	const limiter: AttemptLimiter = {
		options,
		onGlobalLimit: null,
		reserve: (keys) =>
			fallback.run(
				() => shared.reserve(keys),
				() => local.reserve(keys)
			),
		fail: (key) =>
			fallback.run(
				() => shared.fail(key),
				() => local.fail(key)
			),
		refund: (keys) =>
			fallback.run(
				() => shared.refund(keys),
				() => local.refund(keys)
			),
		succeed: (key) =>
			fallback.run(
				() => shared.succeed(key),
				() => local.succeed(key)
			),
		sweep: () => local.sweep()
	};
	// Whoever sets the alert on the limiter sets it on both counts.
	shared.onGlobalLimit = local.onGlobalLimit = () => limiter.onGlobalLimit?.();
	return limiter;
}

export function sharedAccountDelay(
	cluster: Cluster,
	name: string,
	options: GrowingDelayOptions
): AccountDelay {
	const shared = new RedisAccountDelay(cluster, name, options);
	const local = new GrowingDelay(options);
	const fallback = new Fallback(name);
	return {
		options,
		reserve: (key) =>
			fallback.run(
				() => shared.reserve(key),
				() => local.reserve(key)
			),
		succeed: (key) =>
			fallback.run(
				() => shared.succeed(key),
				() => local.succeed(key)
			),
		sweep: () => local.sweep()
	};
}

export function sharedDeviceFailures(
	cluster: Cluster,
	name: string,
	options: FailureCountOptions
): DeviceFailures {
	const shared = new RedisDeviceFailures(cluster, name, options);
	const local = new FailureCount(options);
	const fallback = new Fallback(name);
	return {
		options,
		reserve: (key) =>
			fallback.run(
				() => shared.reserve(key),
				() => local.reserve(key)
			),
		succeed: (key) =>
			fallback.run(
				() => shared.succeed(key),
				() => local.succeed(key)
			),
		sweep: () => local.sweep()
	};
}
