/** File transfer over the dedicated binary channel: the public API of this folder. */
export { FileTransfers } from './registry';
export { memorySink, writableSink, type MemorySink, type WritableFileStreamLike } from './sinks';
export { MAX_WRITE_BATCH_BYTES } from './receiver';
export { READ_BLOCK_BYTES } from './sender';
export { BUFFERED_HIGH_WATER, BUFFERED_LOW_WATER, RECEIVE_WINDOW_BYTES } from './flow-control';
export {
	DEFAULT_MAX_FILE_SIZE,
	MAX_FINISHED_KEPT,
	MAX_PENDING_OFFERS,
	isActiveState,
	type DeclineReason,
	type FileSink,
	type FileSource,
	type FileTransferFeatures,
	type FileTransfersOptions,
	type SendResult,
	type TransferDirection,
	type TransferError,
	type TransferInfo,
	type TransferRejection,
	type TransferState
} from './types';
export { safeFileName } from '../file-names';
export { DEFAULT_IDLE_TIMEOUT_MS } from './registry';
