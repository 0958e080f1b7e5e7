/** Where received files go: memory (the fallback download, the tests) or a chosen file on disk. */
import type { FileSink } from './types';

export interface MemorySink extends FileSink {
	/** Everything written, as one array (a copy). */
	result(): Uint8Array;
	/** Everything written, as a Blob for a download, without another full copy in JS. */
	toBlob(type?: string): Blob;
	readonly aborted: boolean;
	readonly closed: boolean;
}

/** Collects a received file in memory: the fallback download and the tests' sink. */
export function memorySink(): MemorySink {
	let chunks: Uint8Array<ArrayBuffer>[] = [];
	let size = 0;
	let aborted = false;
	let closed = false;
	return {
		async write(chunk) {
			if (aborted || closed) throw new Error('sink is no longer writable');
			// Copied: the receiver hands the chunk's buffer on once this write is done.
			chunks.push(chunk.slice());
			size += chunk.length;
		},
		async close() {
			closed = true;
		},
		async abort() {
			aborted = true;
			chunks = [];
			size = 0;
		},
		result() {
			const bytes = new Uint8Array(size);
			let offset = 0;
			for (const chunk of chunks) {
				bytes.set(chunk, offset);
				offset += chunk.length;
			}
			return bytes;
		},
		toBlob(type = '') {
			return new Blob(chunks, { type });
		},
		get aborted() {
			return aborted;
		},
		get closed() {
			return closed;
		}
	};
}

/** The part of a `FileSystemWritableFileStream` a sink needs. */
export interface WritableFileStreamLike {
	write(data: Uint8Array | Blob): Promise<void>;
	close(): Promise<void>;
	abort(reason?: unknown): Promise<void>;
}

/**
 * Streams to a file chosen with `showSaveFilePicker`. Chromium writes to a temporary file and
 * moves it into place on `close()`, so `abort()` leaves no partial file behind.
 */
export function writableSink(writable: WritableFileStreamLike): FileSink {
	return {
		write: (chunk) => writable.write(chunk),
		close: () => writable.close(),
		abort: (reason) => writable.abort(reason)
	};
}
