/**
 * Which node holds which peer ID, in Redis, when several Ponte processes share signaling. Each
 * entry lives for `ttlMs` unless its node refreshes it, so the peers of a node that died vanish
 * on their own; every write compares the whole entry, so a node whose peer moved elsewhere can
 * neither refresh nor delete the new node's entry.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Role } from '$lib/session/protocol';

/** What the registry needs of the shared Redis (src/lib/server/cluster/redis.ts `Cluster`). */
export interface ClusterLink {
	readonly nodeId: string;
	readonly redis: Redis;
	key(...parts: string[]): string;
	subscriber(): Redis;
}

export interface PeerEntry {
	node: string;
	session: string;
	role: Role;
	/** Random per registration: tells a reconnect on the same node from the socket it replaced. */
	registration: string;
}

/** A registration this node holds: the exact stored value is what every later write compares. */
export interface HeldEntry {
	peerId: string;
	session: string;
	value: string;
}

export const REGISTRY_TTL_MS = 20_000;

// KEYS: peer key, session set. ARGV: value, ttl, peer ID. Returns the previous value (or false).
const REGISTER = `
local previous = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return previous`;

// 1: refreshed; 2: it had expired (Redis was away) and is back; 0: another registration holds it.
const REFRESH = `
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
elseif not current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
else
  return 0
end
redis.call('SADD', KEYS[2], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
if current then return 1 end
return 2`;

const FORGET = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('SREM', KEYS[2], ARGV[2])
  return 1
end
return 0`;

type Scripts = {
	ponteRegisterPeer(peerKey: string, sessionKey: string, ...args: string[]): Promise<string | null>;
	ponteRefreshPeer(peerKey: string, sessionKey: string, ...args: string[]): Promise<number>;
	ponteForgetPeer(peerKey: string, sessionKey: string, ...args: string[]): Promise<number>;
};

function parseEntry(value: string | null): PeerEntry | null {
	if (!value) return null;
	try {
		const entry = JSON.parse(value) as PeerEntry;
		return typeof entry.node === 'string' && typeof entry.session === 'string' ? entry : null;
	} catch {
		return null;
	}
}

export class PeerRegistry {
	readonly #cluster: ClusterLink;
	readonly #redis: Redis & Scripts;
	readonly #ttlMs: number;

	constructor(cluster: ClusterLink, ttlMs = REGISTRY_TTL_MS) {
		this.#cluster = cluster;
		this.#ttlMs = ttlMs;
		const redis = cluster.redis as Redis & Partial<Scripts>;
		if (!redis.ponteRegisterPeer) {
			redis.defineCommand('ponteRegisterPeer', { numberOfKeys: 2, lua: REGISTER });
			redis.defineCommand('ponteRefreshPeer', { numberOfKeys: 2, lua: REFRESH });
			redis.defineCommand('ponteForgetPeer', { numberOfKeys: 2, lua: FORGET });
		}
		this.#redis = redis as Redis & Scripts;
	}

	get nodeId() {
		return this.#cluster.nodeId;
	}

	#peerKey(peerId: string) {
		return this.#cluster.key('peer', peerId);
	}

	#sessionKey(sessionId: string) {
		return this.#cluster.key('session-peers', sessionId);
	}

	/** A new registration of the peer on this node (not stored yet: see `register`). */
	entryFor(peerId: string, session: string, role: Role): HeldEntry {
		const entry: PeerEntry = { node: this.nodeId, session, role, registration: randomUUID() };
		return { peerId, session, value: JSON.stringify(entry) };
	}

	/** Stores the registration, replacing whatever held the ID; returns the replaced entry. */
	async register(held: HeldEntry): Promise<{ entry: PeerEntry; value: string } | null> {
		const previous = await this.#redis.ponteRegisterPeer(
			this.#peerKey(held.peerId),
			this.#sessionKey(held.session),
			held.value,
			String(this.#ttlMs),
			held.peerId
		);
		const entry = parseEntry(previous);
		return entry && previous ? { entry, value: previous } : null;
	}

	/**
	 * Extends the life of what this node holds; returns the peer IDs another node has taken
	 * since (their sockets here are stale).
	 */
	async refresh(held: Iterable<HeldEntry>): Promise<string[]> {
		const list = [...held];
		if (list.length === 0) return [];
		const pipeline = this.#redis.pipeline() as unknown as Scripts & {
			exec(): Promise<[Error | null, unknown][] | null>;
		};
		for (const { peerId, session, value } of list) {
			void pipeline.ponteRefreshPeer(
				this.#peerKey(peerId),
				this.#sessionKey(session),
				value,
				String(this.#ttlMs),
				peerId
			);
		}
		const results = (await pipeline.exec()) ?? [];
		const lost: string[] = [];
		results.forEach(([error, result], index) => {
			if (error) throw error;
			if (result === 0) lost.push(list[index].peerId);
		});
		return lost;
	}

	/** Removes the entry if it is still exactly this one (a later registration stays). */
	async forget(peerId: string, session: string, value: string): Promise<boolean> {
		const removed = await this.#redis.ponteForgetPeer(
			this.#peerKey(peerId),
			this.#sessionKey(session),
			value,
			peerId
		);
		return removed === 1;
	}

	/** Where the peer is registered now, on any node. */
	async lookup(peerId: string): Promise<{ entry: PeerEntry; value: string } | null> {
		const value = await this.#redis.get(this.#peerKey(peerId));
		const entry = parseEntry(value);
		return entry && value ? { entry, value } : null;
	}

	/** The peers of a session registered on any node (entries of other sessions are skipped). */
	async sessionPeers(sessionId: string): Promise<{ peerId: string; entry: PeerEntry }[]> {
		const sessionKey = this.#sessionKey(sessionId);
		const peerIds = await this.#redis.smembers(sessionKey);
		if (peerIds.length === 0) return [];
		const values = await this.#redis.mget(...peerIds.map((id) => this.#peerKey(id)));
		const peers: { peerId: string; entry: PeerEntry }[] = [];
		const gone: string[] = [];
		peerIds.forEach((peerId, index) => {
			const entry = parseEntry(values[index]);
			if (entry && entry.session === sessionId) peers.push({ peerId, entry });
			else gone.push(peerId);
		});
		// Expired entries leave their ID in the set; tidy it while here.
		if (gone.length) await this.#redis.srem(sessionKey, ...gone);
		return peers;
	}
}
