/**
 * What a kind of media call is (the customer's screen, an agent's screen, voice, the customer's
 * camera): who sends it to whom, when it is allowed, whether and when its calls are placed
 * ahead with a placeholder, and how its track is encoded. The media calls are driven by these descriptions,
 * so a new kind is a new entry in the registry, not a new branch in the client.
 */
import type { Features, Role } from '$lib/session/protocol';
import type { MediaLink, MediaTrackKind } from '../peer-link';

/** The part of a media call a kind's encoding policy may touch. */
export type EncodedCall = Pick<MediaLink, 'applyScreenMode' | 'applyEncoding' | 'peerConnection'>;

/**
 * When a kind's calls are placed ahead: 'dial' together with the control channel, before the
 * peer's ticket is checked (the customer's screen: what the agent waits for on joining);
 * 'after-join' once the peer is adopted and the join's own calls have connected, so they never
 * compete with the screen and the file channel on the join's critical path.
 */
export type PlacedAhead = 'dial' | 'after-join';

export interface MediaKind {
	/** The call's `kind` in its metadata, on the wire. */
	readonly wire: string;
	/** The track the call carries (the one swapped in and out). */
	readonly track: MediaTrackKind;
	/** The roles that may send it. */
	readonly sentBy: readonly Role[];
	/**
	 * The roles its calls go to; the sender's counterpart when not given (a screen). Voice goes
	 * to both: agents hear the customer and each other.
	 */
	readonly sendsTo?: readonly Role[];
	/** Whether the session's settings allow it (checked on each incoming call, and on a change). */
	allowed(features: Features): boolean;
	/**
	 * A stream that sends nothing, for kinds whose calls are placed ahead: as soon as a peer is
	 * dialed, so starting only swaps the real track in (no ICE/DTLS setup after the click) and
	 * nothing leaves the machine before it. Kinds without one are called only while sending.
	 */
	placeholder?(): MediaStream | null;
	/** Frees what a placeholder holds beyond its tracks (an AudioContext), once it is done. */
	releasePlaceholder?(stream: MediaStream): void;
	/** When the calls are placed ahead (kinds with a placeholder); 'dial' when not given. */
	readonly ahead?: PlacedAhead;
	/** Rewrites the SDP of its calls, the offer we send and the answer we give (Opus FEC). */
	sdp?(sdp: string): string;
	/** Sets how the sent track is encoded for one peer: when the track goes in, and on request. */
	encode?(call: EncodedCall, peerId: string): Promise<unknown>;
	/** Encodes again every `everyMs` while sending, for the peers `applies` picks. */
	readonly reencode?: { everyMs: number; applies(peerId: string): boolean };
}

function counterpart(role: Role): Role {
	return role === 'customer' ? 'agent' : 'customer';
}

/**
 * Whether a kind's calls go from a peer in role `from` to one in role `to`: the sender's role
 * sends it, and the receiver's role is one it goes to (our counterpart unless the kind says).
 * A session has one customer, so only agents call their own role (in a multi-agent session).
 */
export function carries(kind: MediaKind, from: Role, to: Role): boolean {
	if (!kind.sentBy.includes(from)) return false;
	if (from === to && from === 'customer') return false;
	return (kind.sendsTo ?? [counterpart(from)]).includes(to);
}

/** The kinds this client knows, by wire name. */
export class MediaKinds {
	readonly #kinds = new Map<string, MediaKind>();

	constructor(kinds: Iterable<MediaKind> = []) {
		for (const kind of kinds) this.register(kind);
	}

	register(kind: MediaKind): this {
		if (this.#kinds.has(kind.wire)) throw new Error(`media kind '${kind.wire}' registered twice`);
		this.#kinds.set(kind.wire, kind);
		return this;
	}

	/** The kind a call's metadata names, if we know it (anything a peer sends is checked here). */
	byWire(wire: unknown): MediaKind | null {
		return typeof wire === 'string' ? (this.#kinds.get(wire) ?? null) : null;
	}

	/** The kinds a peer in `role` sends. */
	sentBy(role: Role): MediaKind[] {
		return [...this.#kinds.values()].filter((kind) => kind.sentBy.includes(role));
	}

	/**
	 * Whether we, in role `to`, take a call of kind `wire` from a peer in role `from`, under
	 * `features`.
	 */
	accepts(wire: unknown, from: Role, to: Role, features: Features): MediaKind | null {
		const kind = this.byWire(wire);
		return kind && carries(kind, from, to) && kind.allowed(features) ? kind : null;
	}
}
