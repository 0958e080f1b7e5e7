import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { writeWhole } from './stored-files';

/**
 * Where recordings are kept: behind this interface, so object storage can take the disk's place.
 * The store decides every key (`recordingChunkKey`, `recordingFileKey`), never a request.
 */
export interface RecordingStorage {
	/**
	 * Stores what `body` yields under `key`, all or nothing: on any failure (the body's own
	 * included) nothing is left behind and the error is thrown on. Replaces what was there.
	 */
	write(key: string, body: AsyncIterable<Uint8Array>): Promise<void>;
	/** The stored size, or null when nothing is stored there. */
	size(key: string): Promise<number | null>;
	/** What is stored under `key`, opened (null when there is nothing): see StoredRecordingFile. */
	open(key: string): Promise<StoredRecordingFile | null>;
	/** Removes what is stored under `key` (a partial write too); nothing there is fine. */
	remove(key: string): Promise<void>;
	/** Removes everything of a recording (its chunks and assembled parts). */
	removeRecording(recordingId: string): Promise<void>;
}

/**
 * A stored file held open: its size, and its bytes as a stream (all of them, or `range`, inclusive
 * offsets within the size). A write replacing it meanwhile changes nothing for this reader. Call
 * `stream` once, or `close`.
 */
export interface StoredRecordingFile {
	size: number;
	stream(range?: { start: number; end: number }): Readable;
	close(): Promise<void>;
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const KEY = /^[A-Za-z0-9_-]{1,64}\/\d{1,6}\/(?:part|c\d{1,7}-[A-Za-z0-9_-]{1,64})\.webm$/;

function checked(key: string): string {
	if (!KEY.test(key)) throw new Error('not a recording key');
	return key;
}

/** Where one upload of a chunk is kept (each upload its own file: a retry never meets another). */
export function recordingChunkKey(
	recordingId: string,
	segment: number,
	index: number,
	uploadId: string
): string {
	return checked(`${recordingId}/${segment}/c${index}-${uploadId}.webm`);
}

/** Where a segment's assembled, seekable file is kept. */
export function recordingFileKey(recordingId: string, segment: number): string {
	return checked(`${recordingId}/${segment}/part.webm`);
}

/**
 * Recordings on disk, in `DATA_DIR/recordings/<recordingId>/<segment>/…` (directories 0700,
 * files 0600, like the rest of DATA_DIR). A write streams into a temporary file beside its
 * place, flushed to disk, then renamed over it: a crash leaves a `.part` file, never half a
 * chunk, and a reader of the old file keeps reading it whole.
 */
export function diskRecordingStorage(dataDir: string): RecordingStorage {
	const root = path.join(dataDir, 'recordings');
	// Keys come from the store; checked again so no path ever leaves the directory.
	const fileOf = (key: string) => path.join(root, ...checked(key).split('/'));
	const partOf = (key: string) => `${fileOf(key)}.part`;

	return {
		async write(key, body) {
			await writeWhole(root, fileOf(key), partOf(key), body);
		},

		async size(key) {
			try {
				return (await fsp.stat(fileOf(key))).size;
			} catch {
				return null;
			}
		},

		async open(key) {
			let handle: fsp.FileHandle;
			try {
				handle = await fsp.open(fileOf(key), 'r');
			} catch {
				return null;
			}
			let size: number;
			try {
				size = (await handle.stat()).size;
			} catch (error) {
				await handle.close();
				throw error;
			}
			return {
				size,
				// The stream owns the handle from here: it closes it when done or destroyed.
				stream: (range) => handle.createReadStream(range ? { ...range } : {}),
				close: () => handle.close()
			};
		},

		async remove(key) {
			await fsp.rm(fileOf(key), { force: true });
			await fsp.rm(partOf(key), { force: true });
		},

		async removeRecording(recordingId) {
			if (!ID.test(recordingId)) throw new Error('not a recording ID');
			await fsp.rm(path.join(root, recordingId), { recursive: true, force: true });
		}
	};
}
