import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { ExpressPeerServer } from 'peer';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Features, Role } from '$lib/session/protocol';
import type { TicketClaims } from '$lib/session/ticket';
import {
	PeerRegistry,
	REGISTRY_TTL_MS,
	type ClusterLink,
	type HeldEntry
} from './cluster/peer-registry';
import { SignalRelay, type RelayedSignal } from './cluster/signal-relay';
import { refuseSocket, requestTarget } from './http-guards';
import { log } from './log';
import { isPresentParticipant } from './participants';
import type { Runtime } from './runtime';
import { hmac } from './secrets';
import { connectionIdOf, relayRefusal } from './signaling-policy';
import { verifyTicketSignature } from './tickets';

/** PeerJS clients connect to `{path}/peerjs`; our client path is `/peerjs`. */
export const SIGNALING_PATH = '/peerjs';
export const SIGNALING_SOCKET_PATH = '/peerjs/peerjs';
export const SIGNALING_KEY = 'ponte';

const MAX_MESSAGE_BYTES = 64 * 1024;
const MESSAGES_PER_SECOND = 100;
const MESSAGE_BURST = 300;
const RELAYED_TYPES = new Set(['OFFER', 'ANSWER', 'CANDIDATE', 'LEAVE']);
/** Refused connection IDs remembered per peer, so their ICE candidates are dropped too. */
const MAX_REFUSED_CONNECTIONS = 64;
const OPEN = 1;

export interface Signaling {
	handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
	/** The peers of a session registered right now, on this node and (with a cluster) any other. */
	connectedPeers(sessionId: string): Promise<{ peerId: string; role: Role }[]>;
	/** How many peers are registered on this node now. */
	readonly size: number;
	/** Resolves once messages from other nodes reach this one (at once without a cluster). */
	ready(): Promise<unknown>;
	close(): Promise<void>;
}

interface Member {
	sessionId: string;
	role: Role;
	features: Features;
	refusedConnections: Set<string>;
	socket: WebSocket;
	tokens: number;
	refilledAt: number;
	/** Its entry in the cluster's registry (null without a cluster). */
	held: HeldEntry | null;
	/** Messages to peers on other nodes leave in the order the peer sent them. */
	relayed: Promise<void>;
}

/** The one question signaling asks the database: may this peer use this session now? */
export type PresenceCheck = (sessionId: string, peerId: string, role: Role) => Promise<boolean>;

/** A connect whose presence check is still running. */
interface Checking {
	peerId: string;
	sessionId: string;
	revoked: boolean;
}

/**
 * The `peer` package's server, behind our own websocket server: a socket is accepted only with
 * a ticket the server signed for that peer ID and a live session; messages are size-capped,
 * rate-limited and relayed only between peers of the same session (so nothing queues for
 * strangers or offline IDs).
 *
 * With a cluster (REDIS_URL), a registry in Redis says which node holds which peer ID, and a
 * message for a peer of the same session held by another node is published to that node, which
 * delivers it as the peer server would have.
 */
export function createSignaling(
	runtime: Runtime,
	isPresent: PresenceCheck = (sessionId, peerId, role) =>
		isPresentParticipant(runtime.db, sessionId, peerId, role),
	cluster: ClusterLink | null = runtime.cluster
): Signaling {
	const members = new Map<string, Member>();
	const registry = cluster ? new PeerRegistry(cluster) : null;
	const relay = cluster
		? new SignalRelay(cluster, {
				deliver: deliverRelayed,
				drop(peerId, value) {
					const member = members.get(peerId);
					if (member?.held?.value === value) member.socket.terminate();
				}
			})
		: null;
	// Keeps this node's entries alive; an entry another node has taken means a stale socket here.
	const refresher = registry
		? setInterval(() => {
				const held = [...members.values()].flatMap((m) => (m.held ? [m.held] : []));
				registry
					.refresh(held)
					.then((lost) => {
						for (const peerId of lost) members.get(peerId)?.socket.terminate();
					})
					.catch((error: unknown) =>
						log.warn('signaling could not refresh the peer registry', { error: String(error) })
					);
			}, REGISTRY_TTL_MS / 3)
		: null;
	refresher?.unref();
	const checking = new Set<Checking>();
	const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });

	// ExpressPeerServer wants an HTTP server only to hand it to `createWebSocketServer`; ours
	// ignores it, and upgrades reach `wss` through `handleUpgrade` below.
	const peerApp = ExpressPeerServer(new EventEmitter() as never, {
		key: SIGNALING_KEY,
		path: SIGNALING_PATH,
		allow_discovery: false,
		alive_timeout: 60_000,
		concurrent_limit: 100_000,
		cleanup_out_msgs: 1000,
		createWebSocketServer: () => wss
	});
	// Express's own mount hook wants a parent app; a bare one is enough (no HTTP routes used).
	peerApp.emit('mount', { request: {}, response: {}, engines: {}, settings: {} });
	peerApp.on('error', (error: Error) => log.warn('signaling error', { error: error.message }));

	/** A message from another node: delivered only to a peer of that session held here. */
	function deliverRelayed(signal: RelayedSignal, from: string) {
		const target = members.get(signal.dst);
		if (target && target.sessionId === signal.session && target.socket.readyState === OPEN) {
			const { type, src, dst, payload } = signal;
			target.socket.send(JSON.stringify({ type, src, dst, payload }));
		} else if (signal.type === 'OFFER') {
			// It left (or moved on) while the message travelled: the sender hears so, as locally.
			const expire = { type: 'EXPIRE', src: signal.dst, dst: signal.src, session: signal.session };
			relay?.send(from, expire).catch(() => {});
		}
	}

	/** Sends a message for a peer this node does not hold to the node that does, if any. */
	function relayOut(
		member: Member,
		src: string,
		message: { type: string; dst: string; payload?: unknown }
	) {
		const signal: RelayedSignal = {
			type: message.type,
			src,
			dst: message.dst,
			payload: message.payload,
			session: member.sessionId
		};
		member.relayed = member.relayed
			.then(async () => {
				const found = await registry?.lookup(signal.dst);
				if (
					found &&
					found.entry.session === signal.session &&
					found.entry.node !== cluster?.nodeId
				) {
					if (await relay?.send(found.entry.node, signal)) return;
					// No one listens on that node's channel: it died, and its entry with it.
					await registry?.forget(signal.dst, signal.session, found.value);
				}
				if (signal.type === 'OFFER' && member.socket.readyState === OPEN) {
					member.socket.send(JSON.stringify({ type: 'EXPIRE', src: signal.dst, dst: src }));
				}
			})
			.catch((error: unknown) =>
				log.warn('signaling could not relay a message', { error: String(error) })
			);
	}

	/** Whether the sender's ticket vouches for this message (see relayRefusal). */
	function vouched(member: Member, message: { type?: unknown; payload?: unknown }): boolean {
		// What the sender's ticket denies (a file channel, an agent's screen) is not vouched for.
		const connectionId = connectionIdOf(message);
		const refusal = relayRefusal(message, member);
		if (refusal) {
			if (connectionId) {
				member.refusedConnections.add(connectionId);
				if (member.refusedConnections.size > MAX_REFUSED_CONNECTIONS) {
					const oldest = member.refusedConnections.values().next();
					if (!oldest.done) member.refusedConnections.delete(oldest.value);
				}
			}
			log.warn('signaling refused an offer', { session: member.sessionId, refusal });
			return false;
		}
		return !(connectionId && member.refusedConnections.has(connectionId));
	}

	function guard(socket: WebSocket, peerId: string, claims: TicketClaims, held: HeldEntry | null) {
		const member: Member = {
			sessionId: claims.sid,
			role: claims.role,
			features: claims.features,
			refusedConnections: new Set(),
			socket,
			tokens: MESSAGE_BURST,
			refilledAt: Date.now(),
			held,
			relayed: Promise.resolve()
		};
		members.set(peerId, member);
		socket.on('close', () => {
			if (members.get(peerId) !== member) return;
			members.delete(peerId);
			if (held) {
				registry?.forget(peerId, held.session, held.value).catch((error: unknown) => {
					log.warn('signaling could not unregister a peer', { error: String(error) });
				});
			}
		});

		// Filter what the peer server sees: `emit` is wrapped so a bad message never reaches it.
		const emit = socket.emit.bind(socket);
		socket.emit = ((event: string, ...args: unknown[]) => {
			if (event !== 'message') return emit(event, ...args);
			const now = Date.now();
			member.tokens = Math.min(
				MESSAGE_BURST,
				member.tokens + ((now - member.refilledAt) / 1000) * MESSAGES_PER_SECOND
			);
			member.refilledAt = now;
			if (--member.tokens < 0) {
				socket.close(1008, 'too many messages');
				return false;
			}
			let message: { type?: unknown; dst?: unknown; payload?: unknown };
			try {
				message = JSON.parse(String(args[0]));
			} catch {
				socket.close(1007, 'malformed message');
				return false;
			}
			if (!message || typeof message !== 'object' || typeof message.type !== 'string') {
				socket.close(1007, 'malformed message');
				return false;
			}
			if (message.type === 'HEARTBEAT') return emit(event, ...args);
			if (!RELAYED_TYPES.has(message.type) || typeof message.dst !== 'string') return false;
			const target = members.get(message.dst);
			// A peer another node holds: the registry says where (and whether in this session).
			if (!target && registry) {
				if (vouched(member, message)) {
					relayOut(member, peerId, message as { type: string; dst: string; payload?: unknown });
				}
				return false;
			}
			// Only peers of the same session reach each other; anything else is dropped. Nothing
			// is queued for an absent peer: the sender hears at once that it is not there (EXPIRE,
			// as the peer server itself would say), so it can retry rather than wait.
			if (!target || target.sessionId !== member.sessionId) {
				if (message.type === 'OFFER') {
					socket.send(JSON.stringify({ type: 'EXPIRE', src: message.dst, dst: peerId }));
				}
				return false;
			}
			if (!vouched(member, message)) return false;
			return emit(event, ...args);
		}) as typeof socket.emit;
	}

	// What the session services announce; signaling never hears it any other way.
	const subscriptions = [
		// The session ended: its tickets are no longer honoured.
		runtime.events.subscribe('session-ended', (sessionId) => {
			for (const attempt of checking) if (attempt.sessionId === sessionId) attempt.revoked = true;
			for (const member of members.values()) {
				if (member.sessionId === sessionId) member.socket.close(4000, 'session ended');
			}
		}),
		// An agent left or was removed: its socket closes, and a connect still being checked fails.
		runtime.events.subscribe('participant-left', (_sessionId, peerId) => {
			for (const attempt of checking) if (attempt.peerId === peerId) attempt.revoked = true;
			members.get(peerId)?.socket.close(4001, 'removed from the session');
		}),
		// A refreshed ticket's features apply to what this peer may offer from now on.
		runtime.events.subscribe('features-changed', (sessionId, peerId, features) => {
			const member = members.get(peerId);
			if (member && member.sessionId === sessionId) member.features = features;
		})
	];

	return {
		handleUpgrade(req, socket, head) {
			// Anything that is not a plain path (`//`, `*`, garbage) is not ours either.
			const url = requestTarget(req.url);
			if (
				!url ||
				(url.pathname !== SIGNALING_SOCKET_PATH && url.pathname !== `${SIGNALING_SOCKET_PATH}/`)
			) {
				return false;
			}
			const id = url.searchParams.get('id') ?? '';
			const check = verifyTicketSignature(
				runtime.secrets.ticketPublicKey,
				url.searchParams.get('token')
			);
			if (!check.ok || check.claims.pid !== id || url.searchParams.get('key') !== SIGNALING_KEY) {
				refuseSocket(socket, 401);
				return true;
			}
			// A valid signature is not enough: the peer must still be in the live session (not left,
			// not removed, its account not disabled). The answer is asynchronous; the socket waits.
			const claims = check.claims;
			const admit = () => {
				// The peer server compares tokens on re-registration; give it a stable per-ID token
				// so a fresh ticket can take over the ID.
				url.searchParams.set('token', hmac(runtime.secrets.hmacKey, 'signaling-token', id));
				req.url = `${url.pathname}?${url.searchParams}`;
				// With a cluster the ID is this node's from now on: a stale entry of a node that died
				// (or a socket on one that lives) loses to it.
				const held = registry?.entryFor(id, claims.sid, claims.role) ?? null;
				const registered = held
					? registry!
							.register(held)
							.then((previous) => {
								const node = previous?.entry.node;
								if (previous && node && node !== cluster?.nodeId) {
									return relay?.drop(node, id, previous.value);
								}
							})
							.catch((error: unknown) =>
								// Admitted anyway: the next refresh stores the entry once Redis is back.
								log.warn('signaling could not register a peer', { error: String(error) })
							)
					: Promise.resolve();
				const register = () =>
					void registered.then(() => {
						if (socket.destroyed) return;
						wss.handleUpgrade(req, socket, head, (ws) => {
							guard(ws, id, claims, held);
							wss.emit('connection', ws, req);
						});
					});
				// A reconnect with a fresh ticket takes over the ID: the old socket goes first, so the
				// peer server registers the new one from scratch (and tells it OPEN), never "ID taken".
				const previous = members.get(id)?.socket;
				if (previous && previous.readyState !== previous.CLOSED) {
					previous.once('close', register);
					previous.terminate();
				} else {
					register();
				}
			};
			// Leaving or ending while the check runs revokes it too (see the subscriptions above).
			const attempt: Checking = { peerId: id, sessionId: claims.sid, revoked: false };
			checking.add(attempt);
			const dropped = () => socket.destroy();
			socket.on('error', dropped);
			void isPresent(claims.sid, id, claims.role)
				.then(
					(present) => {
						socket.off('error', dropped);
						if (socket.destroyed) return;
						if (!present || attempt.revoked) refuseSocket(socket, 401);
						else admit();
					},
					(error: unknown) => {
						log.warn('signaling could not check a peer', { error: String(error) });
						if (!socket.destroyed) refuseSocket(socket, 503);
					}
				)
				.finally(() => checking.delete(attempt));
			return true;
		},
		async connectedPeers(sessionId) {
			const peers = new Map<string, Role>();
			for (const [peerId, member] of members) {
				if (member.sessionId === sessionId && member.socket.readyState === OPEN) {
					peers.set(peerId, member.role);
				}
			}
			// A Redis failure throws: better no answer than "the agent is gone" (agent-presence.ts).
			for (const { peerId, entry } of (await registry?.sessionPeers(sessionId)) ?? []) {
				if (!peers.has(peerId)) peers.set(peerId, entry.role);
			}
			return [...peers].map(([peerId, role]) => ({ peerId, role }));
		},
		get size() {
			return members.size;
		},
		ready() {
			return relay?.ready() ?? Promise.resolve();
		},
		async close() {
			for (const unsubscribe of subscriptions) unsubscribe();
			if (refresher) clearInterval(refresher);
			// This node's peers vanish from the registry now, not when their entries expire.
			const forgotten = [...members].map(([peerId, { held }]) =>
				held ? registry?.forget(peerId, held.session, held.value) : undefined
			);
			for (const member of members.values()) member.socket.terminate();
			members.clear();
			wss.close();
			relay?.close();
			await Promise.allSettled(forgotten);
		}
	};
}
