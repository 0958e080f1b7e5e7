import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { ExpressPeerServer } from 'peer';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Features, Role } from '$lib/session/protocol';
import type { TicketClaims } from '$lib/session/ticket';
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

export interface Signaling {
	handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
	/** The peers of a session registered right now. */
	connectedPeers(sessionId: string): { peerId: string; role: Role }[];
	/** How many peers are registered now. */
	readonly size: number;
	close(): void;
}

interface Member {
	sessionId: string;
	role: Role;
	features: Features;
	refusedConnections: Set<string>;
	socket: WebSocket;
	tokens: number;
	refilledAt: number;
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
 */
export function createSignaling(
	runtime: Runtime,
	isPresent: PresenceCheck = (sessionId, peerId, role) =>
		isPresentParticipant(runtime.db, sessionId, peerId, role)
): Signaling {
	const members = new Map<string, Member>();
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

	function guard(socket: WebSocket, peerId: string, claims: TicketClaims) {
		const member: Member = {
			sessionId: claims.sid,
			role: claims.role,
			features: claims.features,
			refusedConnections: new Set(),
			socket,
			tokens: MESSAGE_BURST,
			refilledAt: Date.now()
		};
		members.set(peerId, member);
		socket.on('close', () => {
			if (members.get(peerId) === member) members.delete(peerId);
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
			// Only peers of the same session reach each other; anything else is dropped. Nothing
			// is queued for an absent peer: the sender hears at once that it is not there (EXPIRE,
			// as the peer server itself would say), so it can retry rather than wait.
			if (!target || target.sessionId !== member.sessionId) {
				if (message.type === 'OFFER') {
					socket.send(JSON.stringify({ type: 'EXPIRE', src: message.dst, dst: peerId }));
				}
				return false;
			}
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
			if (connectionId && member.refusedConnections.has(connectionId)) return false;
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
				const register = () =>
					wss.handleUpgrade(req, socket, head, (ws) => {
						guard(ws, id, claims);
						wss.emit('connection', ws, req);
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
		connectedPeers(sessionId) {
			const peers: { peerId: string; role: Role }[] = [];
			for (const [peerId, member] of members) {
				if (member.sessionId === sessionId && member.socket.readyState === member.socket.OPEN) {
					peers.push({ peerId, role: member.role });
				}
			}
			return peers;
		},
		get size() {
			return members.size;
		},
		close() {
			for (const unsubscribe of subscriptions) unsubscribe();
			for (const member of members.values()) member.socket.terminate();
			members.clear();
			wss.close();
		}
	};
}
