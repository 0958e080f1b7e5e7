/**
 * One file-transfer channel per verified counterpart (files never share the chat channel):
 * opened by the side that opened the control channel, after the media call has settled;
 * accepted from a peer only while the session allows files; closed when the peer goes.
 */
import { Emitter } from '$lib/session/emitter';
import { FileTransfers } from '$lib/session/files';
import type { Features } from '$lib/session/protocol';
import type { BinaryChannel } from '$lib/session/transport';
import type { PeerDirectory } from './peer-directory';
import { hashInWorker } from './sha256-worker';

/** The file channel waits this long at most for the media call to connect first… */
const MEDIA_FIRST_MS = 2_000;
/** …and this long after it. */
const FILES_AFTER_MEDIA_MS = 1_000;

/** What we need of the signaling link: opening a file channel. */
export interface FilesLink {
	connectFiles(remote: string, metadata: unknown): Promise<BinaryChannel>;
}

/** A file channel a peer opened to us (its ticket already admitted), not yet accepted. */
export interface IncomingFiles {
	readonly peer: string;
	acceptFiles(): Promise<BinaryChannel>;
	reject(): void;
}

export interface FileChannelsOptions {
	selfId: string;
	peers: PeerDirectory;
	ticket(): string;
	features(): Features;
	/** The open media call with a peer, if any: the file channel lets it connect first. */
	mediaCall(peerId: string): { settled(timeoutMs: number): Promise<void> } | null;
}

export interface FileChannelsEvents {
	/** A peer's file channel opened (transfers) or went (null). */
	files: [peerId: string, transfers: FileTransfers | null];
	change: [];
}

export class FileChannels {
	readonly events = new Emitter<FileChannelsEvents>();
	readonly #options: FileChannelsOptions;
	#link: FilesLink | null = null;
	#files = new Map<string, FileTransfers>();

	constructor(options: FileChannelsOptions) {
		this.#options = options;
		options.peers.events.on('adopted', (peer) => {
			if (peer.initiator === options.selfId) void this.#open(peer.peerId);
		});
		options.peers.events.on('removed', (peer) => this.#set(peer.peerId, null));
	}

	useLink(link: FilesLink) {
		this.#link = link;
	}

	/** The file transfers with a peer, once its file channel is open. */
	with(peerId: string): FileTransfers | null {
		return this.#files.get(peerId) ?? null;
	}

	/** Calls `handler` for every open channel now, then on each change; returns the unsubscribe. */
	subscribe(handler: (peerId: string, transfers: FileTransfers | null) => void) {
		const off = this.events.on('files', handler);
		for (const [peerId, transfers] of this.#files) handler(peerId, transfers);
		return off;
	}

	#set(peerId: string, transfers: FileTransfers | null) {
		const previous = this.#files.get(peerId);
		if (previous && previous !== transfers) previous.close();
		if (transfers) this.#files.set(peerId, transfers);
		else this.#files.delete(peerId);
		this.events.emit('files', peerId, transfers);
		this.events.emit('change');
	}

	#isCounterpart(peerId: string) {
		return this.#options.peers.get(peerId)?.claims.role === this.#options.peers.counterpartRole;
	}

	/**
	 * Opens the file channel to a verified peer. The media call to that peer goes first: two
	 * connections negotiating at once, while the customer's screen capture starts, each take
	 * longer, and the screen is what the agent waits for. The call is waited for until connected
	 * (or given up on: at most 2 s), and a moment more: the customer's first frame (capture
	 * start, first keyframe) comes then.
	 */
	async #open(remote: string) {
		const { peers } = this.#options;
		if (!this.#link || !this.#options.features().fileTransfer) return;
		if (!this.#isCounterpart(remote)) return;
		const call = this.#options.mediaCall(remote);
		if (call) {
			await call.settled(MEDIA_FIRST_MS);
			await new Promise((resolve) => setTimeout(resolve, FILES_AFTER_MEDIA_MS));
		}
		if (!this.#link || !peers.has(remote)) return;
		try {
			const channel = await this.#link.connectFiles(remote, { ticket: this.#options.ticket() });
			if (!peers.has(remote)) {
				channel.close();
				return;
			}
			this.#attach(remote, channel);
		} catch {
			// No file channel (refused, or the peer left): chat and screen go on without it.
		}
	}

	/** A file channel a peer opened: only from a counterpart, and only if the session allows files. */
	async accept(incoming: IncomingFiles) {
		if (!this.#options.features().fileTransfer || !this.#isCounterpart(incoming.peer)) {
			incoming.reject();
			return;
		}
		try {
			this.#attach(incoming.peer, await incoming.acceptFiles());
		} catch {
			// The channel never opened: nothing to clean up.
		}
	}

	#attach(remote: string, channel: BinaryChannel) {
		// Both sides hash every file byte: in a Worker, off the thread that moves them. It starts
		// with the first file channel, not with the page, so it does not slow the join down.
		void hashInWorker();
		const transfers = new FileTransfers({
			channel,
			features: this.#options.features(),
			peerName: this.#options.peers.get(remote)?.claims.name ?? 'the other side'
		});
		channel.onClose(() => {
			if (this.#files.get(remote) === transfers) this.#set(remote, null);
		});
		this.#set(remote, transfers);
	}

	/** Files became allowed (each control channel's opener opens its file channel) or denied. */
	allow(allowed: boolean) {
		if (!allowed) {
			for (const [peerId, transfers] of [...this.#files]) {
				transfers.close();
				this.#set(peerId, null);
			}
			return;
		}
		for (const peer of this.#options.peers.peers) {
			if (peer.initiator === this.#options.selfId) void this.#open(peer.peerId);
		}
	}

	/** The session ended: every file channel closes. */
	close() {
		for (const peerId of [...this.#files.keys()]) this.#set(peerId, null);
	}
}
