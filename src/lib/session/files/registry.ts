/**
 * File transfer over the dedicated binary channel, both directions.
 *
 * Every file is offered first and no byte moves before the receiver accepts. Accepted files
 * are streamed one at a time in chunks sized from the channel's `maxMessageSize`, with two
 * brakes: the channel's `bufferedAmount` (high/low water marks) and a window of bytes the
 * receiver has not yet acknowledged as written, so a slow disk never piles memory up on the
 * receiving side. Both sides hash with SHA-256 as bytes pass; the sender announces its hash
 * in `done`, the receiver compares and answers `verified` or `error`.
 *
 * Everything the peer sends is validated; a transfer whose peer breaks the rules is failed
 * and its sink aborted, and frames for transfers that are not active are dropped.
 */
import {
	encodeControlFrame,
	decodeControlFrame,
	newTransferId,
	transferIdToBytes,
	type ControlFrame
} from '../file-framing';
import { Emitter } from '../emitter';
import { safeFileName } from '../file-names';
import { createSha256Stream, loadSha256Engine } from '../sha256-stream';
import type { BinaryChannel } from '../transport';
import { FileReceiver } from './receiver';
import { FileSender } from './sender';
import {
	MAX_FINISHED_KEPT,
	isActiveState,
	safeMimeType,
	settleQuietly,
	type FileSink,
	type FileSource,
	type FileTransferEvents,
	type FileTransferFeatures,
	type FileTransfersOptions,
	type OutgoingTransfer,
	type SendResult,
	type Transfer,
	type TransferDirection,
	type TransferError,
	type TransferHost,
	type TransferInfo,
	type TransferRecord,
	type TransferState
} from './types';

export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
const SPEED_SAMPLE_MS = 250;
const SPEED_SMOOTHING = 0.3;
const KNOWN_ERRORS: ReadonlySet<string> = new Set<TransferError>([
	'declined',
	'not-allowed',
	'too-large',
	'busy',
	'hash-mismatch',
	'idle-timeout',
	'connection-lost',
	'read-failed',
	'write-failed',
	'send-failed',
	'file-changed',
	'unexpected-chunk',
	'bad-chunk-index',
	'duplicate-chunk',
	'too-many-bytes',
	'oversized-frame',
	'empty-chunk',
	'incomplete',
	'flow-violation',
	'peer-error'
]);

/** Every transfer over one binary channel, both directions: the list, the events, the timeouts. */
export class FileTransfers {
	readonly #channel: BinaryChannel;
	readonly #features: FileTransferFeatures;
	readonly #peerName: string;
	readonly #idleTimeoutMs: number;
	readonly #now: () => number;
	readonly #sender: FileSender;
	readonly #receiver: FileReceiver;

	#transfers = new Map<string, Transfer>();
	#closed = false;
	#peerActivityAt = 0;
	#idleTimer: ReturnType<typeof setInterval> | null = null;
	#snapshot: readonly TransferInfo[] | null = null;
	// A failing listener must not corrupt transfer state; it is reported out of band.
	readonly #events = new Emitter<FileTransferEvents>();
	#unsubscribe: Array<() => void>;

	constructor(options: FileTransfersOptions) {
		this.#channel = options.channel;
		this.#features = { ...options.features };
		this.#peerName = options.peerName;
		this.#idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
		this.#now = options.now ?? Date.now;
		const host: TransferHost = {
			channel: this.#channel,
			features: this.#features,
			transfers: this.#transfers,
			now: () => this.#now(),
			newRecord: (...args) => this.#newRecord(...args),
			info: (t) => this.#info(t),
			emit: (event, ...args) => this.#emit(event, ...args),
			forgetSnapshot: () => (this.#snapshot = null),
			changed: () => this.#changed(),
			sendControl: (frame) => this.#sendControl(frame),
			finish: (t, state, error) => this.#finish(t, state, error),
			fail: (t, error, notifyPeer) => this.#fail(t, error, notifyPeer),
			markActive: (t) => this.#markActive(t),
			progress: (t, bytesDone) => this.#progress(t, bytesDone),
			ensureIdleTimer: () => this.#ensureIdleTimer(),
			peerActive: (at) => (this.#peerActivityAt = at),
			pendingWriteBytes: () => this.pendingWriteBytes
		};
		this.#sender = new FileSender(host, options.chunkSize);
		this.#receiver = new FileReceiver(host);
		// Compiles the hash engine before the first file, not during it.
		void loadSha256Engine();
		this.#unsubscribe = [
			this.#channel.onMessage((data) => this.#onChannelMessage(data)),
			this.#channel.onClose(() => this.close())
		];
	}

	get peerName(): string {
		return this.#peerName;
	}

	get features(): Readonly<FileTransferFeatures> {
		return this.#features;
	}

	/** True when files can be offered now. */
	get canSend(): boolean {
		return this.#features.fileTransfer && !this.#closed && this.#channel.open;
	}

	get closed(): boolean {
		return this.#closed;
	}

	/** Every transfer, oldest first, as immutable snapshots (a new array after each change). */
	get transfers(): readonly TransferInfo[] {
		this.#snapshot ??= Object.freeze([...this.#transfers.values()].map((t) => this.#info(t)));
		return this.#snapshot;
	}

	/** Bytes received and held in memory (not yet written and hashed), across all transfers. */
	get pendingWriteBytes(): number {
		let total = 0;
		for (const t of this.#transfers.values()) {
			if (t.direction === 'receive') total += t.pendingWriteBytes;
		}
		return total;
	}

	on<K extends keyof FileTransferEvents>(
		event: K,
		handler: (...args: FileTransferEvents[K]) => void
	): () => void {
		return this.#events.on(event, handler);
	}

	/** Offers a file; its bytes move only once the other side accepts. */
	send(file: FileSource): SendResult {
		if (this.#closed || !this.#channel.open) return { ok: false, error: 'closed' };
		if (!this.#features.fileTransfer) return { ok: false, error: 'not-allowed' };
		if (
			!Number.isSafeInteger(file.size) ||
			file.size < 0 ||
			file.size > this.#features.maxFileSize
		) {
			return { ok: false, error: 'too-large' };
		}
		const id = newTransferId();
		const transfer: OutgoingTransfer = {
			...this.#newRecord('send', id, safeFileName(file.name), file.size, safeMimeType(file.type)),
			direction: 'send',
			idBytes: transferIdToBytes(id),
			source: file,
			reader: null,
			pool: null,
			hasher: null,
			sentBytes: 0,
			ackedBytes: 0,
			wake: null,
			announcedSha256: null
		};
		this.#transfers.set(id, transfer);
		const offer: ControlFrame = {
			kind: 'offer',
			id,
			name: transfer.name,
			size: file.size,
			type: transfer.type
		};
		if (this.#sendControl(offer)) this.#changed();
		else this.#fail(transfer, 'connection-lost', false);
		return { ok: true, transfer: this.#info(transfer) };
	}

	/** Accepts an offered file into `sink`. If the offer is gone meanwhile, the sink is aborted. */
	accept(id: string, sink: FileSink): void {
		const transfer = this.#transfers.get(id);
		if (this.#closed || transfer?.direction !== 'receive' || transfer.state !== 'offered') {
			settleQuietly(() => sink.abort('transfer no longer offered'));
			return;
		}
		transfer.sink = sink;
		transfer.hasher = createSha256Stream();
		transfer.state = 'receiving';
		this.#markActive(transfer);
		this.#sendControl({ kind: 'accept', id });
		this.#changed();
		this.#ensureIdleTimer();
	}

	decline(id: string): void {
		const transfer = this.#transfers.get(id);
		if (transfer?.direction !== 'receive' || transfer.state !== 'offered') return;
		this.#sendControl({ kind: 'decline', id, reason: 'declined' });
		this.#finish(transfer, 'declined', 'declined');
	}

	/** Stops any active transfer, in either direction; the other side is told. */
	cancel(id: string): void {
		const transfer = this.#transfers.get(id);
		if (!transfer || !isActiveState(transfer.state)) return;
		this.#sendControl({ kind: 'cancel', id });
		this.#finish(transfer, 'cancelled', null);
	}

	/** The channel is gone: active transfers fail with 'connection-lost', sinks are aborted. */
	close(): void {
		if (this.#closed) return;
		this.#closed = true;
		for (const unsubscribe of this.#unsubscribe) unsubscribe();
		this.#sender.clear();
		for (const transfer of [...this.#transfers.values()]) {
			if (isActiveState(transfer.state)) this.#finish(transfer, 'failed', 'connection-lost');
		}
		this.#stopIdleTimer();
		this.#changed();
	}

	#newRecord(
		direction: TransferDirection,
		id: string,
		name: string,
		size: number,
		type: string
	): TransferRecord {
		let settle = () => {};
		const settled = new Promise<void>((resolve) => (settle = resolve));
		return {
			id,
			name,
			size,
			type,
			direction,
			state: 'offered',
			error: null,
			sha256: null,
			cancelledByPeer: false,
			bytesDone: 0,
			speed: 0,
			speedSampleAt: 0,
			speedSampleBytes: 0,
			startedAt: this.#now(),
			finishedAt: null,
			lastActivityAt: null,
			settled,
			settle
		};
	}

	#info(t: Transfer): TransferInfo {
		const moving = isActiveState(t.state) && t.speed > 0;
		return Object.freeze({
			id: t.id,
			name: t.name,
			size: t.size,
			type: t.type,
			direction: t.direction,
			peerName: this.#peerName,
			bytesDone: t.bytesDone,
			speed: t.speed,
			eta: moving ? Math.max(0, (t.size - t.bytesDone) / t.speed) : null,
			state: t.state,
			error: t.error,
			sha256: t.sha256,
			cancelledByPeer: t.cancelledByPeer,
			startedAt: t.startedAt,
			finishedAt: t.finishedAt
		});
	}

	#emit<K extends keyof FileTransferEvents>(event: K, ...args: FileTransferEvents[K]): void {
		this.#events.emit(event, ...args);
	}

	#changed(): void {
		this.#snapshot = null;
		this.#emit('change');
	}

	#sendControl(frame: ControlFrame): boolean {
		if (!this.#channel.open) return false;
		try {
			this.#channel.send(encodeControlFrame(frame));
			return true;
		} catch {
			return false;
		}
	}

	/** Moves a transfer to a terminal state once, releasing its reader or sink. */
	#finish(t: Transfer, state: TransferState, error: TransferError | null): void {
		if (!isActiveState(t.state)) return;
		t.state = state;
		t.error = error;
		t.finishedAt = this.#now();
		t.lastActivityAt = null;
		if (state !== 'done') t.sha256 = null;
		// A hash never digested (cancelled, failed) is let go of where it is kept.
		t.hasher?.dispose?.();
		t.hasher = null;
		t.pool?.close();
		t.pool = null;
		if (t.direction === 'send') {
			t.reader?.cancel();
			t.reader = null;
			t.wake?.();
		} else {
			const sink = t.sink;
			t.sink = null;
			t.pendingWriteBytes = 0;
			t.full = [];
			t.filling = null;
			t.filled = 0;
			if (sink && state !== 'done') settleQuietly(() => sink.abort(error ?? state));
		}
		t.settle();
		this.#forgetOldFinished(t);
		this.#snapshot = null;
		this.#emit('finished', this.#info(t));
		this.#changed();
		if (!this.#hasActive()) this.#stopIdleTimer();
	}

	#fail(t: Transfer, error: TransferError, notifyPeer: boolean): void {
		if (!isActiveState(t.state)) return;
		if (notifyPeer) this.#sendControl({ kind: 'error', id: t.id, reason: error });
		this.#finish(t, 'failed', error);
	}

	/** Drops the oldest finished transfers beyond the limit, never the one just finished. */
	#forgetOldFinished(justFinished: Transfer): void {
		let finished = 0;
		for (const t of this.#transfers.values()) if (!isActiveState(t.state)) finished++;
		for (const [id, t] of this.#transfers) {
			if (finished <= MAX_FINISHED_KEPT) break;
			if (t !== justFinished && !isActiveState(t.state)) {
				this.#transfers.delete(id);
				finished--;
			}
		}
	}

	#hasActive(): boolean {
		for (const t of this.#transfers.values()) if (isActiveState(t.state)) return true;
		return false;
	}

	#markActive(t: Transfer): void {
		const now = this.#now();
		t.lastActivityAt = now;
		t.speedSampleAt = now;
		t.speedSampleBytes = t.bytesDone;
	}

	#progress(t: Transfer, bytesDone: number): void {
		const now = this.#now();
		t.bytesDone = bytesDone;
		t.lastActivityAt = now;
		const elapsed = now - t.speedSampleAt;
		if (elapsed >= SPEED_SAMPLE_MS) {
			const rate = ((bytesDone - t.speedSampleBytes) * 1000) / elapsed;
			t.speed = t.speed === 0 ? rate : t.speed * (1 - SPEED_SMOOTHING) + rate * SPEED_SMOOTHING;
			t.speedSampleAt = now;
			t.speedSampleBytes = bytesDone;
		}
		this.#changed();
	}

	// ---- Incoming frames -------------------------------------------------------------------

	#onChannelMessage(data: unknown): void {
		if (this.#closed) return;
		if (typeof data === 'string') {
			const frame = decodeControlFrame(data);
			if (frame) this.#onControlFrame(frame);
		} else if (data instanceof ArrayBuffer) {
			this.#receiver.onDataFrame(new Uint8Array(data));
		} else if (ArrayBuffer.isView(data)) {
			this.#receiver.onDataFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
		}
	}

	#onControlFrame(frame: ControlFrame): void {
		if (frame.kind === 'offer') {
			this.#receiver.onOffer(frame);
			return;
		}
		const t = this.#transfers.get(frame.id);
		if (!t || !isActiveState(t.state)) return;
		this.#peerActivityAt = this.#now();
		switch (frame.kind) {
			case 'cancel':
				t.cancelledByPeer = true;
				this.#finish(t, 'cancelled', null);
				return;
			case 'error':
				this.#finish(
					t,
					'failed',
					KNOWN_ERRORS.has(frame.reason) ? (frame.reason as TransferError) : 'peer-error'
				);
				return;
		}
		if (t.direction === 'send') this.#sender.onControl(t, frame);
		else this.#receiver.onControl(t, frame);
	}

	// ---- Idle timeout ----------------------------------------------------------------------

	#ensureIdleTimer(): void {
		if (this.#idleTimer !== null || this.#closed) return;
		const period = Math.max(10, Math.min(1000, this.#idleTimeoutMs / 4));
		this.#idleTimer = setInterval(() => this.#checkIdle(), period);
	}

	#stopIdleTimer(): void {
		if (this.#idleTimer === null) return;
		clearInterval(this.#idleTimer);
		this.#idleTimer = null;
	}

	/**
	 * Fails data-moving transfers with no sign of life for the idle timeout. A receiver counts
	 * any valid frame from the peer as life, since the sender streams one file at a time and the
	 * others wait their turn.
	 */
	#checkIdle(): void {
		const now = this.#now();
		for (const t of [...this.#transfers.values()]) {
			if (t.lastActivityAt === null || t.state === 'offered' || !isActiveState(t.state)) continue;
			const lastSign =
				t.direction === 'receive'
					? Math.max(t.lastActivityAt, this.#peerActivityAt)
					: t.lastActivityAt;
			if (now - lastSign > this.#idleTimeoutMs) this.#fail(t, 'idle-timeout', true);
		}
		if (!this.#hasActive()) this.#stopIdleTimer();
	}
}
