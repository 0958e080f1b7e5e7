import crypto from 'node:crypto';
import type { Readable } from 'node:stream';
import { audit } from './audit';
import type { SessionUser } from './auth';
import { lockSession } from './db/locks';
import { log } from './log';
import { isPresentParticipant, participationOf } from './participants';
import type { Runtime } from './runtime';
import { randomId } from './secrets';
import { snapshotKey } from './snapshot-files';
import { bodyChunks } from './stored-files';
import { getSupportSession, recordServerEvent } from './support-sessions';

/**
 * Snapshots: PNG pictures of the customer's screen or camera (annotated or not) that an agent
 * in the session takes; kept with the session's report, their bytes in `runtime.snapshots`.
 */

export const SNAPSHOT_SOURCES = ['screen', 'camera'] as const;
export type SnapshotSource = (typeof SNAPSHOT_SOURCES)[number];

/** How many snapshots one session keeps (uploads under way count). */
export const MAX_SNAPSHOTS_PER_SESSION = 100;

/**
 * A pending row older than this is an upload that will never finish: Node gives a request
 * 5 minutes (requestTimeout), and a process that died mid-upload left its row behind.
 */
export const STALE_UPLOAD_MS = 15 * 60_000;

const PNG_SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export type SnapshotRefusal =
	/** No such session. */
	| 'not-found'
	/** This user was never one of the session's agents. */
	| 'not-participant'
	| 'session-ended'
	/** One of its agents, but not present now (left, or the account is disabled). */
	| 'not-present'
	| 'limit-reached'
	| 'too-large'
	| 'not-png'
	/** The body broke off before its end. */
	| 'incomplete';

export interface StoredSnapshot {
	id: string;
	takenAt: number;
	size: number;
	sha256: string;
}

export interface SnapshotUpload {
	sessionId: string;
	user: SessionUser;
	source: SnapshotSource;
	annotated: boolean;
	/** The request's Content-Length, when it had one. */
	declaredBytes: number | null;
	body: ReadableStream<Uint8Array> | null;
	/** For the audit log. */
	address: string | null;
}

class Rejected extends Error {
	constructor(readonly code: SnapshotRefusal) {
		super(code);
	}
}

/** Whether this user may add a snapshot to the session now (asked on every upload). */
async function uploadRefusal(
	runtime: Runtime,
	sessionId: string,
	user: SessionUser
): Promise<SnapshotRefusal | null> {
	const session = await getSupportSession(runtime, sessionId);
	if (!session) return 'not-found';
	const participation = await participationOf(runtime.db, sessionId, user.id);
	if (!participation) return 'not-participant';
	if (session.status === 'ended') return 'session-ended';
	// Not left, the session live, the account enabled: what signaling asks on every connect.
	if (!(await isPresentParticipant(runtime.db, sessionId, participation.peer_id, 'agent'))) {
		return 'not-present';
	}
	return null;
}

/**
 * Takes one of the session's places for a snapshot, before a byte of it is read: counted and
 * written in one transaction (the session's row locked on PostgreSQL; SQLite runs one
 * transaction at a time), so uploads in parallel, on any process, never exceed the limit.
 */
async function reservePlace(
	runtime: Runtime,
	row: {
		id: string;
		session_id: string;
		taken_by: string;
		taken_at: number;
		source: SnapshotSource;
		annotated: number;
		storage_key: string;
	}
): Promise<SnapshotRefusal | null> {
	return runtime.db.transaction().execute(async (trx) => {
		await lockSession(trx, row.session_id);
		const session = await trx
			.selectFrom('support_sessions')
			.select('status')
			.where('id', '=', row.session_id)
			.executeTakeFirst();
		if (!session) return 'not-found';
		if (session.status === 'ended') return 'session-ended';
		const { taken } = await trx
			.selectFrom('snapshots')
			.select((eb) => eb.fn.countAll<number>().as('taken'))
			.where('session_id', '=', row.session_id)
			.executeTakeFirstOrThrow();
		if (Number(taken) >= MAX_SNAPSHOTS_PER_SESSION) return 'limit-reached';
		await trx
			.insertInto('snapshots')
			.values({ ...row, status: 'pending', size: null, sha256: null })
			.execute();
		return null;
	});
}

/**
 * The body's bytes as they arrive, checked on the way: a PNG (its 8-byte signature), at most
 * `maxBytes`, hashed. Stops reading at the first refusal without cancelling the request, so the
 * answer still reaches the client.
 */
async function* checkedPng(
	body: ReadableStream<Uint8Array>,
	maxBytes: number,
	tally: { size: number; hash: crypto.Hash }
): AsyncGenerator<Uint8Array> {
	const head = new Uint8Array(PNG_SIGNATURE.length);
	let headLength = 0;
	for await (const chunk of bodyChunks(body, (code) => new Rejected(code))) {
		tally.size += chunk.byteLength;
		if (tally.size > maxBytes) throw new Rejected('too-large');
		if (headLength < head.length) {
			const part = chunk.subarray(0, head.length - headLength);
			head.set(part, headLength);
			headLength += part.length;
			if (headLength === head.length && !head.every((byte, i) => byte === PNG_SIGNATURE[i])) {
				throw new Rejected('not-png');
			}
		}
		tally.hash.update(chunk);
		yield chunk;
	}
	if (headLength < head.length) throw new Rejected('not-png');
}

/**
 * Stores a snapshot a present agent uploads: place taken first, then the body streamed to
 * storage (checked, counted, hashed), then the row and the report's `snapshot` event written
 * together. On any refusal or failure the place is given back and nothing stays stored.
 */
export async function takeSnapshot(
	runtime: Runtime,
	upload: SnapshotUpload
): Promise<{ ok: true; snapshot: StoredSnapshot } | { ok: false; error: SnapshotRefusal }> {
	const refusal = await uploadRefusal(runtime, upload.sessionId, upload.user);
	if (refusal) return { ok: false, error: refusal };
	const maxBytes = runtime.config.snapshotMaxBytes;
	if (upload.declaredBytes !== null && upload.declaredBytes > maxBytes) {
		return { ok: false, error: 'too-large' };
	}
	if (!upload.body) return { ok: false, error: 'not-png' };

	const id = randomId(16);
	const takenAt = Date.now();
	const key = snapshotKey(upload.sessionId, id);
	const reserved = await reservePlace(runtime, {
		id,
		session_id: upload.sessionId,
		taken_by: upload.user.id,
		taken_at: takenAt,
		source: upload.source,
		annotated: upload.annotated ? 1 : 0,
		storage_key: key
	});
	if (reserved) return { ok: false, error: reserved };

	const giveBack = async () => {
		await runtime.snapshots.remove(key);
		await runtime.db.deleteFrom('snapshots').where('id', '=', id).execute();
	};
	const tally = { size: 0, hash: crypto.createHash('sha256') };
	try {
		await runtime.snapshots.write(key, checkedPng(upload.body, maxBytes, tally));
	} catch (error) {
		await giveBack();
		if (error instanceof Rejected) return { ok: false, error: error.code };
		throw error;
	}
	const sha256 = tally.hash.digest('hex');
	const data = {
		snapshotId: id,
		source: upload.source,
		annotated: upload.annotated,
		size: tally.size
	};
	let stored: boolean;
	try {
		stored = await runtime.db.transaction().execute(async (trx) => {
			const result = await trx
				.updateTable('snapshots')
				.set({ status: 'stored', size: tally.size, sha256 })
				.where('id', '=', id)
				.where('status', '=', 'pending')
				.executeTakeFirst();
			// Swept as stale meanwhile: its place is gone, so is this picture.
			if (Number(result.numUpdatedRows) !== 1) return false;
			await recordServerEvent(runtime, upload.sessionId, 'snapshot', data, upload.user.id, {
				db: trx,
				at: takenAt
			});
			return true;
		});
	} catch (error) {
		await giveBack();
		throw error;
	}
	if (!stored) {
		await giveBack();
		return { ok: false, error: 'incomplete' };
	}
	await audit(runtime.db, {
		actorId: upload.user.id,
		action: 'snapshot.taken',
		target: upload.sessionId,
		detail: data,
		ip: upload.address
	});
	return { ok: true, snapshot: { id, takenAt, size: tally.size, sha256 } };
}

export interface SnapshotLine {
	id: string;
	takenAt: number;
	takenByName: string | null;
	source: SnapshotSource;
	annotated: boolean;
	size: number;
	sha256: string;
}

/** A session's stored snapshots, oldest first (what its report lists and exports carry). */
export async function snapshotsOf(runtime: Runtime, sessionId: string): Promise<SnapshotLine[]> {
	const rows = await runtime.db
		.selectFrom('snapshots as s')
		.leftJoin('users as u', 'u.id', 's.taken_by')
		.select(['s.id', 's.taken_at', 's.source', 's.annotated', 's.size', 's.sha256', 'u.name'])
		.where('s.session_id', '=', sessionId)
		.where('s.status', '=', 'stored')
		.orderBy('s.taken_at')
		.orderBy('s.id')
		.execute();
	return rows.map((row) => ({
		id: row.id,
		takenAt: row.taken_at,
		takenByName: row.name,
		source: row.source === 'camera' ? 'camera' : 'screen',
		annotated: row.annotated === 1,
		size: row.size ?? 0,
		sha256: row.sha256 ?? ''
	}));
}

/** One stored snapshot of this session, as a stream; null when the session has no such one. */
export async function openSnapshot(
	runtime: Runtime,
	sessionId: string,
	snapshotId: string
): Promise<{ stream: Readable; size: number; takenAt: number } | null> {
	const row = await runtime.db
		.selectFrom('snapshots')
		.select(['storage_key', 'taken_at'])
		.where('id', '=', snapshotId)
		.where('session_id', '=', sessionId)
		.where('status', '=', 'stored')
		.executeTakeFirst();
	if (!row) return null;
	const file = await runtime.snapshots.open(row.storage_key);
	return file ? { ...file, takenAt: row.taken_at } : null;
}

/**
 * A session's snapshots go, pictures and rows: what deleting its report (retention) must call
 * before the session's row goes (the rows would follow it, the pictures would not).
 */
export async function deleteSessionSnapshots(runtime: Runtime, sessionId: string): Promise<void> {
	await runtime.db.deleteFrom('snapshots').where('session_id', '=', sessionId).execute();
	await runtime.snapshots.removeSession(sessionId);
}

/** Gives back the places of uploads that will never finish (their partial files go too). */
export async function sweepStaleSnapshots(runtime: Runtime, now = Date.now()): Promise<number> {
	const stale = await runtime.db
		.selectFrom('snapshots')
		.select(['id', 'storage_key'])
		.where('status', '=', 'pending')
		.where('taken_at', '<', now - STALE_UPLOAD_MS)
		.limit(500)
		.execute();
	for (const row of stale) {
		const removed = await runtime.db
			.deleteFrom('snapshots')
			.where('id', '=', row.id)
			.where('status', '=', 'pending')
			.executeTakeFirst();
		if (Number(removed.numDeletedRows) === 1) await runtime.snapshots.remove(row.storage_key);
	}
	if (stale.length > 0)
		log.warn('snapshot uploads that never finished were swept', { count: stale.length });
	return stale.length;
}
