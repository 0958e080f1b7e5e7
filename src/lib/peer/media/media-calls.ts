/**
 * The media calls of one client, for every registered kind: a sender for each kind our role
 * sends, one receiver for what peers send us, both following the peer directory's events
 * (dialed, verified, gone). The client asks it for streams and calls; it knows no kind by name.
 */
import { Emitter } from '$lib/session/emitter';
import type { Features, Role } from '$lib/session/protocol';
import type { IncomingCall } from '../peer-link';
import type { PeerDirectory } from '../peer-directory';
import type { MediaKinds } from './media-kind';
import { MediaReceiver } from './media-receiver';
import { MediaSender, type CallLink, type OutgoingCall } from './media-sender';

export interface MediaCallsOptions {
	role: Role;
	kinds: MediaKinds;
	peers: PeerDirectory;
	ticket(): string;
	features(): Features;
	ended(): boolean;
}

export class MediaCalls {
	readonly events = new Emitter<{ change: [] }>();
	readonly #senders = new Map<string, MediaSender>();
	readonly #receiver: MediaReceiver;

	constructor(options: MediaCallsOptions) {
		const { peers } = options;
		for (const kind of options.kinds.sentBy(options.role)) {
			this.#senders.set(kind.wire, new MediaSender(kind, { peers, ticket: options.ticket }));
		}
		this.#receiver = new MediaReceiver({ ...options, events: this.events });
		const senders = () => this.#senders.values();
		peers.events.on('dialing', (peerId) => {
			for (const sender of senders()) sender.callAhead(peerId);
		});
		peers.events.on('dial-failed', (peerId) => {
			for (const sender of senders()) sender.dropEarly(peerId);
		});
		peers.events.on('adopted', (peer) => {
			for (const sender of senders()) sender.peerAdopted(peer);
		});
		peers.events.on('removed', (peer) => {
			for (const sender of senders()) sender.peerRemoved(peer);
		});
		peers.events.on('departed', (peerId) => {
			this.#receiver.hangUp(peerId);
			for (const sender of senders()) sender.dropEarly(peerId);
		});
	}

	useLink(link: CallLink) {
		for (const sender of this.#senders.values()) sender.useLink(link);
	}

	/** Our sender of kind `wire` (null if our role does not send it). */
	sender(wire: string): MediaSender | null {
		return this.#senders.get(wire) ?? null;
	}

	accept(incoming: IncomingCall): Promise<void> {
		return this.#receiver.accept(incoming);
	}

	/** The stream of kind `wire` a peer sends us, if any. */
	remoteStream(wire: string): MediaStream | null {
		return this.#receiver.stream(wire);
	}

	/** An open call with `peerId`: one of ours first, else its call to us. */
	callWith(peerId: string): OutgoingCall | null {
		return this.outgoingTo(peerId) ?? this.#receiver.callFrom(peerId);
	}

	/** Our first call to `peerId` (its connection, for stats when there is no control channel). */
	outgoingTo(peerId: string): OutgoingCall | null {
		for (const sender of this.#senders.values()) {
			const call = sender.callTo(peerId);
			if (call) return call;
		}
		return null;
	}

	/** Peers whose calls to us we hold. */
	get callers(): string[] {
		return this.#receiver.peerIds;
	}

	/** Encodes again what we send to `peerId` (it chose another mode). */
	encodeFor(peerId: string) {
		for (const sender of this.#senders.values()) void sender.encodeFor(peerId);
	}

	/** The session ended. */
	close() {
		for (const sender of this.#senders.values()) sender.close();
		this.#receiver.close();
	}
}
