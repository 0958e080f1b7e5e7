/** The file-transfer types and limits shared by the registry, the sender and the receiver. */
import type { BufferPool } from '../buffer-pool';
import type { ControlFrame } from '../file-framing';
import type { Sha256Stream } from '../sha256-stream';
import type { BinaryChannel } from '../transport';
import type { BlockReader } from './block-reader';

/** What can be sent; a browser `File` satisfies it. */
export interface FileSource {
	name: string;
	size: number;
	type: string;
	/** Read straight into the sender's buffers when it is a byte stream (a `File`'s is). */
	stream(): ReadableStream<Uint8Array>;
}

/** Where a received file goes: a file on disk (File System Access) or memory. */
export interface FileSink {
	/**
	 * Writes the next bytes. Calls come in order, at most two at a time (a writable stream
	 * queues them). The sink is done with `chunk` when its promise settles: the receiver then
	 * hands the buffer on, to be hashed, so the sink must not keep it.
	 */
	write(chunk: Uint8Array): Promise<void>;
	close(): Promise<void>;
	/** Discards everything written so far. */
	abort(reason?: string): Promise<void>;
}

export type TransferState =
	'offered' | 'sending' | 'receiving' | 'verifying' | 'done' | 'declined' | 'cancelled' | 'failed';

export type TransferDirection = 'send' | 'receive';

/** Why the receiver refused an offer (also the `error` of a declined sent transfer). */
export type DeclineReason = 'declined' | 'not-allowed' | 'too-large' | 'busy';

/** Why a transfer failed or was declined; stable codes, worded by the UI. */
export type TransferError =
	| DeclineReason
	| 'hash-mismatch'
	| 'idle-timeout'
	| 'connection-lost'
	| 'read-failed'
	| 'write-failed'
	| 'send-failed'
	/** The file's content did not match its announced size while it was read. */
	| 'file-changed'
	/** The following codes mean the peer broke the protocol. */
	| 'unexpected-chunk'
	| 'bad-chunk-index'
	| 'duplicate-chunk'
	| 'too-many-bytes'
	| 'oversized-frame'
	| 'empty-chunk'
	| 'incomplete'
	| 'flow-violation'
	/** The peer reported a failure with a code this version does not know. */
	| 'peer-error';

export interface TransferInfo {
	readonly id: string;
	/** Already reduced by `safeFileName`. */
	readonly name: string;
	readonly size: number;
	readonly type: string;
	readonly direction: TransferDirection;
	readonly peerName: string;
	/** Bytes the receiver has written (acknowledged ones, on the sending side). */
	readonly bytesDone: number;
	/** Smoothed bytes per second. */
	readonly speed: number;
	/** Seconds left at the current speed; null when unknown or not moving. */
	readonly eta: number | null;
	readonly state: TransferState;
	readonly error: TransferError | null;
	/** Hex digest, set once the transfer is done (verified by the receiver). */
	readonly sha256: string | null;
	/** For a cancelled transfer: true when the other side cancelled it. */
	readonly cancelledByPeer: boolean;
	readonly startedAt: number;
	readonly finishedAt: number | null;
}

export type SendResult =
	| { ok: true; transfer: TransferInfo }
	| { ok: false; error: 'too-large' | 'not-allowed' | 'closed' };

/** An offer refused without asking the user (settings, size, too many pending offers). */
export interface TransferRejection {
	error: 'not-allowed' | 'too-large' | 'busy';
	name: string;
	size: number;
}

export interface FileTransferFeatures {
	fileTransfer: boolean;
	maxFileSize: number;
}

export interface FileTransfersOptions {
	channel: BinaryChannel;
	features: FileTransferFeatures;
	/** Display name of the other side, shown on every transfer. */
	peerName: string;
	idleTimeoutMs?: number;
	now?: () => number;
	/** Payload bytes per data frame; defaults to what `maxMessageSize` allows (≤ 256 KiB). */
	chunkSize?: number;
}

export interface FileTransferEvents {
	change: [];
	offer: [transfer: TransferInfo];
	finished: [transfer: TransferInfo];
	rejected: [rejection: TransferRejection];
}

export const DEFAULT_MAX_FILE_SIZE = 2 * 1024 ** 3;

/** Offers waiting for the user; more are declined as 'busy' so a flood cannot grow memory. */
export const MAX_PENDING_OFFERS = 16;

/** Finished transfers kept in the list; older ones are dropped first. */
export const MAX_FINISHED_KEPT = 200;

const TERMINAL_STATES: ReadonlySet<TransferState> = new Set([
	'done',
	'declined',
	'cancelled',
	'failed'
]);

export function isActiveState(state: TransferState): boolean {
	return !TERMINAL_STATES.has(state);
}

/** Keeps a plausible MIME type and nothing else (the type is only a hint). */
export function safeMimeType(type: string): string {
	const trimmed = type.trim().toLowerCase();
	return trimmed.length <= 100 && /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(trimmed)
		? trimmed
		: '';
}

/** Runs a sink/reader call that may throw or reject, ignoring the outcome. */
export function settleQuietly(action: () => Promise<unknown> | undefined): void {
	try {
		void Promise.resolve(action()).catch(() => undefined);
	} catch {
		// A broken sink or reader must not break the transfer bookkeeping.
	}
}

export interface TransferRecord {
	id: string;
	name: string;
	size: number;
	type: string;
	direction: TransferDirection;
	state: TransferState;
	error: TransferError | null;
	sha256: string | null;
	cancelledByPeer: boolean;
	bytesDone: number;
	speed: number;
	speedSampleAt: number;
	speedSampleBytes: number;
	startedAt: number;
	finishedAt: number | null;
	/** Last sign of life of this transfer, for the idle timeout; null while it must wait. */
	lastActivityAt: number | null;
	/** Resolves when the transfer reaches a terminal state. */
	settled: Promise<void>;
	settle: () => void;
}

export interface OutgoingTransfer extends TransferRecord {
	direction: 'send';
	idBytes: Uint8Array;
	source: FileSource;
	reader: BlockReader | null;
	/** The blocks read; each goes back once framed and hashed. */
	pool: BufferPool | null;
	sentBytes: number;
	ackedBytes: number;
	/** Wakes the send loop when an ack arrives or the transfer stops. */
	wake: (() => void) | null;
	/** Hash announced in `done`; the transfer shows it once the receiver has verified it. */
	announcedSha256: string | null;
	/** Hashing what has been sent, until the digest is taken. */
	hasher: Sha256Stream | null;
}

export interface IncomingTransfer extends TransferRecord {
	direction: 'receive';
	sink: FileSink | null;
	hasher: Sha256Stream | null;
	/** Write batches; each goes back once written and hashed. */
	pool: BufferPool | null;
	nextIndex: number;
	receivedBytes: number;
	/** Received, not yet written and hashed: what this transfer holds in memory. */
	pendingWriteBytes: number;
	/** Full write batches waiting for the sink, in order. */
	full: Uint8Array[];
	/** The batch being filled: its first `filled` bytes are received. */
	filling: Uint8Array | null;
	filled: number;
	writtenBytes: number;
	ackedBytes: number;
	lastAckAt: number;
	/** Settles once the writes handed to the sink so far are done and counted. */
	writes: Promise<void>;
	writesInFlight: number;
}

export type Transfer = OutgoingTransfer | IncomingTransfer;

/**
 * What the sender and the receiver need of the registry that owns the transfers: one list,
 * one set of events, one way to finish a transfer.
 */
export interface TransferHost {
	readonly channel: BinaryChannel;
	readonly features: Readonly<FileTransferFeatures>;
	readonly transfers: Map<string, Transfer>;
	now(): number;
	newRecord(
		direction: TransferDirection,
		id: string,
		name: string,
		size: number,
		type: string
	): TransferRecord;
	info(t: Transfer): TransferInfo;
	emit<K extends keyof FileTransferEvents>(event: K, ...args: FileTransferEvents[K]): void;
	/** The next `transfers` read builds a new snapshot. */
	forgetSnapshot(): void;
	changed(): void;
	sendControl(frame: ControlFrame): boolean;
	finish(t: Transfer, state: TransferState, error: TransferError | null): void;
	fail(t: Transfer, error: TransferError, notifyPeer: boolean): void;
	markActive(t: Transfer): void;
	progress(t: Transfer, bytesDone: number): void;
	ensureIdleTimer(): void;
	/** A valid frame from the peer arrived at `at`. */
	peerActive(at: number): void;
	/** Bytes received and not yet written, across all transfers. */
	pendingWriteBytes(): number;
}
