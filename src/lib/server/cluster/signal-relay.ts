/**
 * Signaling messages between Ponte nodes: each node listens on its own Redis channel, and a
 * message for a peer held elsewhere is published to the holder's channel. PUBLISH says how many
 * listeners heard it, so a message to a node that died is known to be lost at once.
 */
import type { Redis } from 'ioredis';
import * as v from 'valibot';
import { log } from '../log';
import { ClusterSignal } from '../schemas';
import type { ClusterLink } from './peer-registry';

/** A message between two peers, as the `peer` server relays it, and the session it is for. */
export interface RelayedSignal {
	type: string;
	src: string;
	dst: string;
	payload?: unknown;
	session: string;
}

type Wire =
	| ({ kind: 'signal'; from: string } & RelayedSignal)
	/** Another node took this peer over: the socket holding `value` here goes. */
	| { kind: 'drop'; peerId: string; value: string };

export interface RelayHandlers {
	/** A signal for a peer this node holds; `from` is the sender's node. */
	deliver(signal: RelayedSignal, from: string): void;
	drop(peerId: string, value: string): void;
}

export class SignalRelay {
	readonly #cluster: ClusterLink;
	readonly #subscriber: Redis;
	readonly #ready: Promise<unknown>;

	constructor(cluster: ClusterLink, handlers: RelayHandlers) {
		this.#cluster = cluster;
		this.#subscriber = cluster.subscriber();
		const channel = this.#channel(cluster.nodeId);
		this.#subscriber.on('message', (from: string, text: string) => {
			if (from !== channel) return;
			// Checked like every input: a malformed message is dropped, never delivered half-read.
			let parsed: unknown;
			try {
				parsed = JSON.parse(text);
			} catch {
				return;
			}
			const checked = v.safeParse(ClusterSignal, parsed);
			if (!checked.success) {
				log.warn('signal relay dropped a malformed message', { issue: checked.issues[0].message });
				return;
			}
			const wire: Wire = checked.output;
			if (wire.kind === 'signal') {
				const { type, src, dst, payload, session } = wire;
				handlers.deliver({ type, src, dst, payload, session }, wire.from);
			} else if (wire.kind === 'drop') {
				handlers.drop(wire.peerId, wire.value);
			}
		});
		this.#ready = this.#subscriber.subscribe(channel).catch((error: unknown) => {
			log.error('signal relay could not subscribe', { error: String(error) });
		});
	}

	#channel(node: string) {
		return this.#cluster.key('signal', node);
	}

	/** Resolves once this node hears its channel. */
	ready(): Promise<unknown> {
		return this.#ready;
	}

	/** Publishes to the node's channel; false when no node listens there (it is gone). */
	async send(node: string, signal: RelayedSignal): Promise<boolean> {
		const wire: Wire = { kind: 'signal', from: this.#cluster.nodeId, ...signal };
		return (await this.#cluster.redis.publish(this.#channel(node), JSON.stringify(wire))) > 0;
	}

	async drop(node: string, peerId: string, value: string): Promise<void> {
		const wire: Wire = { kind: 'drop', peerId, value };
		await this.#cluster.redis.publish(this.#channel(node), JSON.stringify(wire));
	}

	close() {
		this.#subscriber.disconnect();
	}
}
