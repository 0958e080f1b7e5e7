/**
 * The only things the peer-to-peer core knows about the network. The PeerJS adapter
 * (`src/lib/peer/`) implements these over real data connections; tests use the in-memory
 * pairs below. No PeerJS, no DOM, no runes in this folder.
 */
import { Emitter } from './emitter';

/** A reliable, ordered channel carrying small JSON control messages (chat, screen state, end). */
export interface MessageChannel {
	readonly open: boolean;
	send(message: unknown): void;
	onMessage(handler: (data: unknown) => void): () => void;
	onClose(handler: () => void): () => void;
	close(): void;
}

/** A reliable, ordered channel carrying binary frames (file transfer), with backpressure. */
export interface BinaryChannel {
	readonly open: boolean;
	/** Largest message the channel accepts, in bytes. */
	readonly maxMessageSize: number;
	/** Bytes queued and not yet sent. */
	readonly bufferedAmount: number;
	/** Copies `data` before returning, as RTCDataChannel does: the caller may reuse its buffer. */
	send(data: ArrayBuffer | string): void;
	/** Resolves once `bufferedAmount` has fallen to `threshold` or below (or the channel closed). */
	waitForBufferedAmountBelow(threshold: number): Promise<void>;
	onMessage(handler: (data: ArrayBuffer | string) => void): () => void;
	onClose(handler: () => void): () => void;
	close(): void;
}

interface ChannelEvents {
	message: [data: unknown];
	close: [];
}

class FakeMessageChannel implements MessageChannel {
	other: FakeMessageChannel | null = null;
	#open = true;
	#events = new Emitter<ChannelEvents>();

	get open() {
		return this.#open;
	}

	send(message: unknown): void {
		if (!this.#open) throw new Error('channel is closed');
		// A JSON round trip, as on the wire: no shared object references between peers.
		const wire = JSON.stringify(message);
		const target = this.other;
		queueMicrotask(() => {
			if (target && target.#open) target.#events.emit('message', JSON.parse(wire));
		});
	}

	/** Test hook: deliver anything at all, as a hostile peer could. */
	injectRaw(data: unknown): void {
		this.#events.emit('message', data);
	}

	onMessage(handler: (data: unknown) => void) {
		return this.#events.on('message', handler);
	}

	onClose(handler: () => void) {
		return this.#events.on('close', handler);
	}

	close(): void {
		if (!this.#open) return;
		this.#open = false;
		this.#events.emit('close');
		const other = this.other;
		queueMicrotask(() => other?.close());
	}
}

/** Two linked in-memory message channels: what one sends, the other receives (asynchronously). */
export function createMessageChannelPair(): [FakeMessageChannel, FakeMessageChannel] {
	const a = new FakeMessageChannel();
	const b = new FakeMessageChannel();
	a.other = b;
	b.other = a;
	return [a, b];
}

export type { FakeMessageChannel };
