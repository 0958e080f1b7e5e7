/** In-memory stand-ins for media calls and streams (Node has no WebRTC): tests only. */
import { Emitter } from '$lib/session/emitter';
import type { CallOptions, IncomingCall, MediaLink, MediaTrackKind } from '../peer-link';
import type { TrackEncoding } from './track-encoding';
import type { CallLink, OutgoingCall } from './media-sender';

export class FakeTrack {
	stopped = false;
	enabled = true;
	contentHint = '';
	readonly #events = new Emitter<{ ended: [] }>();

	constructor(
		readonly kind: MediaTrackKind,
		readonly settings: MediaTrackSettings = {}
	) {}

	get readyState(): MediaStreamTrackState {
		return this.stopped ? 'ended' : 'live';
	}
	getSettings(): MediaTrackSettings {
		return this.settings;
	}
	stop() {
		this.stopped = true;
	}
	addEventListener(type: 'ended', listener: () => void) {
		if (type === 'ended') this.#events.on('ended', listener);
	}
	/** The browser ended the capture (unplugged, permission revoked): fires 'ended'. */
	end() {
		this.stopped = true;
		this.#events.emit('ended');
	}
}

/** A stream of fake tracks, one of each kind given (or the tracks given). */
export function fakeStream(...kinds: (MediaTrackKind | FakeTrack)[]): MediaStream {
	const tracks = kinds.map((kind) => (kind instanceof FakeTrack ? kind : new FakeTrack(kind)));
	return {
		getTracks: () => tracks,
		getAudioTracks: () => tracks.filter((t) => t.kind === 'audio'),
		getVideoTracks: () => tracks.filter((t) => t.kind === 'video')
	} as unknown as MediaStream;
}

/** The first track of a fake stream, as the fake it is. */
export function fakeTrackOf(stream: MediaStream): FakeTrack {
	return stream.getTracks()[0] as unknown as FakeTrack;
}

export class FakeCall implements OutgoingCall {
	closed = false;
	readonly peerConnection = null;
	/** Every track swapped in, in order (null: the sender went blank). */
	readonly swaps: (MediaStreamTrack | null)[] = [];
	readonly modes: string[] = [];
	readonly encodings: TrackEncoding[] = [];
	readonly #events = new Emitter<{ close: []; stream: [MediaStream] }>();
	#stream: MediaStream | null = null;
	/** When the call connects (at once unless a test holds it); `settled` gives up as the real one. */
	whenSettled: Promise<void> = Promise.resolve();

	constructor(
		readonly remote: string,
		readonly stream: MediaStream,
		readonly metadata: unknown,
		readonly options: CallOptions = {}
	) {}

	get peer() {
		return this.remote;
	}
	onClose(handler: () => void) {
		return this.#events.on('close', handler);
	}
	onStream(handler: (stream: MediaStream) => void) {
		const off = this.#events.on('stream', handler);
		if (this.#stream) handler(this.#stream);
		return off;
	}
	/** The remote stream arrives (a call placed to us). */
	receive(stream: MediaStream) {
		this.#stream = stream;
		this.#events.emit('stream', stream);
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
	async applyEncoding(encoding: TrackEncoding) {
		this.encodings.push(encoding);
		return true;
	}
	settled(timeoutMs: number) {
		return Promise.race([
			this.whenSettled,
			new Promise<void>((resolve) => setTimeout(resolve, timeoutMs))
		]);
	}
}

/** A link that records every call placed. */
export function fakeCallLink(): CallLink & { calls: FakeCall[] } {
	const calls: FakeCall[] = [];
	return {
		calls,
		call(remote, stream, metadata, options) {
			const call = new FakeCall(remote, stream, metadata, options);
			calls.push(call);
			return call;
		}
	};
}

/** A call a peer places to us: records whether (and how) it was answered. */
export class FakeIncomingCall implements IncomingCall {
	answered: FakeCall | null = null;
	answerOptions: CallOptions | undefined;
	rejected = false;

	constructor(
		readonly peer: string,
		readonly metadata: unknown
	) {}

	answer(options?: CallOptions): MediaLink {
		this.answerOptions = options;
		this.answered = new FakeCall(this.peer, fakeStream(), this.metadata, options);
		return this.answered as unknown as MediaLink;
	}
	reject() {
		this.rejected = true;
	}
}
