/**
 * An in-memory BinaryChannel pair for tests. It behaves like a reliable, ordered data channel:
 * messages over `maxMessageSize` throw, a full send queue throws, and `bufferedAmount` drains
 * asynchronously at `bytesPerMs`, so senders really meet backpressure.
 */
import { Emitter } from './emitter';
import type { BinaryChannel } from './transport';

export interface BinaryChannelPairOptions {
	/** Largest message either side accepts (default 262,144, like Chromium). */
	maxMessageSize?: number;
	/** Drain rate of each direction (default 64 KiB per millisecond, about 64 MB/s). */
	bytesPerMs?: number;
	/** Queue size at which `send` throws, as a real channel does around 16 MiB. */
	maxQueuedBytes?: number;
}

type Frame = ArrayBuffer | string;
/** Rewrites or drops (null) a frame on its way out: lets tests play a tampering network. */
export type FrameTamperer = (data: Frame) => Frame | null;

const DEFAULT_MAX_MESSAGE_SIZE = 262_144;
const DEFAULT_BYTES_PER_MS = 64 * 1024;
const DEFAULT_MAX_QUEUED_BYTES = 16 * 1024 * 1024;

const utf8 = new TextEncoder();

function frameSize(data: Frame): number {
	return typeof data === 'string' ? utf8.encode(data).length : data.byteLength;
}

export class FakeBinaryChannel implements BinaryChannel {
	other: FakeBinaryChannel | null = null;
	readonly maxMessageSize: number;
	/** Counters for assertions: what this side sent, and the deepest its queue got. */
	readonly stats = { binaryFramesSent: 0, textFramesSent: 0, peakBufferedAmount: 0 };
	tamper: FrameTamperer | null = null;

	#open = true;
	#bufferedAmount = 0;
	#queue: Frame[] = [];
	#draining = false;
	#lastDrainAt = Date.now();
	#credit = 0;
	#waiters: Array<{ threshold: number; resolve: () => void }> = [];
	#events = new Emitter<{ message: [data: Frame]; close: [] }>();
	readonly #bytesPerMs: number;
	readonly #maxQueuedBytes: number;

	constructor(options: BinaryChannelPairOptions = {}) {
		this.maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
		this.#bytesPerMs = options.bytesPerMs ?? DEFAULT_BYTES_PER_MS;
		this.#maxQueuedBytes = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
	}

	get open(): boolean {
		return this.#open;
	}

	get bufferedAmount(): number {
		return this.#bufferedAmount;
	}

	send(data: ArrayBuffer | string): void {
		if (!this.#open) throw new DOMException('channel is closed', 'InvalidStateError');
		const size = frameSize(data);
		if (size > this.maxMessageSize) {
			throw new TypeError(`message of ${size} bytes exceeds maxMessageSize`);
		}
		if (this.#bufferedAmount + size > this.#maxQueuedBytes) {
			throw new DOMException('send queue is full', 'OperationError');
		}
		if (typeof data === 'string') this.stats.textFramesSent++;
		else this.stats.binaryFramesSent++;
		// Copied now, as a real channel does: the caller may reuse its buffer.
		this.#queue.push(typeof data === 'string' ? data : data.slice(0));
		this.#bufferedAmount += size;
		this.stats.peakBufferedAmount = Math.max(this.stats.peakBufferedAmount, this.#bufferedAmount);
		this.#scheduleDrain();
	}

	waitForBufferedAmountBelow(threshold: number): Promise<void> {
		if (!this.#open || this.#bufferedAmount <= threshold) return Promise.resolve();
		return new Promise((resolve) => this.#waiters.push({ threshold, resolve }));
	}

	onMessage(handler: (data: ArrayBuffer | string) => void): () => void {
		return this.#events.on('message', handler);
	}

	onClose(handler: () => void): () => void {
		return this.#events.on('close', handler);
	}

	/** Test hook: deliver anything at all to this side's handlers, as a hostile peer could. */
	injectRaw(data: unknown): void {
		this.#events.emit('message', data as Frame);
	}

	close(): void {
		if (!this.#open) return;
		this.#open = false;
		this.#queue = [];
		this.#bufferedAmount = 0;
		this.#releaseWaiters();
		this.#events.emit('close');
		const other = this.other;
		queueMicrotask(() => other?.close());
	}

	#scheduleDrain(delayMs = 0): void {
		if (this.#draining) return;
		this.#draining = true;
		setTimeout(() => void this.#drain(), delayMs);
	}

	/**
	 * Delivers what the link rate allows, one message per microtask turn. Credit carries over
	 * (a big message leaves a debt), so `bytesPerMs` is a real average rate.
	 */
	async #drain(): Promise<void> {
		const now = Date.now();
		const burst = Math.max(this.#bytesPerMs * 10, this.maxMessageSize);
		this.#credit = Math.min(
			burst,
			this.#credit + this.#bytesPerMs * Math.max(1, now - this.#lastDrainAt)
		);
		this.#lastDrainAt = now;
		while (this.#open && this.#queue.length > 0 && this.#credit > 0) {
			const data = this.#queue.shift() as Frame;
			const size = frameSize(data);
			this.#credit -= size;
			this.#bufferedAmount -= size;
			this.#releaseWaiters();
			const delivered = this.tamper ? this.tamper(data) : data;
			if (delivered !== null && this.other?.open) this.other.injectRaw(delivered);
			await Promise.resolve();
		}
		this.#draining = false;
		if (this.#open && this.#queue.length > 0) {
			this.#scheduleDrain(this.#credit > 0 ? 0 : Math.ceil(-this.#credit / this.#bytesPerMs));
		}
	}

	#releaseWaiters(): void {
		const ready = this.#waiters.filter((w) => !this.#open || this.#bufferedAmount <= w.threshold);
		this.#waiters = this.#waiters.filter((w) => !ready.includes(w));
		for (const waiter of ready) waiter.resolve();
	}
}

/** Two linked in-memory binary channels: what one sends, the other receives (asynchronously). */
export function createBinaryChannelPair(
	options: BinaryChannelPairOptions = {}
): [FakeBinaryChannel, FakeBinaryChannel] {
	const a = new FakeBinaryChannel(options);
	const b = new FakeBinaryChannel(options);
	a.other = b;
	b.other = a;
	return [a, b];
}
