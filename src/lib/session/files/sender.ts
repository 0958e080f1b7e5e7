/**
 * The outgoing pipeline: accepted files are streamed one at a time, each block read while the
 * previous one is framed and sent, within the receive window and the channel's buffer, and
 * hashed as it goes; `done` announces the hash, `verified` from the receiver completes it.
 */
import { BufferPool } from '../buffer-pool';
import { createDataFrame, setDataFrameIndex, type ControlFrame } from '../file-framing';
import { createSha256Stream } from '../sha256-stream';
import { blockReader, type BlockRead, type BlockReader } from './block-reader';
import {
	BUFFERED_HIGH_WATER,
	BUFFERED_LOW_WATER,
	RECEIVE_WINDOW_BYTES,
	YIELD_EVERY_BYTES,
	payloadBytesPerFrame,
	yieldToEventLoop
} from './flow-control';
import type { DeclineReason, OutgoingTransfer, TransferHost } from './types';

/** The sender reads this much at a time, the next block while the last one is sent. */
export const READ_BLOCK_BYTES = 4 * 1024 * 1024;
/**
 * Blocks a sender has at most: one being read, one being sent, the others being hashed. When
 * the hash falls behind, reading waits for it, so memory stays bounded.
 */
const SEND_POOL_BUFFERS = 4;
const DECLINE_REASONS: ReadonlySet<string> = new Set<DeclineReason>([
	'declined',
	'not-allowed',
	'too-large',
	'busy'
]);

export class FileSender {
	readonly #host: TransferHost;
	readonly #chunkSize: number | undefined;
	#sendQueue: OutgoingTransfer[] = [];
	#pumping = false;
	#bytesSinceYield = 0;

	constructor(host: TransferHost, chunkSize: number | undefined) {
		this.#host = host;
		this.#chunkSize = chunkSize;
	}

	/** The channel is gone: nothing more is sent. */
	clear(): void {
		this.#sendQueue = [];
	}

	onControl(t: OutgoingTransfer, frame: ControlFrame): void {
		switch (frame.kind) {
			case 'accept':
				if (t.state !== 'offered') return;
				t.state = 'sending';
				this.#sendQueue.push(t);
				this.#host.changed();
				void this.#pump();
				return;
			case 'decline':
				if (t.state !== 'offered') return;
				this.#host.finish(
					t,
					'declined',
					frame.reason && DECLINE_REASONS.has(frame.reason)
						? (frame.reason as DeclineReason)
						: 'declined'
				);
				return;
			case 'ack':
				// Acks that go backwards or claim unsent bytes are ignored, never trusted.
				if (t.state !== 'sending' && t.state !== 'verifying') return;
				if (frame.bytes <= t.ackedBytes || frame.bytes > t.sentBytes) return;
				t.ackedBytes = frame.bytes;
				if (t.announcedSha256 !== null && t.ackedBytes === t.size) t.state = 'verifying';
				this.#host.progress(t, frame.bytes);
				t.wake?.();
				return;
			case 'verified':
				if (t.announcedSha256 === null) return;
				t.sha256 = t.announcedSha256;
				t.bytesDone = t.size;
				this.#host.finish(t, 'done', null);
				return;
		}
	}

	/** Streams accepted files one at a time, each until the receiver has verified it. */
	async #pump(): Promise<void> {
		if (this.#pumping) return;
		this.#pumping = true;
		try {
			for (let next = this.#sendQueue.shift(); next; next = this.#sendQueue.shift()) {
				if (next.state !== 'sending') continue;
				await this.#streamFile(next);
				await next.settled;
			}
		} finally {
			this.#pumping = false;
		}
	}

	async #streamFile(t: OutgoingTransfer): Promise<void> {
		this.#host.markActive(t);
		this.#host.ensureIdleTimer();
		let reader: BlockReader;
		try {
			reader = blockReader(t.source);
		} catch {
			this.#host.fail(t, 'read-failed', true);
			return;
		}
		t.reader = reader;
		const pool = new BufferPool(Math.max(1, Math.min(READ_BLOCK_BYTES, t.size)), SEND_POOL_BUFFERS);
		t.pool = pool;
		const hasher = createSha256Stream();
		t.hasher = hasher;
		let readBytes = 0;
		/** The next block of the file, whole (or the file's remainder); null after the last. */
		const readBlock = async (): Promise<BlockRead> => {
			if (readBytes >= t.size) return { ok: true, block: null };
			const buffer = await pool.take();
			// The pool closes when the transfer stops.
			if (!buffer) return { ok: true, block: null };
			const wanted = Math.min(pool.size, t.size - readBytes);
			let block: Uint8Array;
			try {
				block = await reader.fill(buffer.subarray(0, wanted));
			} catch {
				return { ok: false, error: 'read-failed' };
			}
			readBytes += block.length;
			// A short read: the file shrank since it was offered.
			return block.length < wanted ? { ok: false, error: 'file-changed' } : { ok: true, block };
		};

		const chunkBytes = payloadBytesPerFrame(this.#host.channel.maxMessageSize, this.#chunkSize);
		let offset = 0;
		let index = 0;
		let current =
			t.size > 0 ? createDataFrame(t.idBytes, index, Math.min(chunkBytes, t.size)) : null;
		let filled = 0;
		let ahead = readBlock();
		for (;;) {
			const read = await ahead;
			if (t.state !== 'sending') return;
			if (!read.ok) return this.#host.fail(t, read.error, true);
			const block = read.block;
			if (!block) break;
			// The next block is read while this one is sent.
			ahead = readBlock();
			let at = 0;
			while (at < block.length && current) {
				const count = Math.min(block.length - at, current.payload.length - filled);
				current.payload.set(block.subarray(at, at + count), filled);
				filled += count;
				at += count;
				if (filled < current.payload.length) continue;
				if (!(await this.#sendDataFrame(t, current.frame, filled))) return;
				offset += filled;
				index++;
				filled = 0;
				// The channel copied the frame: the next chunk of the same length reuses it.
				const nextLength = Math.min(chunkBytes, t.size - offset);
				if (offset >= t.size) current = null;
				else if (nextLength === current.payload.length) setDataFrameIndex(current.frame, index);
				else current = createDataFrame(t.idBytes, index, nextLength);
			}
			// Every byte of the block is in a frame now: the hash borrows it, then it is read into again.
			hasher.update(block, (buffer) => pool.give(buffer));
		}
		let atEnd: boolean;
		try {
			atEnd = await reader.atEnd();
		} catch {
			atEnd = false;
		}
		if (t.state !== 'sending') return;
		t.reader = null;
		// More bytes than announced: the file grew since it was offered.
		if (!atEnd) return this.#host.fail(t, 'file-changed', true);
		t.hasher = null;
		const digest = await hasher.digest();
		if (t.state !== 'sending') return;
		t.announcedSha256 = digest;
		t.lastActivityAt = this.#host.now();
		if (!this.#host.sendControl({ kind: 'done', id: t.id, sha256: t.announcedSha256 })) {
			this.#host.fail(t, 'send-failed', false);
			return;
		}
		// Still 'sending' while queued bytes are on their way; 'verifying' once all are written.
		if (t.ackedBytes === t.size) {
			t.state = 'verifying';
			this.#host.changed();
		}
	}

	/** Sends one frame once the receive window and the channel buffer allow; false if stopped. */
	async #sendDataFrame(
		t: OutgoingTransfer,
		frame: ArrayBuffer,
		payloadBytes: number
	): Promise<boolean> {
		while (
			t.state === 'sending' &&
			t.sentBytes - t.ackedBytes + payloadBytes > RECEIVE_WINDOW_BYTES
		) {
			await new Promise<void>((resolve) => (t.wake = resolve));
			t.wake = null;
		}
		while (
			t.state === 'sending' &&
			this.#host.channel.open &&
			this.#host.channel.bufferedAmount > BUFFERED_HIGH_WATER
		) {
			await this.#host.channel.waitForBufferedAmountBelow(BUFFERED_LOW_WATER);
		}
		if (t.state !== 'sending') return false;
		try {
			this.#host.channel.send(frame);
		} catch {
			this.#host.fail(
				t,
				this.#host.channel.open ? 'send-failed' : 'connection-lost',
				this.#host.channel.open
			);
			return false;
		}
		t.sentBytes += payloadBytes;
		t.lastActivityAt = this.#host.now();
		this.#bytesSinceYield += payloadBytes;
		if (this.#bytesSinceYield >= YIELD_EVERY_BYTES) {
			this.#bytesSinceYield = 0;
			await yieldToEventLoop();
		}
		return t.state === 'sending';
	}
}
