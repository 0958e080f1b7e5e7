/**
 * What a kind of media call is (the customer's screen, an agent's screen; voice or a camera
 * next): who sends it, when it is allowed, whether its calls are placed ahead with a
 * placeholder, and how its track is encoded. The media calls are driven by these descriptions,
 * so a new kind is a new entry in the registry, not a new branch in the client.
 */
import type { Features, Role } from '$lib/session/protocol';
import type { MediaLink, MediaTrackKind } from '../peer-link';

/** The part of a media call a kind's encoding policy may touch. */
export type EncodedCall = Pick<MediaLink, 'applyScreenMode' | 'peerConnection'>;

export interface MediaKind {
	/** The call's `kind` in its metadata, on the wire. */
	readonly wire: string;
	/** The track the call carries (the one swapped in and out). */
	readonly track: MediaTrackKind;
	/** The roles that may send it; the calls go to the other role (our counterpart). */
	readonly sentBy: readonly Role[];
	/** Whether the session's settings allow it (checked on each incoming call, and on a change). */
	allowed(features: Features): boolean;
	/**
	 * A stream that sends nothing, for kinds whose calls are placed ahead: as soon as a peer is
	 * dialed, so starting only swaps the real track in (no ICE/DTLS setup after the click) and
	 * nothing leaves the machine before it. Kinds without one are called only while sending.
	 */
	placeholder?(): MediaStream | null;
	/** Sets how the sent track is encoded for one peer: when the track goes in, and on request. */
	encode?(call: EncodedCall, peerId: string): Promise<unknown>;
	/** Encodes again every `everyMs` while sending, for the peers `applies` picks. */
	readonly reencode?: { everyMs: number; applies(peerId: string): boolean };
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

	/** Whether we take a call of kind `wire` from a peer in role `from`, under `features`. */
	accepts(wire: unknown, from: Role, features: Features): MediaKind | null {
		const kind = this.byWire(wire);
		return kind && kind.sentBy.includes(from) && kind.allowed(features) ? kind : null;
	}
}
