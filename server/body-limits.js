// How large a request body may be. adapter-node holds every request to one BODY_SIZE_LIMIT (512K
// unless set); a snapshot upload (a PNG of a screen, up to SNAPSHOT_MAX_BYTES) and a recording
// chunk (up to RECORDING_CHUNK_MAX_BYTES) need more. So server/index.js raises the adapter's limit
// to the larger of the two (unless the operator set one), hooks.server.ts holds every other
// request to the 512K it had, and those uploads count their own.

/** Every request body but a snapshot's: adapter-node's own default. */
export const DEFAULT_BODY_LIMIT = 512 * 1024;

/** The largest snapshot, unless SNAPSHOT_MAX_BYTES says otherwise. */
export const DEFAULT_SNAPSHOT_MAX_BYTES = 8 * 1024 * 1024;

/** The largest recording chunk, unless RECORDING_CHUNK_MAX_BYTES says otherwise. */
export const DEFAULT_RECORDING_CHUNK_MAX_BYTES = 8 * 1024 * 1024;

const SNAPSHOT_UPLOAD_PATH = /^\/api\/sessions\/[^/]+\/snapshots\/?$/;
const CHUNK_UPLOAD_PATH = /^\/api\/sessions\/[^/]+\/recording\/segments\/[^/]+\/chunks\/[^/]+\/?$/;

/**
 * Whether a request is a snapshot upload (POST /api/sessions/[id]/snapshots).
 * @param {string} method
 * @param {string} path
 */
export function isSnapshotUpload(method, path) {
	return method === 'POST' && SNAPSHOT_UPLOAD_PATH.test(path);
}

/**
 * Whether a request is a recording chunk upload
 * (PUT /api/sessions/[id]/recording/segments/[segment]/chunks/[index]).
 * @param {string} method
 * @param {string} path
 */
export function isRecordingChunkUpload(method, path) {
	return method === 'PUT' && CHUNK_UPLOAD_PATH.test(path);
}

/**
 * Whether a request's body is one that counts its own bytes (a snapshot or a recording chunk).
 * @param {string} method
 * @param {string} path
 */
export function isOwnLimitUpload(method, path) {
	return isSnapshotUpload(method, path) || isRecordingChunkUpload(method, path);
}

/**
 * A whole-bytes variable, or its default when unset or not a positive number (readConfig
 * refuses such a value with a message; this only decides the adapter's limit).
 * @param {string | undefined} raw
 * @param {number} fallback
 */
function bytesOr(raw, fallback) {
	const value = Number(raw);
	return raw && Number.isFinite(value) && value > 0 ? Math.floor(value) : fallback;
}

/**
 * SNAPSHOT_MAX_BYTES as a whole number of bytes; its default when unset (readConfig refuses a
 * value that is not a positive number).
 * @param {Record<string, string | undefined>} env
 */
export function snapshotMaxBytes(env) {
	return bytesOr(env.SNAPSHOT_MAX_BYTES, DEFAULT_SNAPSHOT_MAX_BYTES);
}

/**
 * RECORDING_CHUNK_MAX_BYTES as a whole number of bytes; its default when unset.
 * @param {Record<string, string | undefined>} env
 */
export function recordingChunkMaxBytes(env) {
	return bytesOr(env.RECORDING_CHUNK_MAX_BYTES, DEFAULT_RECORDING_CHUNK_MAX_BYTES);
}

/**
 * The BODY_SIZE_LIMIT adapter-node is to apply: the operator's, else room for a snapshot and for
 * a recording chunk.
 * @param {Record<string, string | undefined>} env
 */
export function adapterBodyLimit(env) {
	return (
		env.BODY_SIZE_LIMIT ||
		String(Math.max(DEFAULT_BODY_LIMIT, snapshotMaxBytes(env), recordingChunkMaxBytes(env)))
	);
}
