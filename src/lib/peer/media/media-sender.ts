/**
 * Our calls of one media kind, one per peer it goes to: placed ahead with the kind's
 * placeholder (at dial, even before the peer's ticket is checked, or once the join is done),
 * the real track swapped in and out without renegotiating, withheld from peers outside the
 * recipients, a dropped call placed again, and the track encoded per peer.
 */
import type { Features, Role } from '$lib/session/protocol';
import type { CallOptions, MediaLink } from '../peer-link';
import type { PeerDirectory, VerifiedPeer } from '../peer-directory';
import { carries, type MediaKind } from './media-kind';

/** What we use of a call we placed. */
export type OutgoingCall = Pick<
	MediaLink,
	| 'closed'
	| 'onClose'
	| 'close'
	| 'replaceTrack'
	| 'applyScreenMode'
	| 'applyEncoding'
	| 'peerConnection'
	| 'settled'
>;

/** What we need of the signaling link: placing a call. */
export interface CallLink {
	call(remote: string, stream: MediaStream, metadata: unknown, options?: CallOptions): OutgoingCall;
}

export interface MediaSenderOptions {
	/** Our role: whom the kind's calls go to depends on it. */
	role: Role;
	peers: Pick<PeerDirectory, 'get' | 'has' | 'peers'>;
	/** Our current ticket, sent with every call (the receiver checks it before answering). */
	ticket(): string;
	/** The session's current features: a kind they do not allow places no call. */
	features(): Features;
	/**
	 * Resolves once a verified peer's join is done (its first calls connected, a moment
	 * passed): kinds placed ahead 'after-join' wait for it. At once when not given.
	 */
	joined?(peer: VerifiedPeer): Promise<void>;
}

/** A dropped call to a peer still connected is placed again after this, doubling on each drop… */
const PLACE_AGAIN_MS = 1000;
/** …up to this (a peer that keeps refusing, e.g. a page too old to know the kind)… */
const PLACE_AGAIN_MAX_MS = 30_000;
/** …until a call lasts this long, which counts as working: the next drop waits 1 s again. */
const CALL_LASTED_MS = 10_000;

export class MediaSender {
	readonly kind: MediaKind;
	readonly #options: MediaSenderOptions;
	#link: CallLink | null = null;
	/** What we send; null while not sending (calls placed ahead carry the placeholder). */
	#stream: MediaStream | null = null;
	#placeholder: MediaStream | null = null;
	/** The peers that get our track; null: every peer the kind goes to. */
	#recipients: ReadonlySet<string> | null = null;
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
	/** How many times in a row each peer's call dropped soon after being placed. */
	#drops = new Map<string, number>();
	#encodingTimer: ReturnType<typeof setInterval> | null = null;
	#closed = false;
	/** Whether the session allowed the kind when last looked at (a change is acted on once). */
	#wasAllowed: boolean;

	constructor(kind: MediaKind, options: MediaSenderOptions) {
		this.kind = kind;
		this.#options = options;
		this.#wasAllowed = this.#allowed;
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

	get #allowed(): boolean {
		return this.kind.allowed(this.#options.features());
	}

	/** When this kind's calls are placed ahead of sending, if they are. */
	get #ahead() {
		if (!this.kind.placeholder || !this.#allowed) return null;
		return this.kind.ahead ?? 'dial';
	}

	/** Whether we want a call to each peer now: we send, or the kind is placed ahead. */
	get #wanted(): boolean {
		return this.#allowed && (this.#stream !== null || !!this.kind.placeholder);
	}

	#goesTo(peer: VerifiedPeer): boolean {
		return carries(this.kind, this.#options.role, peer.claims.role);
	}

	#placeholderStream(): MediaStream | null {
		this.#placeholder ??= this.kind.placeholder?.() ?? null;
		return this.#placeholder;
	}

	#place(remote: string, stream: MediaStream): OutgoingCall | null {
		if (!this.#link) return null;
		const metadata = { ticket: this.#options.ticket(), kind: this.kind.wire };
		const sdp = this.kind.sdp;
		return this.#link.call(remote, stream, metadata, sdp ? { sdpTransform: sdp } : {});
	}

	/** A peer is being dialed: a kind placed ahead at dial calls it now, with the placeholder. */
	callAhead(remote: string) {
		if (this.#ahead !== 'dial' || !this.#link || this.#options.peers.has(remote)) return;
		const existing = this.#early.get(remote);
		if (existing && !existing.closed) return;
		const stream = this.#placeholderStream();
		const call = stream && this.#place(remote, stream);
		if (!call) return;
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

	/**
	 * A verified peer: called now if we send or the kind is placed ahead at dial; a kind placed
	 * ahead 'after-join' calls it once its join is done.
	 */
	peerAdopted(peer: VerifiedPeer) {
		if (!this.#goesTo(peer)) return;
		const ahead = this.#ahead;
		if (this.#stream || ahead === 'dial') {
			this.#callWith(peer);
		} else if (ahead === 'after-join') {
			const joined = this.#options.joined?.(peer) ?? Promise.resolve();
			void joined.then(() => {
				if (this.#closed || this.#options.peers.get(peer.peerId) !== peer) return;
				if (this.#wanted && !this.callTo(peer.peerId)) this.#callWith(peer);
			});
		}
	}

	/** A peer's channel went: so does our call to it. */
	peerRemoved(peer: VerifiedPeer) {
		const call = this.#calls.get(peer.peerId);
		this.#calls.delete(peer.peerId);
		this.#drops.delete(peer.peerId);
		call?.close();
	}

	/**
	 * Sends our track only to `peerIds` (those in the call with us, as the core decides); the
	 * others' calls stay up and carry nothing. Null: every peer the kind goes to.
	 */
	setRecipients(peerIds: ReadonlySet<string> | null) {
		this.#recipients = peerIds ? new Set(peerIds) : null;
		if (!this.#stream) return;
		for (const peer of this.#options.peers.peers) if (this.#goesTo(peer)) this.#callWith(peer);
	}

	/** Whether `peerId` gets our track (it is among the recipients). */
	#hears(peerId: string): boolean {
		return this.#recipients === null || this.#recipients.has(peerId);
	}

	/** Calls a peer the kind goes to, or puts what it should get on our existing call. */
	#callWith(peer: VerifiedPeer) {
		if (!this.#link || !this.#goesTo(peer) || !this.#allowed) return;
		if (!this.callTo(peer.peerId)) {
			const early = this.#early.get(peer.peerId);
			this.#early.delete(peer.peerId);
			if (early && !early.closed) {
				this.#calls.set(peer.peerId, early);
				this.#placeAgainWhenDropped(peer, early);
			}
		}
		// A peer outside the recipients gets nothing: silence, or a blank picture.
		const sending = this.#stream && this.#hears(peer.peerId) ? this.#stream : null;
		const current = this.callTo(peer.peerId);
		if (current) {
			const track = sending?.getTracks().find((t) => t.kind === this.kind.track) ?? null;
			void current.replaceTrack(this.kind.track, track).then(() => this.encodeFor(peer.peerId));
			return;
		}
		// A new call carries the placeholder unless the peer gets our track; a kind without one
		// does not call a peer outside the recipients at all.
		const stream = sending ?? this.#placeholderStream();
		const call = stream && this.#place(peer.peerId, stream);
		if (!call) return;
		this.#calls.set(peer.peerId, call);
		void this.encodeFor(peer.peerId);
		this.#placeAgainWhenDropped(peer, call);
	}

	/**
	 * A call that drops while its peer is still connected is placed again (if still wanted),
	 * sooner after a call that lasted than after one refused at once.
	 */
	#placeAgainWhenDropped(peer: VerifiedPeer, call: OutgoingCall) {
		const since = Date.now();
		call.onClose(() => {
			if (this.#calls.get(peer.peerId) !== call) return;
			this.#calls.delete(peer.peerId);
			const lasted = Date.now() - since >= CALL_LASTED_MS;
			const drops = lasted ? 0 : (this.#drops.get(peer.peerId) ?? 0);
			this.#drops.set(peer.peerId, drops + 1);
			setTimeout(
				() => {
					if (
						!this.#closed &&
						this.#wanted &&
						this.#options.peers.get(peer.peerId) === peer &&
						!this.#calls.has(peer.peerId)
					) {
						this.#callWith(peer);
					}
				},
				Math.min(PLACE_AGAIN_MS * 2 ** drops, PLACE_AGAIN_MAX_MS)
			);
		});
	}

	/** Sets the encoding of what we send to one peer (the kind's policy), if we send. */
	async encodeFor(peerId: string) {
		const call = this.#calls.get(peerId);
		if (!this.#stream || !call || call.closed || !this.kind.encode) return;
		await this.kind.encode(call, peerId);
	}

	/**
	 * Sends `stream` to every peer the kind goes to (the recipients only, when set), reusing
	 * calls: a swap, no renegotiation. Starting again with another stream swaps its track in.
	 */
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
		this.#hangUp();
	}

	/**
	 * The session's settings changed: a kind they no longer allow stops sending and hangs up,
	 * calls placed ahead too; a kind placed ahead that is allowed again calls every peer. Only
	 * a change of the kind's own permission counts (this runs on every ticket refresh).
	 */
	featuresChanged() {
		const allowed = this.#allowed;
		if (allowed === this.#wasAllowed) return;
		this.#wasAllowed = allowed;
		if (!allowed) {
			this.#stream?.getTracks().forEach((t) => t.stop());
			this.#stream = null;
			this.#followPolicy();
			this.#hangUp();
			return;
		}
		if (!this.#ahead) return;
		for (const peer of this.#options.peers.peers) {
			if (this.#goesTo(peer) && !this.callTo(peer.peerId)) this.#callWith(peer);
		}
	}

	#hangUp() {
		const calls = [...this.#calls.values()];
		this.#calls.clear();
		for (const call of calls) call.close();
		for (const remote of [...this.#early.keys()]) this.dropEarly(remote);
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

	/** The session ended: every track stops, every call closes, the placeholder is freed. */
	close() {
		this.#closed = true;
		const placeholder = this.#placeholder;
		this.#placeholder = null;
		if (placeholder) {
			if (this.kind.releasePlaceholder) this.kind.releasePlaceholder(placeholder);
			else placeholder.getTracks().forEach((t) => t.stop());
		}
		this.#stream?.getTracks().forEach((t) => t.stop());
		this.#stream = null;
		this.#hangUp();
		if (this.#encodingTimer) clearInterval(this.#encodingTimer);
		this.#encodingTimer = null;
	}
}
