/**
 * The incoming pipeline: offers are checked against the settings and limits, accepted data
 * frames are checked in order, batched into buffers this side owns, written to the sink (at
 * most two writes in flight), hashed once written and acknowledged; `done` is verified against
 * the hash.
 */
import { BufferPool } from '../buffer-pool';
import { decodeDataFrame, type ControlFrame } from '../file-framing';
import { safeFileName } from '../file-names';
import { ACK_EVERY_BYTES, ACK_EVERY_MS, RECEIVE_WINDOW_BYTES } from './flow-control';
import {
	MAX_PENDING_OFFERS,
	isActiveState,
	safeMimeType,
	type IncomingTransfer,
	type TransferHost,
	type TransferRejection
} from './types';

/** Largest single write the receiver hands its sink (what piled up during the previous one). */
export const MAX_WRITE_BATCH_BYTES = 4 * 1024 * 1024;
/** Write batches a receiver keeps for reuse once written and hashed. */
const RECEIVE_POOL_BUFFERS = 4;
/** With a write on its way, the next is handed over once this much has piled up. */
const WRITE_AHEAD_BYTES = 1024 * 1024;
/** Writes handed to a sink and not yet done, per transfer. */
const MAX_WRITES_IN_FLIGHT = 2;

export class FileReceiver {
	readonly #host: TransferHost;

	constructor(host: TransferHost) {
		this.#host = host;
	}

	onOffer(offer: Extract<ControlFrame, { kind: 'offer' }>): void {
		// An id already in use is a forgery or a replay; answering could disturb that transfer.
		if (this.#host.transfers.has(offer.id)) return;
		const name = safeFileName(offer.name);
		const reject = (error: TransferRejection['error']) => {
			this.#host.sendControl({ kind: 'decline', id: offer.id, reason: error });
			this.#host.emit('rejected', { error, name, size: offer.size });
		};
		if (!this.#host.features.fileTransfer) return reject('not-allowed');
		if (offer.size > this.#host.features.maxFileSize) return reject('too-large');
		let pending = 0;
		for (const t of this.#host.transfers.values()) {
			if (t.direction === 'receive' && t.state === 'offered') pending++;
		}
		if (pending >= MAX_PENDING_OFFERS) return reject('busy');

		this.#host.peerActive(this.#host.now());
		const transfer: IncomingTransfer = {
			...this.#host.newRecord('receive', offer.id, name, offer.size, safeMimeType(offer.type)),
			direction: 'receive',
			sink: null,
			hasher: null,
			pool: null,
			nextIndex: 0,
			receivedBytes: 0,
			pendingWriteBytes: 0,
			full: [],
			filling: null,
			filled: 0,
			writtenBytes: 0,
			ackedBytes: 0,
			lastAckAt: 0,
			writes: Promise.resolve(),
			writesInFlight: 0
		};
		this.#host.transfers.set(offer.id, transfer);
		this.#host.forgetSnapshot();
		this.#host.emit('offer', this.#host.info(transfer));
		this.#host.changed();
	}

	onControl(t: IncomingTransfer, frame: ControlFrame): void {
		if (frame.kind !== 'done') return;
		if (t.state !== 'receiving') {
			if (t.state === 'offered') this.#host.fail(t, 'unexpected-chunk', true);
			return;
		}
		if (t.receivedBytes !== t.size || !t.hasher) {
			this.#host.fail(t, 'incomplete', true);
			return;
		}
		t.state = 'verifying';
		this.#host.changed();
		void this.#verifyIncoming(t, frame.sha256);
	}

	/** Bytes are hashed once the sink has them: every write goes first, then the digest. */
	async #verifyIncoming(t: IncomingTransfer, expected: string) {
		await this.#writeEverything(t);
		const hasher = t.hasher;
		if (t.state !== 'verifying' || !hasher) return;
		t.hasher = null;
		const actual = await hasher.digest();
		if (t.state !== 'verifying') return;
		if (actual !== expected) {
			this.#host.fail(t, 'hash-mismatch', true);
			return;
		}
		await this.#completeIncoming(t, actual);
	}

	async #writeEverything(t: IncomingTransfer): Promise<void> {
		// Each finished write may hand the sink another one: wait until none is left.
		while (isActiveState(t.state) && (t.writesInFlight > 0 || t.full.length > 0 || t.filled > 0)) {
			this.#issueWrites(t, true);
			await t.writes;
		}
	}

	onDataFrame(bytes: Uint8Array): void {
		const decoded = decodeDataFrame(bytes);
		const t = decoded.id === undefined ? undefined : this.#host.transfers.get(decoded.id);
		// Unknown ids, our own outgoing ids and finished transfers: refused by dropping.
		if (t?.direction !== 'receive' || !isActiveState(t.state)) return;
		if (!decoded.ok)
			return this.#host.fail(
				t,
				decoded.reason === 'bad-header' ? 'unexpected-chunk' : decoded.reason,
				true
			);
		if (t.state !== 'receiving') return this.#host.fail(t, 'unexpected-chunk', true);
		if (decoded.index < t.nextIndex) return this.#host.fail(t, 'duplicate-chunk', true);
		if (decoded.index > t.nextIndex) return this.#host.fail(t, 'bad-chunk-index', true);
		const length = decoded.payload.length;
		if (t.receivedBytes + length > t.size) return this.#host.fail(t, 'too-many-bytes', true);
		if (this.#host.pendingWriteBytes() + length > RECEIVE_WINDOW_BYTES) {
			return this.#host.fail(t, 'flow-violation', true);
		}
		const now = this.#host.now();
		this.#host.peerActive(now);
		t.lastActivityAt = now;
		t.nextIndex++;
		t.receivedBytes += length;
		t.pendingWriteBytes += length;
		this.#batch(t, decoded.payload);
		this.#issueWrites(t);
	}

	/**
	 * Copies a chunk into the transfer's write batches (MAX_WRITE_BATCH_BYTES each, the last
	 * one the file's remainder). One copy, into a buffer this side owns and reuses: after its
	 * write the hash borrows that buffer as it is, and the received frame is let go of at once.
	 * Called once `receivedBytes` counts the chunk.
	 */
	#batch(t: IncomingTransfer, payload: Uint8Array): void {
		const start = t.receivedBytes - payload.length;
		t.pool ??= new BufferPool(Math.min(MAX_WRITE_BATCH_BYTES, t.size), RECEIVE_POOL_BUFFERS);
		const pool = t.pool;
		let at = 0;
		while (at < payload.length) {
			// Past the pool's count (a slow hash), a batch of its own; memory stays in the window.
			t.filling ??= (pool.tryTake() ?? new Uint8Array(pool.size)).subarray(
				0,
				Math.min(pool.size, t.size - start - at)
			);
			const count = Math.min(payload.length - at, t.filling.length - t.filled);
			t.filling.set(payload.subarray(at, at + count), t.filled);
			t.filled += count;
			at += count;
			if (t.filled === t.filling.length) {
				t.full.push(t.filling);
				t.filling = null;
				t.filled = 0;
			}
		}
	}

	/**
	 * Hands the sink what has been received. A disk write is a round trip to the browser
	 * process, so whatever arrives meanwhile goes into the next write (up to
	 * MAX_WRITE_BATCH_BYTES): a slow disk gets fewer, larger writes instead of falling behind.
	 * With one write on its way the next is handed over as soon as a batch is full or
	 * WRITE_AHEAD_BYTES have piled up, so the disk never waits for this page between two
	 * writes (`flush`: whatever there is). Once a write is done its bytes go to the hash, in
	 * order, and once hashed they count as written (acknowledged, shown) and the batch is
	 * reused. Memory stays within the receive window either way.
	 */
	#issueWrites(t: IncomingTransfer, flush = false): void {
		const sink = t.sink;
		if (!sink || !isActiveState(t.state)) return;
		while (t.writesInFlight < MAX_WRITES_IN_FLIGHT) {
			let batch = t.full.shift();
			if (!batch) {
				const enough = t.writesInFlight === 0 || flush || t.filled >= WRITE_AHEAD_BYTES;
				if (!t.filling || t.filled === 0 || !enough) break;
				batch = t.filling.subarray(0, t.filled);
				t.filling = null;
				t.filled = 0;
			}
			const written = batch;
			const bytes = written.length;
			t.writesInFlight++;
			let writing: Promise<void>;
			try {
				writing = sink.write(written);
			} catch (error) {
				writing = Promise.reject(error);
			}
			// Handled below, in order; a rejection must not be reported as unhandled meanwhile.
			writing.catch(() => undefined);
			t.writes = t.writes.then(async () => {
				try {
					await writing;
				} catch {
					this.#host.fail(t, 'write-failed', true);
					return;
				}
				t.writesInFlight--;
				if (!isActiveState(t.state)) return;
				// The sink is done with the batch: the hash (maybe in a Worker) borrows its buffer.
				t.hasher?.update(written, (buffer) => {
					t.pool?.give(buffer);
					this.#written(t, bytes);
				});
				this.#issueWrites(t);
			});
		}
	}

	/** `bytes` more are written and hashed. */
	#written(t: IncomingTransfer, bytes: number): void {
		if (!isActiveState(t.state)) return;
		t.pendingWriteBytes -= bytes;
		t.writtenBytes += bytes;
		const now = this.#host.now();
		if (
			t.writtenBytes - t.ackedBytes >= ACK_EVERY_BYTES ||
			t.writtenBytes === t.size ||
			now - t.lastAckAt >= ACK_EVERY_MS
		) {
			t.ackedBytes = t.writtenBytes;
			t.lastAckAt = now;
			this.#host.sendControl({ kind: 'ack', id: t.id, bytes: t.writtenBytes });
		}
		this.#host.progress(t, t.writtenBytes);
	}

	async #completeIncoming(t: IncomingTransfer, digest: string): Promise<void> {
		await this.#writeEverything(t);
		const sink = t.sink;
		if (t.state !== 'verifying' || !sink) return;
		try {
			await sink.close();
		} catch {
			this.#host.fail(t, 'write-failed', true);
			return;
		}
		if (t.state !== 'verifying') return;
		t.sink = null;
		t.sha256 = digest;
		t.bytesDone = t.size;
		this.#host.sendControl({ kind: 'verified', id: t.id });
		this.#host.finish(t, 'done', null);
	}
}
