import { audit } from './audit';
import type { SessionUser } from './auth';
import type { DB } from './db';
import { lockSession } from './db/locks';
import { isPostgres } from './db/dialect';
import { log } from './log';
import { isPresentParticipant, participationOf } from './participants';
import { recordingChunkKey, recordingFileKey, type StoredRecordingFile } from './recording-files';
import type { Runtime } from './runtime';
import { randomId } from './secrets';
import { bodyChunks } from './stored-files';
import { featuresFor, getSupportSession, recordServerEvent } from './support-sessions';
import { assembledBytes, planAssembly, type ChunkSource } from './webm-assembly';

/**
 * Session recordings: the owner agent's browser records the session and uploads it in chunks
 * (see docs/architecture.md and the report page). One recording per session, in segments (one
 * per owner: a hand-over starts the next); each segment's chunks are assembled into one seekable
 * WebM when it ends. The bytes are in `runtime.recordings`; the rows say what arrived, what it
 * takes, and when it goes.
 */

/** The highest segment number and chunk index a request may name. */
export const MAX_SEGMENT = 9999;
export const MAX_CHUNK_INDEX = 999_999;
/** An open segment with no chunk for this long lost its browser: the server ends it. */
export const SEGMENT_GRACE_MS = 10 * 60_000;
/**
 * After the session ends (the customer may end it at any moment), the agents present at its end
 * may still send the chunks their recorder held and end their segments for this long; only then
 * does the server end a segment with what arrived.
 */
export const LATE_UPLOAD_MS = 60_000;
/** A pending chunk older than this is an upload that will never finish (see snapshots). */
export const STALE_CHUNK_MS = 15 * 60_000;
/** An assembly claimed longer ago than this was a process that died: another takes it over. */
const ASSEMBLY_CLAIM_MS = 30 * 60_000;
/** A session's `recording-problem` events beyond this are logged, not kept. */
export const MAX_PROBLEMS_PER_SESSION = 100;
/** The most missing indexes an answer or an event lists. */
const MAX_LISTED_MISSING = 1000;
export const DAY_MS = 24 * 60 * 60_000;

export const PROBLEM_REASONS = ['unsupported', 'upload-failing', 'recorder-error'] as const;
export type ProblemReason = (typeof PROBLEM_REASONS)[number];

export type RecordingRefusal =
	/** No such session, or no such segment. */
	| 'not-found'
	/** This user was never one of the session's agents. */
	| 'not-participant'
	| 'session-ended'
	/** One of its agents, but not present now. */
	| 'not-present'
	/** The session's owner's settings do not record it. */
	| 'not-recorded'
	/** Only the owner starts a segment; only its own agent uploads to or ends one. */
	| 'not-owner'
	/** A chunk beyond the segment's end. */
	| 'segment-ended'
	| 'too-large'
	/** The session's or the server's space for recordings is used up. */
	| 'storage-full'
	| 'bad-index'
	| 'length-required'
	/** The body broke off before its Content-Length. */
	| 'incomplete'
	/** A newer upload of the same chunk took this one's place. */
	| 'superseded';

type Refused = { ok: false; error: RecordingRefusal };

function withinLateUpload(endedAt: number | null, now: number): boolean {
	return endedAt !== null && now - endedAt <= LATE_UPLOAD_MS;
}
const refused = (error: RecordingRefusal): Refused => ({ ok: false, error });

class Rejected extends Error {
	constructor(readonly code: RecordingRefusal) {
		super(code);
	}
}

/**
 * Whether this user may act on the session's recording now (asked on every request): one of its
 * agents, present in the live session, and the owner's settings record it.
 */
async function callerRefusal(
	runtime: Runtime,
	sessionId: string,
	user: SessionUser,
	options: { late?: boolean } = {}
): Promise<
	{ ok: true; session: { id: string; agent_id: string }; retentionDays: number } | Refused
> {
	const session = await getSupportSession(runtime, sessionId);
	if (!session) return refused('not-found');
	const participation = await participationOf(runtime.db, sessionId, user.id);
	if (!participation) return refused('not-participant');
	if (session.status === 'ended') {
		// Present when it ended (not gone before), and the last chunks are still on their way.
		const presentAtEnd =
			participation.left_at !== null && participation.left_at === session.ended_at;
		if (!options.late || !presentAtEnd || !withinLateUpload(session.ended_at, Date.now())) {
			return refused('session-ended');
		}
	} else if (!(await isPresentParticipant(runtime.db, sessionId, participation.peer_id, 'agent'))) {
		return refused('not-present');
	}
	const features = await featuresFor(runtime, { id: session.agent_id });
	if (!features.record) return refused('not-recorded');
	return { ok: true, session, retentionDays: features.recordingRetentionDays };
}

async function lockSpace(trx: DB): Promise<number> {
	let query = trx.selectFrom('recording_space').select('bytes').where('id', '=', 'total');
	if (isPostgres(trx)) query = query.forUpdate();
	const row = await query.executeTakeFirst();
	return Number(row?.bytes ?? 0);
}

async function changeSpace(trx: DB, recordingId: string, delta: number): Promise<void> {
	if (delta === 0) return;
	await trx
		.updateTable('recordings')
		.set((eb) => ({ bytes: eb('bytes', '+', delta) }))
		.where('id', '=', recordingId)
		.execute();
	await trx
		.updateTable('recording_space')
		.set((eb) => ({ bytes: eb('bytes', '+', delta) }))
		.where('id', '=', 'total')
		.execute();
}

/** Counted for the administrator (the groups page shows it) and logged, each time. */
async function countRefusal(
	runtime: Runtime,
	reason: 'chunk-too-large' | 'session-full' | 'server-full',
	detail: Record<string, unknown>
): Promise<void> {
	log.warn('recording upload refused', { reason, ...detail });
	await runtime.db
		.updateTable('recording_refusals')
		.set((eb) => ({ count: eb('count', '+', 1), last_at: Date.now() }))
		.where('reason', '=', reason)
		.execute();
}

/** The indexes below `count` that never arrived (an upload under way has not arrived). */
async function missingChunks(
	db: DB,
	recordingId: string,
	segment: number,
	count: number
): Promise<number[]> {
	const rows = await db
		.selectFrom('recording_chunks')
		.select('chunk_index')
		.where('recording_id', '=', recordingId)
		.where('segment', '=', segment)
		.where('status', '!=', 'pending')
		.where('chunk_index', '<', count)
		.orderBy('chunk_index')
		.execute();
	const missing: number[] = [];
	let next = 0;
	for (const { chunk_index: index } of [...rows, { chunk_index: count }]) {
		for (; next < index && missing.length < MAX_LISTED_MISSING; next++) missing.push(next);
		next = index + 1;
		if (missing.length >= MAX_LISTED_MISSING) break;
	}
	return missing;
}

/** The segment's chunk count as the server knows it: its highest stored index, plus one. */
async function storedCount(db: DB, recordingId: string, segment: number): Promise<number> {
	const row = await db
		.selectFrom('recording_chunks')
		.select((eb) => eb.fn.max('chunk_index').as('top'))
		.where('recording_id', '=', recordingId)
		.where('segment', '=', segment)
		.where('status', '!=', 'pending')
		.executeTakeFirst();
	return row?.top === null || row?.top === undefined ? 0 : Number(row.top) + 1;
}

/**
 * The server ends an open segment (its browser is gone, or a new segment began) with what
 * arrived; false when it was ended meanwhile. Inside the caller's transaction.
 */
async function endByServer(
	runtime: Runtime,
	trx: DB,
	sessionId: string,
	segment: { recording_id: string; segment: number; duration_ms?: number | null },
	reason: 'new-segment' | 'session-ended' | 'idle',
	now: number
): Promise<boolean> {
	const chunks = await storedCount(trx, segment.recording_id, segment.segment);
	const ended = await trx
		.updateTable('recording_segments')
		.set({ ended_at: now, ended_by: 'server', chunk_count: chunks })
		.where('recording_id', '=', segment.recording_id)
		.where('segment', '=', segment.segment)
		.where('ended_at', 'is', null)
		.executeTakeFirst();
	if (Number(ended.numUpdatedRows) !== 1) return false;
	const missing = await missingChunks(trx, segment.recording_id, segment.segment, chunks);
	await recordServerEvent(
		runtime,
		sessionId,
		'recording-segment-ended',
		{ segment: segment.segment, chunks, missing, durationMs: null, by: 'server', reason },
		null,
		{ db: trx, at: now }
	);
	return true;
}

/**
 * The session's owner starts the next segment of the session's recording (the recording itself
 * with the first): segment 0, 1, 2… Any segment still open (a previous owner's, or this owner's
 * before a reload) is ended first, with what arrived.
 */
export async function startSegment(
	runtime: Runtime,
	request: { sessionId: string; user: SessionUser; mimeType: string; address: string | null }
): Promise<{ ok: true; recordingId: string; segment: number } | Refused> {
	const caller = await callerRefusal(runtime, request.sessionId, request.user);
	if (!caller.ok) return caller;
	if (caller.session.agent_id !== request.user.id) return refused('not-owner');
	const now = Date.now();
	const result = await runtime.db.transaction().execute(async (trx) => {
		await lockSession(trx, request.sessionId);
		const session = await trx
			.selectFrom('support_sessions')
			.select(['status', 'agent_id'])
			.where('id', '=', request.sessionId)
			.executeTakeFirst();
		if (!session) return refused('not-found');
		if (session.status === 'ended') return refused('session-ended');
		if (session.agent_id !== request.user.id) return refused('not-owner');
		let recording = await trx
			.selectFrom('recordings')
			.select('id')
			.where('session_id', '=', request.sessionId)
			.executeTakeFirst();
		if (!recording) {
			recording = { id: randomId(16) };
			await trx
				.insertInto('recordings')
				.values({
					id: recording.id,
					session_id: request.sessionId,
					created_at: now,
					retention_days: caller.retentionDays,
					expires_at: null,
					bytes: 0
				})
				.execute();
		}
		const segments = await trx
			.selectFrom('recording_segments')
			.select(['recording_id', 'segment', 'ended_at'])
			.where('recording_id', '=', recording.id)
			.orderBy('segment')
			.execute();
		for (const open of segments.filter((s) => s.ended_at === null)) {
			await endByServer(runtime, trx, request.sessionId, open, 'new-segment', now);
		}
		const segment = segments.length === 0 ? 0 : segments.at(-1)!.segment + 1;
		if (segment > MAX_SEGMENT) return refused('bad-index');
		await trx
			.insertInto('recording_segments')
			.values({
				recording_id: recording.id,
				segment,
				owner_id: request.user.id,
				mime_type: request.mimeType,
				started_at: now,
				last_activity_at: now,
				ended_at: null,
				ended_by: null,
				chunk_count: null,
				duration_ms: null,
				chunk_version: 0,
				assembled_version: null,
				assembling_at: null,
				file_size: null,
				file_duration_ms: null,
				assembly_note: null
			})
			.execute();
		await recordServerEvent(
			runtime,
			request.sessionId,
			'recording-started',
			{ segment, owner: request.user.name },
			request.user.id,
			{ db: trx, at: now }
		);
		return { ok: true as const, recordingId: recording.id, segment };
	});
	if (!result.ok) return result;
	await audit(runtime.db, {
		actorId: request.user.id,
		action: 'recording.started',
		target: request.sessionId,
		detail: { recordingId: result.recordingId, segment: result.segment },
		ip: request.address
	});
	runtime.recordingWork.kick();
	return result;
}

/** The segment, if it exists and this user is its agent. */
async function ownSegment(
	db: DB,
	sessionId: string,
	segment: number,
	user: SessionUser
): Promise<
	| {
			ok: true;
			row: {
				recording_id: string;
				segment: number;
				owner_id: string;
				ended_at: number | null;
				ended_by: string | null;
				chunk_count: number | null;
			};
	  }
	| Refused
> {
	const row = await db
		.selectFrom('recording_segments as g')
		.innerJoin('recordings as r', 'r.id', 'g.recording_id')
		.select([
			'g.recording_id',
			'g.segment',
			'g.owner_id',
			'g.ended_at',
			'g.ended_by',
			'g.chunk_count'
		])
		.where('r.session_id', '=', sessionId)
		.where('g.segment', '=', segment)
		.executeTakeFirst();
	if (!row) return refused('not-found');
	if (row.owner_id !== user.id) return refused('not-owner');
	return { ok: true, row };
}

export interface ChunkUpload {
	sessionId: string;
	user: SessionUser;
	segment: number;
	index: number;
	/** The request's Content-Length, when it had one. */
	declaredBytes: number | null;
	body: ReadableStream<Uint8Array> | null;
}

/**
 * The body's bytes as they arrive, counted: exactly `declared` of them. Stops reading at the
 * first refusal without cancelling the request, so the answer still reaches the client.
 */
async function* checkedBody(
	body: ReadableStream<Uint8Array> | null,
	declared: number
): AsyncGenerator<Uint8Array> {
	let size = 0;
	if (body) {
		for await (const chunk of bodyChunks(body, (code) => new Rejected(code))) {
			size += chunk.byteLength;
			if (size > declared) throw new Rejected('too-large');
			yield chunk;
		}
	}
	if (size !== declared) throw new Rejected('incomplete');
}

/**
 * Stores one chunk of a segment, idempotent by (recording, segment, index): the same chunk
 * again changes nothing (`duplicate`). Its space is charged first, in a transaction with the
 * session's row locked (and the server's total), before a byte of it is read; then it streams
 * to storage; on any failure the space is given back and nothing stays stored.
 */
export async function storeChunk(
	runtime: Runtime,
	upload: ChunkUpload
): Promise<{ ok: true; duplicate: boolean } | Refused> {
	if (
		!Number.isSafeInteger(upload.segment) ||
		!Number.isSafeInteger(upload.index) ||
		upload.segment < 0 ||
		upload.segment > MAX_SEGMENT ||
		upload.index < 0 ||
		upload.index > MAX_CHUNK_INDEX
	) {
		return refused('bad-index');
	}
	const caller = await callerRefusal(runtime, upload.sessionId, upload.user, { late: true });
	if (!caller.ok) return caller;
	const own = await ownSegment(runtime.db, upload.sessionId, upload.segment, upload.user);
	if (!own.ok) return own;
	const { recording_id: recordingId } = own.row;
	const declared = upload.declaredBytes;
	if (declared === null) return refused('length-required');
	const { recordingChunkMaxBytes, recordingSessionMaxBytes, recordingsMaxBytes } = runtime.config;
	const where = { session: upload.sessionId, segment: upload.segment, index: upload.index };
	if (declared > recordingChunkMaxBytes) {
		await countRefusal(runtime, 'chunk-too-large', { ...where, bytes: declared });
		return refused('too-large');
	}

	const uploadId = randomId(12);
	const key = recordingChunkKey(recordingId, upload.segment, upload.index, uploadId);
	const now = Date.now();
	const reserved = await runtime.db.transaction().execute(async (trx) => {
		await lockSession(trx, upload.sessionId);
		const session = await trx
			.selectFrom('support_sessions')
			.select(['status', 'ended_at'])
			.where('id', '=', upload.sessionId)
			.executeTakeFirst();
		if (!session) return 'not-found' as const;
		if (session.status === 'ended' && !withinLateUpload(session.ended_at, now)) {
			return 'session-ended' as const;
		}
		const segment = await trx
			.selectFrom('recording_segments')
			.select(['ended_at', 'chunk_count'])
			.where('recording_id', '=', recordingId)
			.where('segment', '=', upload.segment)
			.executeTakeFirst();
		if (!segment) return 'not-found' as const;
		if (segment.ended_at !== null && upload.index >= (segment.chunk_count ?? 0)) {
			return 'segment-ended' as const;
		}
		const existing = await trx
			.selectFrom('recording_chunks')
			.select(['status', 'size'])
			.where('recording_id', '=', recordingId)
			.where('segment', '=', upload.segment)
			.where('chunk_index', '=', upload.index)
			.executeTakeFirst();
		if (existing && existing.status !== 'pending') return 'duplicate' as const;
		// A retry of an upload still pending (the first attempt's connection, or its process, is
		// gone) takes its place: charged the difference only.
		const delta = declared - Number(existing?.size ?? 0);
		const recording = await trx
			.selectFrom('recordings')
			.select('bytes')
			.where('id', '=', recordingId)
			.executeTakeFirstOrThrow();
		if (Number(recording.bytes) + delta > recordingSessionMaxBytes) return 'session-full' as const;
		const total = await lockSpace(trx);
		if (total + delta > recordingsMaxBytes) return 'server-full' as const;
		await changeSpace(trx, recordingId, delta);
		if (existing) {
			await trx
				.updateTable('recording_chunks')
				.set({ size: declared, upload_id: uploadId, storage_key: key, reserved_at: now })
				.where('recording_id', '=', recordingId)
				.where('segment', '=', upload.segment)
				.where('chunk_index', '=', upload.index)
				.execute();
		} else {
			await trx
				.insertInto('recording_chunks')
				.values({
					recording_id: recordingId,
					segment: upload.segment,
					chunk_index: upload.index,
					status: 'pending',
					size: declared,
					upload_id: uploadId,
					storage_key: key,
					reserved_at: now,
					stored_at: null
				})
				.execute();
		}
		await trx
			.updateTable('recording_segments')
			.set({ last_activity_at: now })
			.where('recording_id', '=', recordingId)
			.where('segment', '=', upload.segment)
			.execute();
		return null;
	});
	if (reserved === 'duplicate') return { ok: true, duplicate: true };
	if (reserved === 'session-full' || reserved === 'server-full') {
		await countRefusal(runtime, reserved, { ...where, bytes: declared });
		return refused('storage-full');
	}
	if (reserved) return refused(reserved);

	const giveBack = async () => {
		await runtime.db.transaction().execute(async (trx) => {
			await lockSession(trx, upload.sessionId);
			const removed = await trx
				.deleteFrom('recording_chunks')
				.where('recording_id', '=', recordingId)
				.where('segment', '=', upload.segment)
				.where('chunk_index', '=', upload.index)
				.where('upload_id', '=', uploadId)
				.where('status', '=', 'pending')
				.executeTakeFirst();
			if (Number(removed.numDeletedRows) === 1) {
				await lockSpace(trx);
				await changeSpace(trx, recordingId, -declared);
			}
		});
		await runtime.recordings.remove(key);
	};
	try {
		await runtime.recordings.write(key, checkedBody(upload.body, declared));
	} catch (error) {
		await giveBack();
		if (error instanceof Rejected) return refused(error.code);
		throw error;
	}
	let stored: boolean;
	let segmentEnded = false;
	try {
		stored = await runtime.db.transaction().execute(async (trx) => {
			await lockSession(trx, upload.sessionId);
			const result = await trx
				.updateTable('recording_chunks')
				.set({ status: 'stored', stored_at: Date.now() })
				.where('recording_id', '=', recordingId)
				.where('segment', '=', upload.segment)
				.where('chunk_index', '=', upload.index)
				.where('upload_id', '=', uploadId)
				.where('status', '=', 'pending')
				.executeTakeFirst();
			if (Number(result.numUpdatedRows) !== 1) return false;
			const bumped = await trx
				.updateTable('recording_segments')
				.set((eb) => ({ chunk_version: eb('chunk_version', '+', 1) }))
				.where('recording_id', '=', recordingId)
				.where('segment', '=', upload.segment)
				.returning(['ended_at'])
				.executeTakeFirst();
			segmentEnded = bumped?.ended_at !== null && bumped?.ended_at !== undefined;
			return true;
		});
	} catch (error) {
		await giveBack();
		throw error;
	}
	if (!stored) {
		// Taken over by a retry (which has the place now), or swept as stale: this copy goes.
		await runtime.recordings.remove(key);
		return refused('superseded');
	}
	// A late chunk of an ended segment: its file is made again with it.
	if (segmentEnded) runtime.recordingWork.kick();
	return { ok: true, duplicate: false };
}

/**
 * The segment's browser ends it: `chunks` it made, `durationMs` long. Idempotent; answers the
 * indexes below `chunks` that never arrived (they may still come: an upload retried late).
 */
export async function endSegment(
	runtime: Runtime,
	request: {
		sessionId: string;
		user: SessionUser;
		segment: number;
		chunks: number;
		durationMs: number;
	}
): Promise<{ ok: true; missing: number[] } | Refused> {
	if (!Number.isSafeInteger(request.segment) || request.segment < 0) return refused('bad-index');
	const caller = await callerRefusal(runtime, request.sessionId, request.user, { late: true });
	if (!caller.ok) return caller;
	const own = await ownSegment(runtime.db, request.sessionId, request.segment, request.user);
	if (!own.ok) return own;
	const { recording_id: recordingId } = own.row;
	const now = Date.now();
	const missing = await runtime.db.transaction().execute(async (trx) => {
		await lockSession(trx, request.sessionId);
		const segment = await trx
			.selectFrom('recording_segments')
			.select(['ended_at', 'ended_by', 'chunk_count'])
			.where('recording_id', '=', recordingId)
			.where('segment', '=', request.segment)
			.executeTakeFirstOrThrow();
		// Nothing stored is ever left out: a count below what arrived is raised to it.
		const chunks = Math.max(request.chunks, await storedCount(trx, recordingId, request.segment));
		if (segment.ended_at === null || segment.ended_by === 'server') {
			// The server may have ended it first (idle, a new segment): the browser's word is the
			// better one, so late chunks below its count are still taken.
			await trx
				.updateTable('recording_segments')
				.set({
					ended_at: segment.ended_at ?? now,
					ended_by: 'browser',
					chunk_count: Math.max(chunks, segment.chunk_count ?? 0),
					duration_ms: request.durationMs
				})
				.where('recording_id', '=', recordingId)
				.where('segment', '=', request.segment)
				.execute();
			const missing = await missingChunks(trx, recordingId, request.segment, chunks);
			if (segment.ended_at === null) {
				await recordServerEvent(
					runtime,
					request.sessionId,
					'recording-segment-ended',
					{
						segment: request.segment,
						chunks,
						missing,
						durationMs: request.durationMs,
						by: 'browser'
					},
					request.user.id,
					{ db: trx, at: now }
				);
			}
			return missing;
		}
		return missingChunks(trx, recordingId, request.segment, segment.chunk_count ?? chunks);
	});
	runtime.recordingWork.kick();
	return { ok: true, missing };
}

/** The browser cannot record, or its uploads keep failing: into the report, and the log. */
export async function recordProblem(
	runtime: Runtime,
	request: { sessionId: string; user: SessionUser; reason: ProblemReason; detail: string | null }
): Promise<{ ok: true } | Refused> {
	const caller = await callerRefusal(runtime, request.sessionId, request.user);
	if (!caller.ok) return caller;
	// The detail is the browser's text: kept in the report, never in the log.
	log.warn('recording problem', { session: request.sessionId, reason: request.reason });
	const { count } = await runtime.db
		.selectFrom('session_events')
		.select((eb) => eb.fn.countAll<number>().as('count'))
		.where('session_id', '=', request.sessionId)
		.where('type', '=', 'recording-problem')
		.executeTakeFirstOrThrow();
	if (Number(count) >= MAX_PROBLEMS_PER_SESSION) return { ok: true };
	await recordServerEvent(
		runtime,
		request.sessionId,
		'recording-problem',
		request.detail
			? { reason: request.reason, detail: request.detail }
			: { reason: request.reason },
		request.user.id
	);
	return { ok: true };
}

/**
 * Assembles one segment that is due (ended, and its file older than its chunks), if another
 * process has not claimed it: the chunks it holds, in order, into one seekable file.
 */
async function assembleSegment(
	runtime: Runtime,
	segment: { recording_id: string; segment: number; chunk_version: number },
	now: number
): Promise<void> {
	const claimed = await runtime.db
		.updateTable('recording_segments')
		.set({ assembling_at: now })
		.where('recording_id', '=', segment.recording_id)
		.where('segment', '=', segment.segment)
		.where('chunk_version', '=', segment.chunk_version)
		.where((eb) =>
			eb.or([eb('assembling_at', 'is', null), eb('assembling_at', '<', now - ASSEMBLY_CLAIM_MS)])
		)
		.executeTakeFirst();
	if (Number(claimed.numUpdatedRows) !== 1) return;
	const release = (values: {
		file_size: number | null;
		file_duration_ms: number | null;
		assembly_note: string | null;
	}) =>
		runtime.db
			.updateTable('recording_segments')
			.set({ ...values, assembled_version: segment.chunk_version, assembling_at: null })
			.where('recording_id', '=', segment.recording_id)
			.where('segment', '=', segment.segment)
			.execute();
	try {
		const info = await runtime.db
			.selectFrom('recording_segments')
			.select('chunk_count')
			.where('recording_id', '=', segment.recording_id)
			.where('segment', '=', segment.segment)
			.executeTakeFirstOrThrow();
		const rows = await runtime.db
			.selectFrom('recording_chunks')
			.select(['chunk_index', 'storage_key', 'size'])
			.where('recording_id', '=', segment.recording_id)
			.where('segment', '=', segment.segment)
			.where('status', '=', 'stored')
			.where('chunk_index', '<', info.chunk_count ?? 0)
			.orderBy('chunk_index')
			.execute();
		const sources: ChunkSource[] = rows.map((row) => ({
			index: row.chunk_index,
			size: Number(row.size),
			async *read(start, end) {
				if (end <= start) return;
				const file = await runtime.recordings.open(row.storage_key);
				if (!file) throw new Error(`chunk ${row.chunk_index} is gone from storage`);
				yield* file.stream({ start, end: end - 1 }) as AsyncIterable<Uint8Array>;
			}
		}));
		const plan = await planAssembly(sources);
		const key = recordingFileKey(segment.recording_id, segment.segment);
		if (!plan.ok) {
			await runtime.recordings.remove(key);
			await release({ file_size: null, file_duration_ms: null, assembly_note: plan.note });
			log.warn('recording segment could not be assembled', {
				recording: segment.recording_id,
				segment: segment.segment,
				note: plan.note
			});
			return;
		}
		await runtime.recordings.write(key, assembledBytes(plan));
		await release({
			file_size: plan.size,
			file_duration_ms: plan.durationMs,
			assembly_note: plan.dropped.length > 0 ? 'gaps' : null
		});
	} catch (error) {
		// Given back, to be tried again by the next sweep.
		await runtime.db
			.updateTable('recording_segments')
			.set({ assembling_at: null })
			.where('recording_id', '=', segment.recording_id)
			.where('segment', '=', segment.segment)
			.execute();
		throw error;
	}
}

/**
 * Once a session has ended and a segment's file holds every chunk it will ever get, the chunks'
 * own files go (their rows stay: which indexes arrived). Files first, then rows: a crash between
 * leaves rows whose files are gone, which the next sweep marks.
 */
async function mergeChunks(runtime: Runtime, limit: number): Promise<number> {
	const due = await runtime.db
		.selectFrom('recording_segments as g')
		.innerJoin('recordings as r', 'r.id', 'g.recording_id')
		.innerJoin('support_sessions as s', 's.id', 'r.session_id')
		.select(['g.recording_id', 'g.segment', 'r.session_id'])
		.where('s.status', '=', 'ended')
		.where('g.ended_at', 'is not', null)
		.where('g.assembling_at', 'is', null)
		.whereRef('g.assembled_version', '=', 'g.chunk_version')
		.where(({ exists, selectFrom }) =>
			exists(
				selectFrom('recording_chunks as c')
					.select('c.chunk_index')
					.whereRef('c.recording_id', '=', 'g.recording_id')
					.whereRef('c.segment', '=', 'g.segment')
					.where('c.status', '=', 'stored')
			)
		)
		.limit(limit)
		.execute();
	for (const segment of due) {
		const pending = await runtime.db
			.selectFrom('recording_chunks')
			.select('chunk_index')
			.where('recording_id', '=', segment.recording_id)
			.where('segment', '=', segment.segment)
			.where('status', '=', 'pending')
			.executeTakeFirst();
		if (pending) continue;
		const chunks = await runtime.db
			.selectFrom('recording_chunks')
			.select(['chunk_index', 'storage_key'])
			.where('recording_id', '=', segment.recording_id)
			.where('segment', '=', segment.segment)
			.where('status', '=', 'stored')
			.execute();
		for (const chunk of chunks) await runtime.recordings.remove(chunk.storage_key);
		await runtime.db
			.updateTable('recording_chunks')
			.set({ status: 'merged' })
			.where('recording_id', '=', segment.recording_id)
			.where('segment', '=', segment.segment)
			.where('status', '=', 'stored')
			.execute();
	}
	return due.length;
}

/** Gives back the space of chunk uploads that will never finish (their partial files go too). */
async function sweepStaleChunks(runtime: Runtime, now: number): Promise<number> {
	const stale = await runtime.db
		.selectFrom('recording_chunks as c')
		.innerJoin('recordings as r', 'r.id', 'c.recording_id')
		.select(['c.recording_id', 'c.segment', 'c.chunk_index', 'c.upload_id', 'c.storage_key'])
		.select(['r.session_id'])
		.where('c.status', '=', 'pending')
		.where('c.reserved_at', '<', now - STALE_CHUNK_MS)
		.limit(500)
		.execute();
	for (const row of stale) {
		const removed = await runtime.db.transaction().execute(async (trx) => {
			await lockSession(trx, row.session_id);
			const chunk = await trx
				.deleteFrom('recording_chunks')
				.where('recording_id', '=', row.recording_id)
				.where('segment', '=', row.segment)
				.where('chunk_index', '=', row.chunk_index)
				.where('upload_id', '=', row.upload_id)
				.where('status', '=', 'pending')
				.returning(['size'])
				.executeTakeFirst();
			if (!chunk) return false;
			await lockSpace(trx);
			await changeSpace(trx, row.recording_id, -Number(chunk.size));
			return true;
		});
		if (removed) await runtime.recordings.remove(row.storage_key);
	}
	if (stale.length > 0) {
		log.warn('recording chunk uploads that never finished were swept', { count: stale.length });
	}
	return stale.length;
}

/**
 * A recording goes, files and rows, with an audit entry: its retention ended, or an
 * administrator deleted it. Files first: a crash between leaves the rows, and the next sweep deletes again.
 */
async function deleteRecording(
	runtime: Runtime,
	recording: { id: string; session_id: string },
	reason: 'retention' | 'administrator',
	actorId: string | null
): Promise<boolean> {
	await runtime.recordings.removeRecording(recording.id);
	const bytes = await runtime.db.transaction().execute(async (trx) => {
		await lockSession(trx, recording.session_id);
		const row = await trx
			.selectFrom('recordings')
			.select('bytes')
			.where('id', '=', recording.id)
			.executeTakeFirst();
		if (!row) return null;
		await lockSpace(trx);
		await changeSpace(trx, recording.id, -Number(row.bytes));
		await trx.deleteFrom('recording_chunks').where('recording_id', '=', recording.id).execute();
		await trx.deleteFrom('recording_segments').where('recording_id', '=', recording.id).execute();
		await trx.deleteFrom('recordings').where('id', '=', recording.id).execute();
		return Number(row.bytes);
	});
	if (bytes === null) return false;
	await audit(runtime.db, {
		actorId,
		action: 'recording.deleted',
		target: recording.session_id,
		detail: { recordingId: recording.id, reason, bytes }
	});
	return true;
}

/**
 * A session's recording goes, files and rows, at an administrator's word (a customer's request to
 * erase it, say), once the session has ended; audited with who did it.
 */
export async function deleteSessionRecording(
	runtime: Runtime,
	sessionId: string,
	actorId: string | null = null
): Promise<boolean> {
	const recording = await runtime.db
		.selectFrom('recordings')
		.select(['id', 'session_id'])
		.where('session_id', '=', sessionId)
		.executeTakeFirst();
	if (!recording) return false;
	return deleteRecording(runtime, recording, 'administrator', actorId);
}

/**
 * Everything the recordings need from time to time, all from the database (so a restart loses
 * none of it): segments whose browser is gone are ended, recordings of ended sessions get their
 * expiry, due segments are assembled, finished chunks merged, expired recordings deleted, dead
 * uploads given back. `now` is injectable for the tests' clock.
 */
export async function settleRecordings(runtime: Runtime, now = Date.now()): Promise<void> {
	// Open segments of sessions ended longer ago than their last chunks may take, and idle ones.
	const open = await runtime.db
		.selectFrom('recording_segments as g')
		.innerJoin('recordings as r', 'r.id', 'g.recording_id')
		.innerJoin('support_sessions as s', 's.id', 'r.session_id')
		.select(['g.recording_id', 'g.segment', 'r.session_id', 's.status'])
		.where('g.ended_at', 'is', null)
		.where((eb) =>
			eb.or([
				eb.and([eb('s.status', '=', 'ended'), eb('s.ended_at', '<', now - LATE_UPLOAD_MS)]),
				eb.and([
					eb('s.status', '!=', 'ended'),
					eb('g.last_activity_at', '<', now - SEGMENT_GRACE_MS)
				])
			])
		)
		.limit(500)
		.execute();
	for (const segment of open) {
		await runtime.db.transaction().execute(async (trx) => {
			await lockSession(trx, segment.session_id);
			await endByServer(
				runtime,
				trx,
				segment.session_id,
				segment,
				segment.status === 'ended' ? 'session-ended' : 'idle',
				now
			);
		});
	}

	// Kept `retention_days` from the session's end.
	const unset = await runtime.db
		.selectFrom('recordings as r')
		.innerJoin('support_sessions as s', 's.id', 'r.session_id')
		.select(['r.id', 'r.retention_days', 's.ended_at'])
		.where('r.expires_at', 'is', null)
		.where('s.status', '=', 'ended')
		.limit(500)
		.execute();
	for (const recording of unset) {
		await runtime.db
			.updateTable('recordings')
			.set({ expires_at: (recording.ended_at ?? now) + recording.retention_days * DAY_MS })
			.where('id', '=', recording.id)
			.where('expires_at', 'is', null)
			.execute();
	}

	const due = await runtime.db
		.selectFrom('recording_segments')
		.select(['recording_id', 'segment', 'chunk_version'])
		.where('ended_at', 'is not', null)
		.where((eb) =>
			eb.or([
				eb('assembled_version', 'is', null),
				eb('assembled_version', '!=', eb.ref('chunk_version'))
			])
		)
		.where((eb) =>
			eb.or([eb('assembling_at', 'is', null), eb('assembling_at', '<', now - ASSEMBLY_CLAIM_MS)])
		)
		.orderBy('ended_at')
		.limit(20)
		.execute();
	for (const segment of due) {
		try {
			await assembleSegment(runtime, segment, now);
		} catch (error) {
			log.error('recording assembly failed', {
				recording: segment.recording_id,
				segment: segment.segment,
				error: String(error)
			});
		}
	}

	await mergeChunks(runtime, 50);

	const expired = await runtime.db
		.selectFrom('recordings')
		.select(['id', 'session_id'])
		.where('expires_at', 'is not', null)
		.where('expires_at', '<=', now)
		.limit(100)
		.execute();
	for (const recording of expired) await deleteRecording(runtime, recording, 'retention', null);

	await sweepStaleChunks(runtime, now);
}

/**
 * Runs `settleRecordings` in the background, one run at a time: a kick while one runs asks for
 * another after it. `idle` resolves once nothing is left to run (tests wait on it).
 */
export class RecordingWorker {
	#running: Promise<void> | null = null;
	#again = false;

	constructor(private readonly work: () => Promise<void>) {}

	kick(): void {
		if (this.#running) {
			this.#again = true;
			return;
		}
		this.#running = this.#loop();
	}

	idle(): Promise<void> {
		return this.#running ?? Promise.resolve();
	}

	async #loop(): Promise<void> {
		try {
			do {
				this.#again = false;
				try {
					await this.work();
				} catch (error) {
					log.error('recording sweep failed', { error: String(error) });
				}
			} while (this.#again);
		} finally {
			this.#running = null;
		}
	}
}

export interface RecordingSegmentView {
	segment: number;
	ownerName: string | null;
	startedAt: number;
	endedAt: number | null;
	endedBy: 'browser' | 'server' | null;
	/** How many chunks it has (null while it records). */
	chunks: number | null;
	/** Indexes below that count that never arrived (at most 1000 listed). */
	missing: number[];
	/** The browser's own measure, and the assembled file's. */
	durationMs: number | null;
	fileDurationMs: number | null;
	fileSize: number | null;
	/** Its file can be played. */
	playable: boolean;
	/** Why not, or why only partly: see RecordingSegmentsTable.assembly_note; 'recording' while open, 'assembling' once ended and not yet made. */
	state: 'recording' | 'assembling' | 'ready' | 'gaps' | 'no-start' | 'unreadable';
}

export interface RecordingView {
	id: string;
	retentionDays: number;
	expiresAt: number | null;
	segments: RecordingSegmentView[];
}

/** What the report shows of the session's recording; null when it has none. */
export async function recordingOf(
	runtime: Runtime,
	sessionId: string
): Promise<RecordingView | null> {
	const recording = await runtime.db
		.selectFrom('recordings')
		.select(['id', 'retention_days', 'expires_at'])
		.where('session_id', '=', sessionId)
		.executeTakeFirst();
	if (!recording) return null;
	const rows = await runtime.db
		.selectFrom('recording_segments as g')
		.leftJoin('users as u', 'u.id', 'g.owner_id')
		.selectAll('g')
		.select('u.name as owner_name')
		.where('g.recording_id', '=', recording.id)
		.orderBy('g.segment')
		.execute();
	const segments: RecordingSegmentView[] = [];
	for (const row of rows) {
		const chunks = row.ended_at === null ? null : (row.chunk_count ?? 0);
		const missing =
			chunks === null ? [] : await missingChunks(runtime.db, recording.id, row.segment, chunks);
		const assembled = row.assembled_version !== null;
		const playable = assembled && row.file_size !== null;
		const state: RecordingSegmentView['state'] =
			row.ended_at === null
				? 'recording'
				: !assembled
					? 'assembling'
					: row.assembly_note === 'no-start' || row.assembly_note === 'unreadable'
						? row.assembly_note
						: row.assembly_note === 'gaps' || missing.length > 0
							? 'gaps'
							: 'ready';
		segments.push({
			segment: row.segment,
			ownerName: row.owner_name,
			startedAt: Number(row.started_at),
			endedAt: row.ended_at === null ? null : Number(row.ended_at),
			endedBy: row.ended_by,
			chunks,
			missing,
			durationMs: row.duration_ms === null ? null : Number(row.duration_ms),
			fileDurationMs: row.file_duration_ms === null ? null : Number(row.file_duration_ms),
			fileSize: row.file_size === null ? null : Number(row.file_size),
			playable,
			state
		});
	}
	return {
		id: recording.id,
		retentionDays: recording.retention_days,
		expiresAt: recording.expires_at === null ? null : Number(recording.expires_at),
		segments
	};
}

/** A segment's assembled file, held open; null when the session has no such playable part. */
export async function openRecordingPart(
	runtime: Runtime,
	sessionId: string,
	segment: number
): Promise<(StoredRecordingFile & { startedAt: number }) | null> {
	if (!Number.isSafeInteger(segment) || segment < 0 || segment > MAX_SEGMENT) return null;
	const row = await runtime.db
		.selectFrom('recording_segments as g')
		.innerJoin('recordings as r', 'r.id', 'g.recording_id')
		.select(['g.recording_id', 'g.started_at', 'g.file_size'])
		.where('r.session_id', '=', sessionId)
		.where('g.segment', '=', segment)
		.executeTakeFirst();
	if (!row || row.file_size === null) return null;
	const file = await runtime.recordings.open(recordingFileKey(row.recording_id, segment));
	return file ? Object.assign(file, { startedAt: Number(row.started_at) }) : null;
}

export interface RecordingSpaceView {
	usedBytes: number;
	maxBytes: number;
	refusals: {
		reason: 'chunk-too-large' | 'session-full' | 'server-full';
		count: number;
		lastAt: number | null;
	}[];
}

/** What the administrator sees: the space recordings take, and uploads refused for size. */
export async function recordingSpace(runtime: Runtime): Promise<RecordingSpaceView> {
	const space = await runtime.db
		.selectFrom('recording_space')
		.select('bytes')
		.where('id', '=', 'total')
		.executeTakeFirst();
	const refusals = await runtime.db
		.selectFrom('recording_refusals')
		.select(['reason', 'count', 'last_at'])
		.orderBy('reason')
		.execute();
	return {
		usedBytes: Number(space?.bytes ?? 0),
		maxBytes: runtime.config.recordingsMaxBytes,
		refusals: refusals.map((r) => ({
			reason: r.reason,
			count: Number(r.count),
			lastAt: r.last_at === null ? null : Number(r.last_at)
		}))
	};
}
