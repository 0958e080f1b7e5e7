/**
 * What the session services tell the rest of the server: a session ended, a participant left,
 * a peer's features changed. Signaling listens (it closes sockets and applies features); the
 * services never call into signaling. In one process the bus is an emitter; with several
 * processes an implementation that publishes to the others takes its place.
 */
import { Emitter } from '$lib/session/emitter';
import type { Features } from '$lib/session/protocol';
import { log } from './log';

export interface SessionEventMap {
	/** Every ticket of the session is void: its sockets close. */
	'session-ended': [sessionId: string];
	/** This peer is no longer a participant: its socket closes and stays refused. */
	'participant-left': [sessionId: string, peerId: string];
	/** What the peer may offer from now on (a refreshed ticket carries the same). */
	'features-changed': [sessionId: string, peerId: string, features: Features];
}

export type SessionEventName = keyof SessionEventMap;

export interface SessionEvents {
	publish<K extends SessionEventName>(event: K, ...args: SessionEventMap[K]): void;
	/** Adds a listener; the function returned removes it. */
	subscribe<K extends SessionEventName>(
		event: K,
		listener: (...args: SessionEventMap[K]) => void
	): () => void;
	close(): Promise<void>;
}

/** The in-process bus: listeners run synchronously, a throwing one is logged and skipped. */
export function localSessionEvents(): SessionEvents {
	const emitter = new Emitter<SessionEventMap>((error) =>
		log.error('session event listener failed', { error: String(error) })
	);
	return {
		publish: (event, ...args) => emitter.emit(event, ...args),
		subscribe: (event, listener) => emitter.on(event, listener),
		async close() {}
	};
}
