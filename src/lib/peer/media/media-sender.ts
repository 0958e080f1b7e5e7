/**
 * Our calls of one media kind, one per counterpart: placed ahead with the kind's placeholder
 * (early calls, even before the peer's ticket is checked), the real track swapped in and out
 * without renegotiating, a dropped call placed again, and the track encoded per peer.
 */
import type { MediaLink } from '../peer-link';
import type { PeerDirectory, VerifiedPeer } from '../peer-directory';
import type { MediaKind } from './media-kind';

/** What we use of a call we placed. */
export type OutgoingCall = Pick<
	MediaLink,
	'closed' | 'onClose' | 'close' | 'replaceTrack' | 'applyScreenMode' | 'peerConnection' | 'settled'
>;

/** What we need of the signaling link: placing a call. */
export interface CallLink {
	call(remote: string, stream: MediaStream, metadata: unknown): OutgoingCall;
}

export interface MediaSenderOptions {
	peers: Pick<PeerDirectory, 'get' | 'has' | 'peers' | 'counterpartRole'>;
	/** Our current ticket, sent with every call (the receiver checks it before answering). */
	ticket(): string;
}

/** A dropped call to a peer still connected is placed again after this. */
const PLACE_AGAIN_MS = 1000;

export class MediaSender {
	readonly kind: MediaKind;
	readonly #options: MediaSenderOptions;
	#link: CallLink | null = null;
	/** What we send; null while not sending (calls placed ahead carry the placeholder). */
	#stream: MediaStream | null = null;
	#placeholder: MediaStream | null = null;
	/** Our call to each verified peer. */
	#calls = new Map<string, OutgoingCall>();
	/**
	 * Calls placed together with the control channel, before the peer's ticket is checked, by
	 * peer ID. Each carries the placeholder (nothing leaves the machine) and our ticket, and the
	 * peer answers only once it has verified us; so the call is connected by the time we start
	 * sending, instead of setting up while the capture starts. A call is adopted when its peer
	 * checks out, and closed when it does not.
	 */
	#early = new Map<string, OutgoingCall>();
	#encodingTimer: ReturnType<typeof setInterval> | null = null;

	constructor(kind: MediaKind, options: MediaSenderOptions) {
		this.kind = kind;
		this.#options = options;
	}

	useLink(link: CallLink) {
		this.#link = link;
	}

	/** What we send now (null while not sending). */
	get stream(): MediaStream | null {
		return this.#stream;
	}

	/** Our open call to `peerId`, if any. */
	callTo(peerId: string): OutgoingCall | null {
		const call = this.#calls.get(peerId);
		return call && !call.closed ? call : null;
	}

	#placeholderStream(): MediaStream | null {
		this.#placeholder ??= this.kind.placeholder?.() ?? null;
		return this.#placeholder;
	}

	/** A peer is being dialed: a kind placed ahead calls it now, with the placeholder. */
	callAhead(remote: string) {
		if (!this.kind.placeholder || !this.#link || this.#options.peers.has(remote)) return;
		const existing = this.#early.get(remote);
		if (existing && !existing.closed) return;
		const stream = this.#placeholderStream();
		if (!stream) return;
		const call = this.#link.call(remote, stream, {
			ticket: this.#options.ticket(),
			kind: this.kind.wire
		});
		this.#early.set(remote, call);
		call.onClose(() => {
			if (this.#early.get(remote) === call) this.#early.delete(remote);
		});
	}

	/** The dialed peer did not check out (or another channel won): its early call goes. */
	dropEarly(remote: string) {
		const call = this.#early.get(remote);
		this.#early.delete(remote);
		call?.close();
	}

	/** A verified peer: called now if we send, or if this kind is placed ahead. */
	peerAdopted(peer: VerifiedPeer) {
		if (this.#stream || this.kind.placeholder) this.#callWith(peer);
	}

	/** A peer's channel went: so does our call to it. */
	peerRemoved(peer: VerifiedPeer) {
		const call = this.#calls.get(peer.peerId);
		this.#calls.delete(peer.peerId);
		call?.close();
	}

	#callWith(peer: VerifiedPeer) {
		if (!this.#link) return;
		// The calls go to the counterpart: the customer's screen to every agent, an agent's to
		// the customer only.
		if (peer.claims.role !== this.#options.peers.counterpartRole) return;
		const stream = this.#stream ?? this.#placeholderStream();
		if (!stream) return;
		if (!this.callTo(peer.peerId)) {
			const early = this.#early.get(peer.peerId);
			this.#early.delete(peer.peerId);
			if (early && !early.closed) {
				this.#calls.set(peer.peerId, early);
				this.#placeAgainWhenDropped(peer, early);
			}
		}
		const current = this.callTo(peer.peerId);
		if (current) {
			const track = this.#stream?.getTracks().find((t) => t.kind === this.kind.track) ?? null;
			void current.replaceTrack(this.kind.track, track).then(() => this.encodeFor(peer.peerId));
			return;
		}
		const call = this.#link.call(peer.peerId, stream, {
			ticket: this.#options.ticket(),
			kind: this.kind.wire
		});
		this.#calls.set(peer.peerId, call);
		void this.encodeFor(peer.peerId);
		this.#placeAgainWhenDropped(peer, call);
	}

	/** A call that drops while its peer is still connected is placed again (if still wanted). */
	#placeAgainWhenDropped(peer: VerifiedPeer, call: OutgoingCall) {
		call.onClose(() => {
			if (this.#calls.get(peer.peerId) !== call) return;
			this.#calls.delete(peer.peerId);
			setTimeout(() => {
				const wanted = this.#stream !== null || !!this.kind.placeholder;
				if (
					wanted &&
					this.#options.peers.get(peer.peerId) === peer &&
					!this.#calls.has(peer.peerId)
				) {
					this.#callWith(peer);
				}
			}, PLACE_AGAIN_MS);
		});
	}

	/** Sets the encoding of what we send to one peer (the kind's policy), if we send. */
	async encodeFor(peerId: string) {
		const call = this.#calls.get(peerId);
		if (!this.#stream || !call || call.closed || !this.kind.encode) return;
		await this.kind.encode(call, peerId);
	}

	/** Sends `stream` to every verified counterpart, reusing calls (a swap, no renegotiation). */
	start(stream: MediaStream) {
		this.#stream = stream;
		for (const peer of this.#options.peers.peers) this.#callWith(peer);
		this.#followPolicy();
	}

	/** Stops sending: the tracks stop and every call carries nothing. */
	async stop() {
		const stream = this.#stream;
		if (!stream) return;
		this.#stream = null;
		this.#followPolicy();
		stream.getTracks().forEach((t) => t.stop());
		for (const call of [...this.#calls.values()]) {
			if (!call.closed) await call.replaceTrack(this.kind.track, null);
		}
	}

	/**
	 * After a stop: a kind placed ahead keeps its calls (the next start swaps a track in);
	 * another hangs up (the receiver's view closes with the call; a new start makes new calls).
	 */
	hangUpIfIdle() {
		if (this.#stream || this.kind.placeholder) return;
		const calls = [...this.#calls.values()];
		this.#calls.clear();
		for (const call of calls) call.close();
	}

	/** While sending, the kind's encoding policy runs again every so often. */
	#followPolicy() {
		const reencode = this.kind.reencode;
		if (this.#stream && reencode && !this.#encodingTimer) {
			this.#encodingTimer = setInterval(() => {
				for (const peerId of [...this.#calls.keys()]) {
					if (reencode.applies(peerId)) void this.encodeFor(peerId);
				}
			}, reencode.everyMs);
		} else if (!this.#stream && this.#encodingTimer) {
			clearInterval(this.#encodingTimer);
			this.#encodingTimer = null;
		}
	}

	/** The session ended: every track stops, every call closes. */
	close() {
		this.#placeholder?.getTracks().forEach((t) => t.stop());
		this.#stream?.getTracks().forEach((t) => t.stop());
		this.#stream = null;
		const calls = [...this.#calls.values()];
		this.#calls.clear();
		for (const call of calls) call.close();
		for (const remote of [...this.#early.keys()]) this.dropEarly(remote);
		if (this.#encodingTimer) clearInterval(this.#encodingTimer);
		this.#encodingTimer = null;
	}
}
