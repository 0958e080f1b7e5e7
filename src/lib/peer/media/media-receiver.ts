/**
 * The media calls peers place to us: answered only for a verified peer, in a role that sends
 * that kind to ours, while the session allows it; the stream each call brings is kept by kind
 * and peer for the view (one customer's screen; the voice of each agent in the call).
 */
import type { Emitter } from '$lib/session/emitter';
import type { Features, Role } from '$lib/session/protocol';
import type { IncomingCall, MediaLink } from '../peer-link';
import type { PeerDirectory } from '../peer-directory';
import type { MediaKind, MediaKinds } from './media-kind';

/** A call's stream may overtake the check of its peer's control channel: it waits this long. */
const VERIFIED_WITHIN_MS = 5_000;

export interface MediaReceiverOptions {
	/** Our role: a kind is taken only from a role that sends it to ours. */
	role: Role;
	kinds: MediaKinds;
	peers: Pick<PeerDirectory, 'admit' | 'whenVerified'>;
	features(): Features;
	ended(): boolean;
	events: Emitter<{ change: [] }>;
}

/** A call a peer made to us, and the stream it brought once it did. */
interface ReceivedCall {
	readonly kind: MediaKind;
	readonly link: MediaLink;
	stream: MediaStream | null;
}

const NO_STREAMS: ReadonlyMap<string, MediaStream> = new Map();

export class MediaReceiver {
	readonly #options: MediaReceiverOptions;
	/** The calls peers made to us, by peer, then by kind (a customer calls with several). */
	#calls = new Map<string, Map<string, ReceivedCall>>();

	constructor(options: MediaReceiverOptions) {
		this.#options = options;
	}

	async accept(incoming: IncomingCall) {
		const metadata = incoming.metadata as { ticket?: unknown; kind?: unknown } | null;
		const { peers, kinds, events, role } = this.#options;
		const claims = await peers.admit(metadata?.ticket, incoming.peer);
		// Only a peer we already talk to, in a role that sends this kind to ours.
		const known = !!claims && (await peers.whenVerified(incoming.peer, VERIFIED_WITHIN_MS));
		const kind =
			claims && known
				? kinds.accepts(metadata?.kind, claims.role, role, this.#options.features())
				: null;
		if (!kind || this.#options.ended()) {
			incoming.reject();
			return;
		}
		const link = incoming.answer(kind.sdp ? { sdpTransform: kind.sdp } : {});
		const received: ReceivedCall = { kind, link, stream: null };
		const byKind = this.#calls.get(incoming.peer) ?? new Map<string, ReceivedCall>();
		this.#calls.set(incoming.peer, byKind);
		// A newer call of the same kind (placed again after a drop) replaces the older one.
		const older = byKind.get(kind.wire);
		byKind.set(kind.wire, received);
		if (older && older.link !== link) older.link.close();
		link.onStream((stream) => {
			received.stream = stream;
			events.emit('change');
		});
		link.onClose(() => {
			if (byKind.get(kind.wire) !== received) return;
			byKind.delete(kind.wire);
			if (byKind.size === 0 && this.#calls.get(incoming.peer) === byKind) {
				this.#calls.delete(incoming.peer);
			}
			events.emit('change');
		});
	}

	/** The stream of kind `wire` we receive (the first peer's, for a kind one peer sends). */
	stream(wire: string): MediaStream | null {
		return this.streams(wire).values().next().value ?? null;
	}

	/** The streams of kind `wire` we receive, by peer ID. */
	streams(wire: string): ReadonlyMap<string, MediaStream> {
		let streams: Map<string, MediaStream> | null = null;
		for (const [peerId, byKind] of this.#calls) {
			const stream = byKind.get(wire)?.stream;
			if (stream) (streams ??= new Map()).set(peerId, stream);
		}
		return streams ?? NO_STREAMS;
	}

	/** An open call `peerId` made to us, if any (the first it placed). */
	callFrom(peerId: string): MediaLink | null {
		for (const { link } of this.#calls.get(peerId)?.values() ?? []) {
			if (!link.closed) return link;
		}
		return null;
	}

	/** Peers whose calls we hold. */
	get peerIds(): string[] {
		return [...this.#calls.keys()];
	}

	/** Every call `peerId` made to us closes. */
	hangUp(peerId: string) {
		for (const { link } of [...(this.#calls.get(peerId)?.values() ?? [])]) link.close();
	}

	/** The session's settings changed: the calls of a kind they no longer allow close. */
	featuresChanged() {
		const features = this.#options.features();
		for (const byKind of [...this.#calls.values()]) {
			for (const { kind, link } of [...byKind.values()]) {
				if (!kind.allowed(features)) link.close();
			}
		}
	}

	/** The session ended: the view shows no remote media any more (the link closes the calls). */
	close() {
		this.#calls.clear();
	}
}
