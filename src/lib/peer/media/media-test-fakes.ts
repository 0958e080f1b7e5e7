/** In-memory stand-ins for media calls and streams (Node has no WebRTC): tests only. */
import { Emitter } from '$lib/session/emitter';
import type { MediaTrackKind } from '../peer-link';
import type { CallLink, OutgoingCall } from './media-sender';

export class FakeTrack {
	stopped = false;
	constructor(readonly kind: MediaTrackKind) {}
	stop() {
		this.stopped = true;
	}
}

export function fakeStream(...kinds: MediaTrackKind[]): MediaStream {
	const tracks = kinds.map((kind) => new FakeTrack(kind));
	return { getTracks: () => tracks } as unknown as MediaStream;
}

export class FakeCall implements OutgoingCall {
	closed = false;
	readonly peerConnection = null;
	/** Every track swapped in, in order (null: the sender went blank). */
	readonly swaps: (MediaStreamTrack | null)[] = [];
	readonly modes: string[] = [];
	readonly #events = new Emitter<{ close: [] }>();

	constructor(
		readonly remote: string,
		readonly stream: MediaStream,
		readonly metadata: unknown
	) {}

	onClose(handler: () => void) {
		return this.#events.on('close', handler);
	}
	close() {
		if (this.closed) return;
		this.closed = true;
		this.#events.emit('close');
	}
	async replaceTrack(_kind: MediaTrackKind, track: MediaStreamTrack | null) {
		this.swaps.push(track);
		return true;
	}
	async applyScreenMode(mode: string) {
		this.modes.push(mode);
		return true;
	}
	async settled() {}
}

/** A link that records every call placed. */
export function fakeCallLink(): CallLink & { calls: FakeCall[] } {
	const calls: FakeCall[] = [];
	return {
		calls,
		call(remote, stream, metadata) {
			const call = new FakeCall(remote, stream, metadata);
			calls.push(call);
			return call;
		}
	};
}
