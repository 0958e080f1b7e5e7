/**
 * The media calls of one client, for every registered kind: a sender for each kind our role
 * sends, one receiver for what peers send us, both following the peer directory's events
 * (dialed, verified, gone). The client asks it for streams and calls; it knows no kind by name.
 */
import { Emitter } from '$lib/session/emitter';
import type { Features, Role } from '$lib/session/protocol';
import type { IncomingCall } from '../peer-link';
import type { PeerDirectory, VerifiedPeer } from '../peer-directory';
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
	/** How long after a peer's first calls connected the 'after-join' kinds call it. */
	afterJoinMs?: number;
}

/** A new peer's own calls (the customer's screen) arrive right after its channel is adopted… */
const JOIN_CALLS_ARRIVE_MS = 500;
/** …and are waited for until connected, at most this long… */
const JOIN_CALLS_SETTLE_MS = 3_000;
/**
 * …and then a moment more, so the screen's first frame and the file channel (opened 1 s after
 * the screen call settles) go first on the join's critical path.
 */
const AFTER_JOIN_MS = 1_500;

export class MediaCalls {
	readonly events = new Emitter<{ change: [] }>();
	readonly #senders = new Map<string, MediaSender>();
	readonly #receiver: MediaReceiver;
	readonly #options: MediaCallsOptions;

	constructor(options: MediaCallsOptions) {
		this.#options = options;
		const { peers, role, ticket, features } = options;
		const joined = (peer: VerifiedPeer) => this.#joined(peer);
		for (const kind of options.kinds.sentBy(role)) {
			this.#senders.set(
				kind.wire,
				new MediaSender(kind, { role, peers, ticket, features, joined })
			);
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

	/**
	 * Resolves once a newly adopted peer's join is done: its calls and ours (the screen) have
	 * connected, or could not, and a moment passed. Later kinds then call it without slowing
	 * what the agent waits for.
	 */
	async #joined(peer: VerifiedPeer): Promise<void> {
		const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
		await wait(JOIN_CALLS_ARRIVE_MS);
		const calls = [...this.#senders.values()]
			.map((sender) => sender.callTo(peer.peerId))
			.concat(this.#receiver.callFrom(peer.peerId))
			.filter((call) => call !== null);
		await Promise.all(calls.map((call) => call.settled(JOIN_CALLS_SETTLE_MS)));
		await wait(this.#options.afterJoinMs ?? AFTER_JOIN_MS);
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

	/** The stream of kind `wire` a peer sends us, if any (the first, for a kind one peer sends). */
	remoteStream(wire: string): MediaStream | null {
		return this.#receiver.stream(wire);
	}

	/** The streams of kind `wire` peers send us, by peer ID (each agent's voice). */
	remoteStreams(wire: string): ReadonlyMap<string, MediaStream> {
		return this.#receiver.streams(wire);
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

	/** The session's settings changed: kinds no longer allowed hang up, both ways. */
	featuresChanged() {
		for (const sender of this.#senders.values()) sender.featuresChanged();
		this.#receiver.featuresChanged();
		this.events.emit('change');
	}

	/** The session ended. */
	close() {
		for (const sender of this.#senders.values()) sender.close();
		this.#receiver.close();
	}
}
