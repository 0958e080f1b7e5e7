/**
 * The Redis connection that several Ponte processes share when `REDIS_URL` is set: one client
 * for commands, more on request for subscribing (a subscribed connection takes no other
 * commands), a random ID for this process, and the prefix every key and channel carries.
 * Without `REDIS_URL` there is no cluster and everything stays in the process.
 */
import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { log } from '../log';

export interface Cluster {
	/** This process, among the others sharing the Redis (random per start). */
	readonly nodeId: string;
	/** The client for commands; shared, never put into subscriber mode. */
	readonly redis: Redis;
	/** `ponte:` followed by the parts, joined with `:`: every key and channel goes through it. */
	key(...parts: string[]): string;
	/** A new connection, for `subscribe` (closed with the cluster). */
	subscriber(): Redis;
	close(): Promise<void>;
}

export interface ClusterOptions {
	url: string;
	/** Defaults to `ponte:`; tests sharing one server each take their own. */
	prefix?: string;
	nodeId?: string;
	/** How long the first connection may take before startup gives up. */
	connectTimeoutMs?: number;
}

/**
 * A command fails after one reconnect attempt instead of waiting in a queue through a long
 * outage: the callers have an in-process fallback (limiters) or nothing to wait for (events).
 */
const CLIENT_OPTIONS: RedisOptions = {
	maxRetriesPerRequest: 1,
	connectTimeout: 5000,
	retryStrategy: (attempt) => Math.min(attempt * 200, 2000)
};

/** Where the client connects, for logs: host and port, never the URL (it may hold a password). */
function describe(redis: Redis): string {
	const { host, port } = redis.options;
	return `${host}:${port}`;
}

/**
 * ioredis emits 'error' on every failed reconnect; unhandled, that would crash the process. One
 * warning per outage, and one line when the connection is back.
 */
function watchConnection(redis: Redis, name: string) {
	let healthy = true;
	redis.on('error', (error: Error) => {
		if (!healthy) return;
		healthy = false;
		log.warn('redis unavailable', { connection: name, at: describe(redis), error: error.message });
	});
	redis.on('ready', () => {
		if (healthy) return;
		healthy = true;
		log.info('redis connection restored', { connection: name, at: describe(redis) });
	});
}

function waitUntilReady(redis: Redis, timeoutMs: number): Promise<void> {
	if (redis.status === 'ready') return Promise.resolve();
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			redis.off('ready', ready);
			// A StartupRefusal: server/index.js prints the line and exits, no stack trace.
			const message = `could not reach Redis at ${describe(redis)} (REDIS_URL)`;
			reject(Object.assign(new Error(message), { name: 'StartupRefusal' }));
		}, timeoutMs);
		const ready = () => {
			clearTimeout(timer);
			resolve();
		};
		redis.once('ready', ready);
	});
}

/** Connects, waiting for the first connection: a wrong REDIS_URL stops the start, loudly. */
export async function openCluster(options: ClusterOptions): Promise<Cluster> {
	const prefix = options.prefix ?? 'ponte:';
	const nodeId = options.nodeId ?? randomUUID();
	const redis = new Redis(options.url, { ...CLIENT_OPTIONS, connectionName: `ponte-${nodeId}` });
	watchConnection(redis, 'commands');
	const subscribers = new Set<Redis>();
	try {
		await waitUntilReady(redis, options.connectTimeoutMs ?? 10_000);
	} catch (error) {
		redis.disconnect();
		throw error;
	}
	return {
		nodeId,
		redis,
		key: (...parts) => prefix + parts.join(':'),
		subscriber() {
			// Subscriptions are restored by ioredis after a reconnect; commands never queue here.
			const connection = redis.duplicate({ connectionName: `ponte-${nodeId}-sub` });
			watchConnection(connection, 'subscriber');
			subscribers.add(connection);
			return connection;
		},
		async close() {
			for (const connection of subscribers) connection.disconnect();
			subscribers.clear();
			await redis.quit().catch(() => redis.disconnect());
		}
	};
}
