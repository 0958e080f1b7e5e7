/**
 * The one module that imports `peerjs`. It turns PeerJS connections into the core's
 * MessageChannel / BinaryChannel, with none of PeerJS's public-cloud defaults: our host, port,
 * path, key and ICE servers only. The import is static, so the session pages fetch and evaluate
 * PeerJS (which builds a test RTCPeerConnection as it loads) while their data is on its way,
 * not after the first render; the join page never imports this module.
 */
import { Peer, type DataConnection, type MediaConnection } from 'peerjs';
import { Emitter } from '$lib/session/emitter';
import type { BinaryChannel, MessageChannel } from '$lib/session/transport';
import { applyTrackEncoding, type TrackEncoding } from './media/track-encoding';
import { applyScreenMode, measuredOutgoingBitrate, type ScreenMode } from './screen-quality';

export const SIGNALING_PATH = '/peerjs';
export const SIGNALING_KEY = 'ponte';
/** Largest binary frame we send, whatever the channel allows (PeerJS/Chromium limit: 256 KiB). */
const MAX_FRAME = 256 * 1024;

export interface PeerLinkOptions {
	peerId: string;
	ticket: string;
	iceServers: RTCIceServer[];
	iceTransportPolicy?: RTCIceTransportPolicy;
}

/** A media track's kind, as `MediaStreamTrack.kind` names it. */
export type MediaTrackKind = 'audio' | 'video';

export type SignalingState = 'connecting' | 'online' | 'offline' | 'closed';

export interface IncomingData {
	peer: string;
	label: string;
	metadata: unknown;
	/** Resolves once the channel is open (an incoming channel cannot carry data before). */
	acceptControl(): Promise<MessageChannel>;
	acceptFiles(): Promise<BinaryChannel>;
	reject(): void;
}

/** How a media call is negotiated, beyond its stream. */
export interface CallOptions {
	/** Rewrites our side's SDP (the offer we send, the answer we give) before it is set. */
	sdpTransform?: (sdp: string) => string;
}

export interface IncomingCall {
	peer: string;
	metadata: unknown;
	answer(options?: CallOptions): MediaLink;
	reject(): void;
}

type Listener<T> = (value: T) => void;

/** Buffers what arrives before the application takes the connection (after verifying it). */
function bufferData(connection: DataConnection) {
	const buffered: unknown[] = [];
	let deliver: Listener<unknown> | null = null;
	connection.on('data', (data) => (deliver ? deliver(data) : buffered.push(data)));
	return (handler: Listener<unknown>) => {
		deliver = handler;
		for (const data of buffered.splice(0)) handler(data);
	};
}

function whenOpen(connection: DataConnection, timeoutMs = 20_000): Promise<void> {
	if (connection.open) return Promise.resolve();
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			connection.close();
			reject(new Error('connection timed out'));
		}, timeoutMs);
		connection.once('open', () => {
			clearTimeout(timer);
			resolve();
		});
		connection.once('close', () => {
			clearTimeout(timer);
			reject(new Error('connection closed'));
		});
		connection.once('error', (error) => {
			clearTimeout(timer);
			reject(error);
		});
	});
}

/** A control channel that also names its RTCPeerConnection (for connection stats, safety code). */
export interface PeerMessageChannel extends MessageChannel {
	readonly peerConnection: RTCPeerConnection | null;
}

function messageChannel(
	connection: DataConnection,
	subscribe: ReturnType<typeof bufferData>
): PeerMessageChannel {
	const events = new Emitter<{ message: [data: unknown]; close: [] }>();
	// What arrives while nobody listens (between the ticket check and the session taking the
	// channel) is kept and handed to the listeners added next, never dropped.
	const unheard: unknown[] = [];
	subscribe((data) => {
		if (events.listenerCount('message') === 0) unheard.push(data);
		else events.emit('message', data);
	});
	let closed = false;
	const onClose = () => {
		if (closed) return;
		closed = true;
		events.emit('close');
	};
	connection.on('close', onClose);
	connection.on('error', onClose);
	connection.peerConnection?.addEventListener('connectionstatechange', () => {
		if (connection.peerConnection?.connectionState === 'failed') onClose();
	});
	return {
		get open() {
			return connection.open && !closed;
		},
		get peerConnection() {
			return connection.peerConnection ?? null;
		},
		send(message) {
			void connection.send(message);
		},
		onMessage(handler) {
			const off = events.on('message', handler);
			if (unheard.length > 0) {
				// On a microtask, so every listener added in the same turn hears them.
				queueMicrotask(() => {
					for (const data of unheard.splice(0)) events.emit('message', data);
				});
			}
			return off;
		},
		onClose: (handler) => events.on('close', handler),
		close() {
			connection.close();
			onClose();
		}
	};
}

function binaryChannel(
	connection: DataConnection,
	subscribe: ReturnType<typeof bufferData>
): BinaryChannel {
	const events = new Emitter<{ message: [data: ArrayBuffer | string]; close: [] }>();
	subscribe((data) => {
		const frame =
			typeof data === 'string' || data instanceof ArrayBuffer
				? data
				: ArrayBuffer.isView(data)
					? (data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer)
					: null;
		if (frame !== null) events.emit('message', frame);
	});
	let closed = false;
	const onClose = () => {
		if (closed) return;
		closed = true;
		events.emit('close');
	};
	connection.on('close', onClose);
	connection.on('error', onClose);
	return {
		get open() {
			return connection.open && !closed;
		},
		get maxMessageSize() {
			const max = connection.peerConnection?.sctp?.maxMessageSize ?? 65_536;
			return Math.min(max || 65_536, MAX_FRAME);
		},
		get bufferedAmount() {
			return connection.dataChannel?.bufferedAmount ?? 0;
		},
		send(data) {
			// Straight onto the data channel: PeerJS's own queue would hide the backpressure.
			const channel = connection.dataChannel;
			if (!channel || channel.readyState !== 'open') throw new Error('channel is closed');
			if (typeof data === 'string') channel.send(data);
			else channel.send(data);
		},
		waitForBufferedAmountBelow(threshold) {
			const channel = connection.dataChannel;
			if (!channel || channel.readyState !== 'open' || channel.bufferedAmount <= threshold) {
				return Promise.resolve();
			}
			return new Promise((resolve) => {
				channel.bufferedAmountLowThreshold = threshold;
				const done = () => {
					channel.removeEventListener('bufferedamountlow', done);
					channel.removeEventListener('close', done);
					resolve();
				};
				channel.addEventListener('bufferedamountlow', done);
				channel.addEventListener('close', done);
			});
		},
		onMessage: (handler) => events.on('message', handler),
		onClose: (handler) => events.on('close', handler),
		close() {
			connection.close();
			onClose();
		}
	};
}

/** One media call (a stream one way, e.g. a screen), whose track can be swapped in place. */
export class MediaLink {
	readonly #call: MediaConnection;
	#events = new Emitter<{ stream: [stream: MediaStream]; close: [] }>();
	#stream: MediaStream | null = null;
	#closed = false;

	constructor(call: MediaConnection) {
		this.#call = call;
		call.on('stream', (stream) => {
			this.#stream = stream;
			this.#events.emit('stream', stream);
		});
		const onClose = () => {
			if (this.#closed) return;
			this.#closed = true;
			this.#events.emit('close');
		};
		call.on('close', onClose);
		call.on('error', onClose);
	}

	get peer() {
		return this.#call.peer;
	}

	get peerConnection(): RTCPeerConnection | null {
		return this.#call.peerConnection ?? null;
	}

	get closed() {
		return this.#closed;
	}

	/**
	 * Resolves when the call's connection is up, or as soon as it cannot be (closed, failed) or
	 * `timeoutMs` have passed: callers wait on it, they do not learn the outcome from it.
	 */
	settled(timeoutMs: number): Promise<void> {
		const pc = this.#call.peerConnection;
		if (!pc || this.#closed) return Promise.resolve();
		return new Promise((resolve) => {
			const done = () => {
				clearTimeout(timer);
				pc.removeEventListener('connectionstatechange', check);
				offClose();
				resolve();
			};
			const check = () => {
				if (['connected', 'failed', 'closed'].includes(pc.connectionState)) done();
			};
			const timer = setTimeout(done, timeoutMs);
			const offClose = this.onClose(done);
			pc.addEventListener('connectionstatechange', check);
			check();
		});
	}

	onStream(handler: Listener<MediaStream>) {
		const off = this.#events.on('stream', handler);
		if (this.#stream) handler(this.#stream);
		return off;
	}

	onClose(handler: () => void) {
		return this.#events.on('close', handler);
	}

	/** Swaps the outgoing `kind` track on the existing connection: no renegotiation. */
	async replaceTrack(kind: MediaTrackKind, track: MediaStreamTrack | null): Promise<boolean> {
		const pc = this.#call.peerConnection;
		if (!pc) return false;
		const transceiver = pc
			.getTransceivers()
			.find((t) => t.sender.track?.kind === kind || t.receiver.track?.kind === kind);
		if (!transceiver) return false;
		await transceiver.sender.replaceTrack(track);
		return true;
	}

	/**
	 * Encodes the outgoing video for this peer in `mode` (content hint, degradation preference,
	 * bitrate for the captured size and the measured path); no renegotiation. False when there is
	 * nothing to set yet (no connection or no track) or the browser refused.
	 */
	async applyScreenMode(mode: ScreenMode): Promise<boolean> {
		const pc = this.#call.peerConnection;
		const sender = pc?.getSenders().find((s) => s.track?.kind === 'video');
		if (!pc || !sender) return false;
		try {
			// Only Smooth motion scales with the path; Sharp text needs no stats.
			const availableBitrate =
				mode === 'smooth' ? await measuredOutgoingBitrate(pc).catch(() => null) : null;
			await applyScreenMode(sender, mode, { availableBitrate });
			return true;
		} catch {
			return false;
		}
	}

	/**
	 * Sets the outgoing `kind` track's encoding limits (bitrate, frame rate, degradation
	 * preference, scale); no renegotiation. False when there is nothing to set yet (no
	 * connection or no such track) or the browser refused.
	 */
	async applyEncoding(encoding: TrackEncoding, kind: MediaTrackKind = 'video'): Promise<boolean> {
		const sender = this.#call.peerConnection?.getSenders().find((s) => s.track?.kind === kind);
		if (!sender) return false;
		try {
			await applyTrackEncoding(sender, encoding);
			return true;
		} catch {
			return false;
		}
	}

	close() {
		this.#call.close();
	}
}

/** PeerJS's options for a call or an answer, with only what is set. */
function peerCallOptions(options: CallOptions) {
	return options.sdpTransform ? { sdpTransform: options.sdpTransform } : {};
}

export class PeerLink {
	readonly #peer: Peer;
	readonly peerId: string;
	#events = new Emitter<{
		data: [incoming: IncomingData];
		call: [incoming: IncomingCall];
		state: [state: SignalingState];
	}>();
	#state: SignalingState = 'connecting';
	#options: PeerLinkOptions;

	private constructor(peer: Peer, options: PeerLinkOptions) {
		this.#peer = peer;
		this.#options = options;
		this.peerId = options.peerId;
		peer.on('connection', (connection) => {
			const subscribe = bufferData(connection);
			const incoming: IncomingData = {
				peer: connection.peer,
				label: connection.label,
				metadata: connection.metadata,
				acceptControl: async () => {
					await whenOpen(connection);
					return messageChannel(connection, subscribe);
				},
				acceptFiles: async () => {
					await whenOpen(connection);
					return binaryChannel(connection, subscribe);
				},
				reject: () => connection.close()
			};
			this.#events.emit('data', incoming);
		});
		peer.on('call', (call) => {
			const incoming: IncomingCall = {
				peer: call.peer,
				metadata: call.metadata,
				answer: (options = {}) => {
					const link = new MediaLink(call);
					call.answer(undefined, peerCallOptions(options));
					return link;
				},
				reject: () => call.close()
			};
			this.#events.emit('call', incoming);
		});
		peer.on('open', () => this.#setState('online'));
		peer.on('disconnected', () => this.#setState('offline'));
		peer.on('close', () => this.#setState('closed'));
	}

	/** Connects to our signaling server and registers `peerId` with its ticket. */
	static async open(options: PeerLinkOptions): Promise<PeerLink> {
		const secure = location.protocol === 'https:';
		const peer = new Peer(options.peerId, {
			host: location.hostname,
			port: Number(location.port) || (secure ? 443 : 80),
			path: SIGNALING_PATH,
			secure,
			key: SIGNALING_KEY,
			token: options.ticket,
			debug: 0,
			config: {
				iceServers: options.iceServers,
				...(options.iceTransportPolicy ? { iceTransportPolicy: options.iceTransportPolicy } : {})
			}
		});
		const link = new PeerLink(peer, options);
		await new Promise<void>((resolve, reject) => {
			const timer = setTimeout(
				() =>
					reject(Object.assign(new Error('signaling server did not answer'), { type: 'timeout' })),
				15_000
			);
			peer.once('open', () => {
				clearTimeout(timer);
				resolve();
			});
			peer.once('error', (error) => {
				clearTimeout(timer);
				reject(error);
			});
		});
		return link;
	}

	get state() {
		return this.#state;
	}

	get ticket() {
		return this.#options.ticket;
	}

	#setState(state: SignalingState) {
		this.#state = state;
		this.#events.emit('state', state);
	}

	onState(handler: Listener<SignalingState>) {
		return this.#events.on('state', handler);
	}

	onData(handler: Listener<IncomingData>) {
		return this.#events.on('data', handler);
	}

	onCall(handler: Listener<IncomingCall>) {
		return this.#events.on('call', handler);
	}

	onError(handler: Listener<Error & { type?: string }>) {
		this.#peer.on('error', handler);
		return () => this.#peer.off('error', handler);
	}

	/** Waits for an outgoing connection to open; fails fast when signaling says the peer is absent. */
	async #opened(connection: DataConnection, remote: string): Promise<void> {
		let offUnavailable = () => {};
		const unavailable = new Promise<never>((_, reject) => {
			const onError = (error: Error & { type?: string }) => {
				if (error.type === 'peer-unavailable' && error.message.includes(remote)) {
					connection.close();
					reject(new Error('peer unavailable'));
				}
			};
			this.#peer.on('error', onError);
			offUnavailable = () => this.#peer.off('error', onError);
		});
		try {
			await Promise.race([whenOpen(connection, 15_000), unavailable]);
		} finally {
			offUnavailable();
		}
	}

	async connectControl(remote: string, metadata: unknown): Promise<MessageChannel> {
		const connection = this.#peer.connect(remote, {
			label: 'control',
			serialization: 'json',
			reliable: true,
			metadata
		});
		const subscribe = bufferData(connection);
		await this.#opened(connection, remote);
		return messageChannel(connection, subscribe);
	}

	async connectFiles(remote: string, metadata: unknown): Promise<BinaryChannel> {
		const connection = this.#peer.connect(remote, {
			label: 'files',
			serialization: 'raw',
			reliable: true,
			metadata
		});
		const subscribe = bufferData(connection);
		await this.#opened(connection, remote);
		return binaryChannel(connection, subscribe);
	}

	call(
		remote: string,
		stream: MediaStream,
		metadata: unknown,
		options: CallOptions = {}
	): MediaLink {
		return new MediaLink(
			this.#peer.call(remote, stream, { metadata, ...peerCallOptions(options) })
		);
	}

	/** Re-registers with signaling after a drop, with a fresh ticket when the old one aged. */
	reconnect(ticket?: string) {
		if (ticket) {
			this.#options.ticket = ticket;
			(this.#peer as unknown as { _options: { token: string } })._options.token = ticket;
		}
		if (this.#peer.disconnected && !this.#peer.destroyed) {
			this.#setState('connecting');
			this.#peer.reconnect();
		}
	}

	destroy() {
		this.#peer.destroy();
	}
}
