/**
 * The media calls peers place to us: answered only for a verified peer, in a role that sends
 * that kind, while the session allows it; the stream each kind brings is kept for the view.
 */
import type { Emitter } from '$lib/session/emitter';
import type { Features } from '$lib/session/protocol';
import type { IncomingCall, MediaLink } from '../peer-link';
import type { PeerDirectory } from '../peer-directory';
import type { MediaKinds } from './media-kind';

/** A call's stream may overtake the check of its peer's control channel: it waits this long. */
const VERIFIED_WITHIN_MS = 5_000;

export interface MediaReceiverOptions {
	kinds: MediaKinds;
	peers: Pick<PeerDirectory, 'admit' | 'whenVerified'>;
	features(): Features;
	ended(): boolean;
	events: Emitter<{ change: [] }>;
}

export class MediaReceiver {
	readonly #options: MediaReceiverOptions;
	/** The calls peers made to us, by peer (the agent's view of a customer's call). */
	#calls = new Map<string, MediaLink>();
	/** The stream of each kind we receive, by wire name. */
	#streams = new Map<string, MediaStream>();

	constructor(options: MediaReceiverOptions) {
		this.#options = options;
	}

	async accept(incoming: IncomingCall) {
		const metadata = incoming.metadata as { ticket?: unknown; kind?: unknown } | null;
		const { peers, kinds, events } = this.#options;
		const claims = await peers.admit(metadata?.ticket, incoming.peer);
		// Only a peer we already talk to, in the role that may send this kind.
		const known = !!claims && (await peers.whenVerified(incoming.peer, VERIFIED_WITHIN_MS));
		const kind =
			claims && known ? kinds.accepts(metadata?.kind, claims.role, this.#options.features()) : null;
		if (!kind || this.#options.ended()) {
			incoming.reject();
			return;
		}
		const link = incoming.answer();
		this.#calls.set(incoming.peer, link);
		link.onStream((stream) => {
			this.#streams.set(kind.wire, stream);
			events.emit('change');
		});
		link.onClose(() => {
			if (this.#calls.get(incoming.peer) === link) this.#calls.delete(incoming.peer);
			this.#streams.delete(kind.wire);
			events.emit('change');
		});
	}

	/** The stream of kind `wire` we receive, if any. */
	stream(wire: string): MediaStream | null {
		return this.#streams.get(wire) ?? null;
	}

	/** The open call `peerId` made to us, if any. */
	callFrom(peerId: string): MediaLink | null {
		const call = this.#calls.get(peerId);
		return call && !call.closed ? call : null;
	}

	/** Peers whose calls we hold. */
	get peerIds(): string[] {
		return [...this.#calls.keys()];
	}

	hangUp(peerId: string) {
		this.#calls.get(peerId)?.close();
	}

	/** The session ended: the view shows no remote media any more (the link closes the calls). */
	close() {
		this.#streams.clear();
	}
}
