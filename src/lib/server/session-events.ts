/**
 * What the session services tell the rest of the server: a session ended, a participant left,
 * a peer's features changed. Signaling listens (it closes sockets and applies features); the
 * services never call into signaling. In one process the bus is an emitter; with several
 * processes an implementation that publishes to the others takes its place.
 */
import { Emitter } from '$lib/session/emitter';
import type { Features } from '$lib/session/protocol';
import type { Cluster } from './cluster/redis';
import { log } from './log';
import { ClusterSessionEvent, v } from './schemas';

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

/**
 * The bus across processes sharing a Redis: `publish` delivers here at once (as the local bus
 * does) and on a channel to the other processes, which check what arrives and deliver it to
 * their listeners; a process skips its own messages, already delivered. Pub/sub holds nothing:
 * a process that is disconnected while an event is sent never hears it (see docs/deployment.md
 * for why that loses nothing acknowledged). Resolves once subscribed.
 */
export async function redisSessionEvents(cluster: Cluster): Promise<SessionEvents> {
	const local = localSessionEvents();
	const channel = cluster.key('session-events');
	const subscriber = cluster.subscriber();
	subscriber.on('message', (from: string, raw: string) => {
		if (from !== channel) return;
		let parsed: unknown;
		try {
			parsed = JSON.parse(raw);
		} catch {
			parsed = undefined;
		}
		const result = v.safeParse(ClusterSessionEvent, parsed);
		if (!result.success) {
			log.warn('session event from redis refused', { issue: result.issues[0].message });
			return;
		}
		const message = result.output;
		if (message.from === cluster.nodeId) return;
		// Typed per variant: the schema ties each event to its arguments.
		if (message.event === 'session-ended') local.publish(message.event, ...message.args);
		else if (message.event === 'participant-left') local.publish(message.event, ...message.args);
		else local.publish(message.event, ...message.args);
	});
	await subscriber.subscribe(channel);
	return {
		publish(event, ...args) {
			local.publish(event, ...args);
			const message = JSON.stringify({ from: cluster.nodeId, event, args });
			cluster.redis.publish(channel, message).catch((error: Error) =>
				log.error('session event not sent to the other processes', {
					event,
					error: error.message
				})
			);
		},
		subscribe: local.subscribe,
		async close() {
			await subscriber.unsubscribe(channel).catch(() => {});
			subscriber.disconnect();
			await local.close();
		}
	};
}
