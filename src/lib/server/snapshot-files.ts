import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { writeWhole } from './stored-files';

/**
 * Where snapshot pictures are kept: behind this interface, so object storage can take the
 * disk's place. A key is `<sessionId>/<snapshotId>.png`; the store decides keys, never a request.
 */
export interface SnapshotStorage {
	/**
	 * Stores what `body` yields under `key`, all or nothing: on any failure (the body's own
	 * included) nothing is left behind and the error is thrown on.
	 */
	write(key: string, body: AsyncIterable<Uint8Array>): Promise<void>;
	/** The stored bytes as a stream, with their size; null when there are none. */
	open(key: string): Promise<{ stream: Readable; size: number } | null>;
	/** Removes what is stored under `key` (a partial write too); nothing there is fine. */
	remove(key: string): Promise<void>;
	/** Removes every snapshot of a session (its report is gone). */
	removeSession(sessionId: string): Promise<void>;
}

const KEY = /^[A-Za-z0-9_-]{1,64}\/[A-Za-z0-9_-]{1,64}\.png$/;

/** The key of a session's snapshot. */
export function snapshotKey(sessionId: string, snapshotId: string): string {
	const key = `${sessionId}/${snapshotId}.png`;
	if (!KEY.test(key)) throw new Error('not a snapshot key');
	return key;
}

/**
 * Snapshots on disk, in `DATA_DIR/snapshots/<sessionId>/<id>.png` (directories 0700, files
 * 0600, like the rest of DATA_DIR). A write streams into a temporary file beside the picture,
 * flushed to disk, then renamed into place: a crash leaves a `.part` file, never half a picture.
 */
export function diskSnapshotStorage(dataDir: string): SnapshotStorage {
	const root = path.join(dataDir, 'snapshots');
	const fileOf = (key: string) => {
		// Keys come from the store; checked again so no path ever leaves the directory.
		if (!KEY.test(key)) throw new Error('not a snapshot key');
		return path.join(root, ...key.split('/'));
	};
	const partOf = (key: string) => `${fileOf(key)}.part`;

	return {
		async write(key, body) {
			await writeWhole(root, fileOf(key), partOf(key), body);
		},

		async open(key) {
			const file = fileOf(key);
			let size: number;
			try {
				size = (await fsp.stat(file)).size;
			} catch {
				return null;
			}
			return { stream: fs.createReadStream(file), size };
		},

		async remove(key) {
			await fsp.rm(fileOf(key), { force: true });
			await fsp.rm(partOf(key), { force: true });
		},

		async removeSession(sessionId) {
			if (!/^[A-Za-z0-9_-]{1,64}$/.test(sessionId)) throw new Error('not a session ID');
			await fsp.rm(path.join(root, sessionId), { recursive: true, force: true });
		}
	};
}
