// How large a request body may be. adapter-node holds every request to one BODY_SIZE_LIMIT (512K
// unless set); a snapshot upload (a PNG of a screen, up to SNAPSHOT_MAX_BYTES) needs more. So
// server/index.js raises the adapter's limit to the snapshot size (unless the operator set one),
// hooks.server.ts holds every other request to the 512K it had, and the upload counts its own.

/** Every request body but a snapshot's: adapter-node's own default. */
export const DEFAULT_BODY_LIMIT = 512 * 1024;

/** The largest snapshot, unless SNAPSHOT_MAX_BYTES says otherwise. */
export const DEFAULT_SNAPSHOT_MAX_BYTES = 8 * 1024 * 1024;

const SNAPSHOT_UPLOAD_PATH = /^\/api\/sessions\/[^/]+\/snapshots\/?$/;

/**
 * Whether a request is a snapshot upload (POST /api/sessions/[id]/snapshots).
 * @param {string} method
 * @param {string} path
 */
export function isSnapshotUpload(method, path) {
	return method === 'POST' && SNAPSHOT_UPLOAD_PATH.test(path);
}

/**
 * SNAPSHOT_MAX_BYTES as a whole number of bytes; its default when unset (readConfig refuses a
 * value that is not a positive number).
 * @param {Record<string, string | undefined>} env
 */
export function snapshotMaxBytes(env) {
	const value = Number(env.SNAPSHOT_MAX_BYTES);
	return env.SNAPSHOT_MAX_BYTES && Number.isFinite(value) && value > 0
		? Math.floor(value)
		: DEFAULT_SNAPSHOT_MAX_BYTES;
}

/**
 * The BODY_SIZE_LIMIT adapter-node is to apply: the operator's, else room for a snapshot.
 * @param {Record<string, string | undefined>} env
 */
export function adapterBodyLimit(env) {
	return env.BODY_SIZE_LIMIT || String(Math.max(DEFAULT_BODY_LIMIT, snapshotMaxBytes(env)));
}
