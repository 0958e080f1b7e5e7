import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Decoder } from 'ts-ebml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POST as startRoute } from '../../routes/api/sessions/[id]/recording/segments/+server';
import { PUT as chunkRoute } from '../../routes/api/sessions/[id]/recording/segments/[segment]/chunks/[index]/+server';
import { POST as endRoute } from '../../routes/api/sessions/[id]/recording/segments/[segment]/end/+server';
import { POST as problemRoute } from '../../routes/api/sessions/[id]/recording/problems/+server';
import { GET as playRoute } from '../../routes/agent/reports/[id]/recording/[segment]/+server';
import { createUser, type SessionUser } from './auth';
import { joinAsAgent, leaveSession } from './invitations';
import {
	DAY_MS,
	SEGMENT_GRACE_MS,
	LATE_UPLOAD_MS,
	STALE_CHUNK_MS,
	deleteSessionRecording,
	recordingOf,
	recordingSpace,
	settleRecordings
} from './recordings';
import type { Runtime } from './runtime';
import {
	agentTicket,
	claimSessionCode,
	createSupportSession,
	endSupportSession,
	getSupportSession
} from './support-sessions';
import { openTestRuntime } from './test-runtime';

let runtime: Runtime;
let admin: SessionUser;
let counter = 0;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ponte-recordings-'));
const FIXTURE = path.join(import.meta.dirname, 'fixtures', 'recording');
const CHUNKS = fs
	.readdirSync(FIXTURE)
	.map((name) => Number(/^chunk-(\d+)\.webm$/.exec(name)?.[1]))
	.filter((index) => Number.isInteger(index))
	.sort((a, b) => a - b)
	.map((index) => new Uint8Array(fs.readFileSync(path.join(FIXTURE, `chunk-${index}.webm`))));
const CHUNK_MAX = 64 * 1024;

beforeAll(async () => {
	runtime = await openTestRuntime(dataDir, 'admin@recordings.test');
	runtime.config.recordingChunkMaxBytes = CHUNK_MAX;
	runtime.config.recordingSessionMaxBytes = 1024 * 1024;
	runtime.config.recordingsMaxBytes = 64 * 1024 * 1024;
	// Every agent here records (the default group); one agent's own override turns it off.
	await runtime.db
		.updateTable('groups')
		.set({ record_sessions: 1, recording_retention_days: 7 })
		.execute();
	admin = await runtime.db
		.selectFrom('users')
		.select(['id', 'email', 'name', 'role'])
		.where('email', '=', 'admin@recordings.test')
		.executeTakeFirstOrThrow();
});

afterAll(async () => {
	await runtime.close();
	fs.rmSync(dataDir, { recursive: true, force: true });
});

function newAgent(name: string) {
	counter++;
	return createUser(runtime.db, {
		email: `${name.toLowerCase()}.${counter}@recordings.test`,
		name,
		password: 'agent-password-1',
		role: 'agent'
	});
}

/** A live session: its owner (viewer open), a customer, and a colleague who joined. */
async function liveSession() {
	const owner = await newAgent('Anna');
	const colleague = await newAgent('Bruno');
	const { id, code } = await createSupportSession(runtime, owner);
	const claim = await claimSessionCode(runtime, {
		code,
		customerName: 'Maria',
		clientAddress: `198.51.100.${counter % 250}`
	});
	if (!claim.ok) throw new Error('claim failed');
	await agentTicket(runtime, (await getSupportSession(runtime, id))!, owner);
	await joinAsAgent(runtime, id, colleague);
	return { id, owner, colleague };
}

function event<T extends (event: never) => unknown>(
	route: T,
	url: string,
	user: SessionUser | null,
	params: Record<string, string>,
	init: RequestInit = {}
): Parameters<T>[0] {
	const request = new Request(url, { duplex: 'half', ...init } as RequestInit);
	return {
		params,
		locals: { user },
		request,
		url: new URL(url),
		getClientAddress: () => '203.0.113.7'
	} as unknown as Parameters<T>[0];
}

async function answer(response: Response) {
	const text = await response.text();
	return {
		status: response.status,
		body: text ? (JSON.parse(text) as Record<string, unknown>) : null
	};
}

async function start(
	user: SessionUser | null,
	sessionId: string,
	body: unknown = { mimeType: 'video/webm;codecs=vp8,opus' }
) {
	const url = `http://localhost/api/sessions/${sessionId}/recording/segments`;
	return answer(
		await startRoute(
			event(
				startRoute,
				url,
				user,
				{ id: sessionId },
				{ method: 'POST', body: JSON.stringify(body) }
			)
		)
	);
}

interface PutOptions {
	/** The Content-Length to declare; by default the body's, when it is bytes. */
	length?: number | null;
	type?: string;
}

async function put(
	user: SessionUser | null,
	sessionId: string,
	segment: number | string,
	index: number | string,
	body: Uint8Array | ReadableStream<Uint8Array> | null,
	options: PutOptions = {}
) {
	const url = `http://localhost/api/sessions/${sessionId}/recording/segments/${segment}/chunks/${index}`;
	const headers: Record<string, string> = { 'content-type': options.type ?? 'video/webm' };
	const length =
		options.length === undefined && body instanceof Uint8Array ? body.length : options.length;
	if (length !== null && length !== undefined) headers['content-length'] = String(length);
	return answer(
		await chunkRoute(
			event(
				chunkRoute,
				url,
				user,
				{ id: sessionId, segment: String(segment), index: String(index) },
				{ method: 'PUT', headers, body: body as BodyInit | null }
			)
		)
	);
}

async function end(user: SessionUser, sessionId: string, segment: number, body: unknown) {
	const url = `http://localhost/api/sessions/${sessionId}/recording/segments/${segment}/end`;
	return answer(
		await endRoute(
			event(
				endRoute,
				url,
				user,
				{ id: sessionId, segment: String(segment) },
				{ method: 'POST', body: JSON.stringify(body) }
			)
		)
	);
}

async function problem(user: SessionUser, sessionId: string, body: unknown) {
	const url = `http://localhost/api/sessions/${sessionId}/recording/problems`;
	return answer(
		await problemRoute(
			event(
				problemRoute,
				url,
				user,
				{ id: sessionId },
				{ method: 'POST', body: JSON.stringify(body) }
			)
		)
	);
}

async function play(
	user: SessionUser,
	sessionId: string,
	segment: number,
	range?: string,
	query = ''
) {
	const url = `http://localhost/agent/reports/${sessionId}/recording/${segment}${query}`;
	try {
		const response = await playRoute(
			event(
				playRoute,
				url,
				user,
				{ id: sessionId, segment: String(segment) },
				{
					headers: range ? { range } : {}
				}
			)
		);
		return {
			status: response.status,
			headers: response.headers,
			bytes: new Uint8Array(await response.arrayBuffer())
		};
	} catch (thrown) {
		const status = (thrown as { status?: number }).status;
		if (typeof status !== 'number') throw thrown;
		return { status, headers: new Headers(), bytes: new Uint8Array() };
	}
}

async function recordingRow(sessionId: string) {
	return runtime.db
		.selectFrom('recordings')
		.selectAll()
		.where('session_id', '=', sessionId)
		.executeTakeFirst();
}

async function chunkRows(sessionId: string) {
	const recording = await recordingRow(sessionId);
	if (!recording) return [];
	return runtime.db
		.selectFrom('recording_chunks')
		.select(['segment', 'chunk_index', 'status', 'size'])
		.where('recording_id', '=', recording.id)
		.orderBy('segment')
		.orderBy('chunk_index')
		.execute();
}

/** Every file under the recording's directory, temporary ones included. */
async function filesOf(sessionId: string): Promise<string[]> {
	const recording = await recordingRow(sessionId);
	if (!recording) return [];
	const root = path.join(dataDir, 'recordings', recording.id);
	try {
		return (fs.readdirSync(root, { recursive: true }) as string[])
			.filter((name) => fs.statSync(path.join(root, name)).isFile())
			.sort();
	} catch {
		return [];
	}
}

async function eventsOf(sessionId: string, type: string) {
	const rows = await runtime.db
		.selectFrom('session_events')
		.select(['type', 'actor', 'data'])
		.where('session_id', '=', sessionId)
		.where('type', '=', type)
		.orderBy('seq')
		.execute();
	return rows.map((row) => ({
		actor: row.actor,
		data: JSON.parse(row.data) as Record<string, unknown>
	}));
}

const auditOf = (sessionId: string, action: string) =>
	runtime.db
		.selectFrom('audit_log')
		.select(['actor_id', 'detail'])
		.where('target', '=', sessionId)
		.where('action', '=', action)
		.orderBy('id')
		.execute();

/** A body delivered in pieces, each after `gate` (if given) has opened. */
function streamOf(chunks: Uint8Array[], gate?: Promise<void>): ReadableStream<Uint8Array> {
	let index = 0;
	return new ReadableStream({
		async pull(controller) {
			await gate;
			if (index < chunks.length) controller.enqueue(chunks[index++]);
			else controller.close();
		}
	});
}

describe('recording a segment', () => {
	it('chunks in any order, duplicates ignored, assembled into a seekable file the report plays', async () => {
		const { id, owner, colleague } = await liveSession();
		const started = await start(owner, id);
		expect(started).toEqual({
			status: 201,
			body: { recordingId: expect.stringMatching(/^[A-Za-z0-9_-]{16,}$/), segment: 0 }
		});
		expect(await eventsOf(id, 'recording-started')).toEqual([
			{ actor: owner.id, data: { segment: 0, owner: 'Anna' } }
		]);
		expect((await recordingRow(id))?.retention_days).toBe(7);

		// Out of order, with a duplicate: each stored once.
		for (const index of [3, 0, 2, 5, 1, 4]) {
			expect(await put(owner, id, 0, index, CHUNKS[index])).toEqual({
				status: 200,
				body: { stored: true, duplicate: false }
			});
		}
		expect(await put(owner, id, 0, 2, CHUNKS[2])).toEqual({
			status: 200,
			body: { stored: true, duplicate: true }
		});
		// A duplicate with other bytes changes nothing either (the first copy stays).
		expect((await put(owner, id, 0, 2, new Uint8Array(10))).body).toMatchObject({
			duplicate: true
		});
		const total = CHUNKS.reduce((sum, chunk) => sum + chunk.byteLength, 0);
		expect((await recordingRow(id))?.bytes).toBe(total);
		expect((await recordingSpace(runtime)).usedBytes).toBeGreaterThanOrEqual(total);
		// Private on disk: 0600 files, 0700 directories.
		const files = await filesOf(id);
		expect(files).toHaveLength(6);
		const recordingDir = path.join(dataDir, 'recordings', (await recordingRow(id))!.id);
		for (const file of files)
			expect(fs.statSync(path.join(recordingDir, file)).mode & 0o077).toBe(0);
		expect(fs.statSync(recordingDir).mode & 0o077).toBe(0);

		// Only the segment's own agent uploads to it, or starts one.
		expect(await put(colleague, id, 0, 6, CHUNKS[0])).toEqual({
			status: 403,
			body: { error: 'not-owner' }
		});
		expect(await start(colleague, id)).toEqual({ status: 403, body: { error: 'not-owner' } });

		expect(await end(owner, id, 0, { chunks: 6, durationMs: 6040 })).toEqual({
			status: 200,
			body: { missing: [] }
		});
		// Idempotent.
		expect(await end(owner, id, 0, { chunks: 6, durationMs: 6040 })).toEqual({
			status: 200,
			body: { missing: [] }
		});
		expect(await eventsOf(id, 'recording-segment-ended')).toEqual([
			{
				actor: owner.id,
				data: { segment: 0, chunks: 6, missing: [], durationMs: 6040, by: 'browser' }
			}
		]);
		// After its end, a chunk beyond it is refused.
		expect(await put(owner, id, 0, 6, CHUNKS[0])).toEqual({
			status: 409,
			body: { error: 'segment-ended' }
		});
		await runtime.recordingWork.idle();

		const view = (await recordingOf(runtime, id))!;
		expect(view.segments).toEqual([
			expect.objectContaining({
				segment: 0,
				ownerName: 'Anna',
				chunks: 6,
				missing: [],
				durationMs: 6040,
				playable: true,
				state: 'ready'
			})
		]);
		const fileDuration = view.segments[0].fileDurationMs!;
		expect(Math.abs(fileDuration - 6040)).toBeLessThan(500);

		// Served to a reader of the report: whole, with Duration and Cues.
		const whole = await play(colleague, id, 0);
		expect(whole.status).toBe(200);
		expect(whole.headers.get('content-type')).toBe('video/webm');
		expect(whole.headers.get('accept-ranges')).toBe('bytes');
		expect(whole.headers.get('content-length')).toBe(String(whole.bytes.byteLength));
		expect(whole.headers.get('content-disposition')).toMatch(
			/^inline; filename="recording-.*-part-1\.webm"$/
		);
		const elements = new Decoder().decode(Buffer.from(whole.bytes) as unknown as ArrayBuffer);
		expect(elements.some((e) => e.name === 'Cues')).toBe(true);
		expect(elements.some((e) => e.name === 'Duration')).toBe(true);
		const size = whole.bytes.byteLength;

		// Ranges, as a player seeks.
		const first = await play(colleague, id, 0, 'bytes=0-99');
		expect(first.status).toBe(206);
		expect(first.headers.get('content-range')).toBe(`bytes 0-99/${size}`);
		expect(first.bytes).toEqual(whole.bytes.subarray(0, 100));
		const middle = await play(colleague, id, 0, 'bytes=1000-');
		expect(middle.status).toBe(206);
		expect(middle.headers.get('content-length')).toBe(String(size - 1000));
		expect(middle.bytes).toEqual(whole.bytes.subarray(1000));
		const suffix = await play(colleague, id, 0, 'bytes=-50');
		expect(suffix.headers.get('content-range')).toBe(`bytes ${size - 50}-${size - 1}/${size}`);
		expect(suffix.bytes).toEqual(whole.bytes.subarray(size - 50));
		const beyond = await play(colleague, id, 0, `bytes=${size}-`);
		expect(beyond.status).toBe(416);
		expect(beyond.headers.get('content-range')).toBe(`bytes */${size}`);
		expect((await play(colleague, id, 0, 'bytes=5-1')).status).toBe(200);
		expect((await play(colleague, id, 0, 'bytes=0-1,5-9')).status).toBe(200);

		const downloaded = await play(admin, id, 0, undefined, '?download=1');
		expect(downloaded.status).toBe(200);
		expect(downloaded.headers.get('content-disposition')).toMatch(/^attachment; /);
		// A view is audited once per playback (its requests from byte 0), a download each time.
		expect((await auditOf(id, 'recording.viewed')).map((a) => a.actor_id)).toEqual([
			colleague.id,
			colleague.id,
			colleague.id,
			colleague.id
		]);
		expect(await auditOf(id, 'recording.downloaded')).toEqual([
			{ actor_id: admin.id, detail: JSON.stringify({ segment: 0 }) }
		]);
		expect((await play(colleague, id, 1)).status).toBe(404);
		expect((await play(colleague, id, 'x' as unknown as number)).status).toBe(404);

		// Once the session has ended, the chunks' own files go; the part plays on.
		await endSupportSession(runtime, id, { reason: 'agent', by: owner.id });
		await settleRecordings(runtime);
		expect(await filesOf(id)).toEqual([path.join('0', 'part.webm')]);
		expect((await chunkRows(id)).map((c) => c.status)).toEqual(Array(6).fill('merged'));
		expect((await play(owner, id, 0)).bytes).toEqual(whole.bytes);
	});

	it('a gap is told, a late chunk below the end still taken (and the part made again)', async () => {
		const { id, owner } = await liveSession();
		await start(owner, id);
		for (const index of [0, 1, 3])
			expect((await put(owner, id, 0, index, CHUNKS[index])).status).toBe(200);
		expect(await end(owner, id, 0, { chunks: 5, durationMs: 5000 })).toEqual({
			status: 200,
			body: { missing: [2, 4] }
		});
		await runtime.recordingWork.idle();
		let view = (await recordingOf(runtime, id))!;
		expect(view.segments[0]).toMatchObject({ missing: [2, 4], state: 'gaps', playable: true });
		const before = view.segments[0].fileSize;

		expect((await put(owner, id, 0, 2, CHUNKS[2])).status).toBe(200);
		expect((await put(owner, id, 0, 5, CHUNKS[5])).body).toEqual({ error: 'segment-ended' });
		await runtime.recordingWork.idle();
		view = (await recordingOf(runtime, id))!;
		expect(view.segments[0].missing).toEqual([4]);
		expect(view.segments[0].fileSize).toBeGreaterThan(before!);
		expect(await end(owner, id, 0, { chunks: 5, durationMs: 5000 })).toMatchObject({
			body: { missing: [4] }
		});
	});

	it('without chunk 0 the part is said to be missing, plainly', async () => {
		const { id, owner } = await liveSession();
		await start(owner, id);
		await put(owner, id, 0, 1, CHUNKS[1]);
		await end(owner, id, 0, { chunks: 2, durationMs: 2000 });
		await runtime.recordingWork.idle();
		expect((await recordingOf(runtime, id))!.segments[0]).toMatchObject({
			missing: [0],
			playable: false,
			state: 'no-start'
		});
		expect((await play(owner, id, 0)).status).toBe(404);
	});

	it('a hand-over: the old owner’s open segment ends, the new owner records the next', async () => {
		const { id, owner, colleague } = await liveSession();
		await start(owner, id);
		await put(owner, id, 0, 0, CHUNKS[0]);
		await put(owner, id, 0, 1, CHUNKS[1]);
		expect((await leaveSession(runtime, id, owner, colleague.id)).ok).toBe(true);
		expect(await start(colleague, id)).toMatchObject({ status: 201, body: { segment: 1 } });
		const ended = await eventsOf(id, 'recording-segment-ended');
		expect(ended).toEqual([
			{
				actor: null,
				data: {
					segment: 0,
					chunks: 2,
					missing: [],
					durationMs: null,
					by: 'server',
					reason: 'new-segment'
				}
			}
		]);
		await put(colleague, id, 1, 0, CHUNKS[0]);
		await runtime.recordingWork.idle();
		const view = (await recordingOf(runtime, id))!;
		expect(view.segments.map((s) => [s.segment, s.ownerName, s.state])).toEqual([
			[0, 'Anna', 'gaps'],
			[1, 'Bruno', 'recording']
		]);
	});
});

describe('what a chunk upload may not do', () => {
	it('too large by its Content-Length: refused before a byte is read, counted for the admin', async () => {
		const { id, owner } = await liveSession();
		await start(owner, id);
		const before = (await recordingSpace(runtime)).refusals.find(
			(r) => r.reason === 'chunk-too-large'
		)!;
		let pulled = false;
		const untouched = new ReadableStream<Uint8Array>(
			{
				pull() {
					pulled = true;
				}
			},
			{ highWaterMark: 0 }
		);
		expect(await put(owner, id, 0, 0, untouched, { length: CHUNK_MAX + 1 })).toEqual({
			status: 413,
			body: { error: 'too-large' }
		});
		expect(pulled).toBe(false);
		const after = (await recordingSpace(runtime)).refusals.find(
			(r) => r.reason === 'chunk-too-large'
		)!;
		expect(after.count).toBe(before.count + 1);
		expect(after.lastAt).not.toBeNull();
		// No length, another type, a bad index: refused too.
		expect((await put(owner, id, 0, 0, streamOf([CHUNKS[0]]), { length: null })).status).toBe(411);
		expect((await put(owner, id, 0, 0, CHUNKS[0], { type: 'video/mp4' })).status).toBe(415);
		for (const index of ['-1', '1.5', 'abc', '99999999', '1000001']) {
			expect((await put(owner, id, 0, index, CHUNKS[0])).body).toEqual({ error: 'bad-index' });
		}
		expect((await put(owner, id, 7, 0, CHUNKS[0])).status).toBe(404);
		expect(await chunkRows(id)).toEqual([]);
		expect((await recordingRow(id))?.bytes).toBe(0);
	});

	it('a body longer or shorter than it said, or broken off, leaves nothing behind', async () => {
		const { id, owner } = await liveSession();
		await start(owner, id);
		const body = CHUNKS[0];
		expect(await put(owner, id, 0, 0, streamOf([body, body]), { length: body.length })).toEqual({
			status: 413,
			body: { error: 'too-large' }
		});
		expect(
			await put(owner, id, 0, 0, streamOf([body.subarray(10)]), { length: body.length })
		).toEqual({
			status: 400,
			body: { error: 'incomplete' }
		});
		const broken = new ReadableStream<Uint8Array>({
			start(controller) {
				controller.enqueue(body.subarray(0, 100));
			},
			pull(controller) {
				controller.error(new Error('socket hang up'));
			}
		});
		expect((await put(owner, id, 0, 0, broken, { length: body.length })).body).toEqual({
			error: 'incomplete'
		});
		expect(await chunkRows(id)).toEqual([]);
		expect(await filesOf(id)).toEqual([]);
		expect((await recordingRow(id))?.bytes).toBe(0);
		// Then the real one.
		expect((await put(owner, id, 0, 0, body)).status).toBe(200);
	});

	it('parallel uploads never exceed the session’s space, nor the server’s', async () => {
		const { id, owner } = await liveSession();
		await start(owner, id);
		const saved = { ...runtime.config };
		runtime.config.recordingSessionMaxBytes = 5 * 10_000;
		try {
			let open!: () => void;
			const gate = new Promise<void>((resolve) => (open = resolve));
			const uploads = Array.from({ length: 12 }, (_, index) =>
				put(owner, id, 0, index, streamOf([new Uint8Array(10_000)], gate), { length: 10_000 })
			);
			// Every reservation is made (or refused) before any body moves.
			await new Promise((resolve) => setTimeout(resolve, 200));
			open();
			const answers = await Promise.all(uploads);
			expect(answers.filter((a) => a.status === 200)).toHaveLength(5);
			expect(answers.filter((a) => a.status === 507).map((a) => a.body)).toEqual(
				Array(7).fill({ error: 'storage-full' })
			);
			expect((await recordingRow(id))?.bytes).toBe(50_000);

			// The server's total counts every session's recording.
			const other = await liveSession();
			await start(other.owner, other.id);
			const used = (await recordingSpace(runtime)).usedBytes;
			runtime.config.recordingSessionMaxBytes = saved.recordingSessionMaxBytes;
			runtime.config.recordingsMaxBytes = used + 15_000;
			const full = await Promise.all(
				[0, 1, 2].map((index) => put(other.owner, other.id, 0, index, new Uint8Array(10_000)))
			);
			expect(full.map((a) => a.status).sort()).toEqual([200, 507, 507]);
			expect((await recordingSpace(runtime)).usedBytes).toBe(used + 10_000);
			const refusals = (await recordingSpace(runtime)).refusals;
			expect(refusals.find((r) => r.reason === 'server-full')!.count).toBeGreaterThanOrEqual(2);
			expect(refusals.find((r) => r.reason === 'session-full')!.count).toBeGreaterThanOrEqual(7);
		} finally {
			Object.assign(runtime.config, saved);
		}
	});

	it('a retry takes over an upload still pending; the older one gives up', async () => {
		const { id, owner } = await liveSession();
		await start(owner, id);
		let open!: () => void;
		const gate = new Promise<void>((resolve) => (open = resolve));
		const slow = put(owner, id, 0, 0, streamOf([CHUNKS[0]], gate), { length: CHUNKS[0].length });
		await new Promise((resolve) => setTimeout(resolve, 100));
		expect((await put(owner, id, 0, 0, CHUNKS[0])).body).toEqual({
			stored: true,
			duplicate: false
		});
		open();
		expect((await slow).body).toEqual({ error: 'superseded' });
		expect(await chunkRows(id)).toEqual([
			{ segment: 0, chunk_index: 0, status: 'stored', size: CHUNKS[0].length }
		]);
		expect(await filesOf(id)).toHaveLength(1);
		expect((await recordingRow(id))?.bytes).toBe(CHUNKS[0].length);
	});
});

describe('who may record', () => {
	it('nobody logged out, no stranger, no agent who left, nobody once it ended', async () => {
		const { id, owner, colleague } = await liveSession();
		const stranger = await newAgent('Stranger');
		expect((await start(null, id)).status).toBe(401);
		expect(await start(stranger, id)).toEqual({ status: 403, body: { error: 'not-participant' } });
		expect(await start(owner, 'no-such-session')).toEqual({
			status: 404,
			body: { error: 'not-found' }
		});
		expect((await start(owner, id, { mimeType: 'video/mp4' })).status).toBe(400);
		expect((await start(owner, id, { mimeType: 'video/webm', extra: 1 })).status).toBe(400);
		expect((await start(owner, id, 'not json')).status).toBe(400);
		await start(owner, id);
		expect((await put(stranger, id, 0, 0, CHUNKS[0])).body).toEqual({ error: 'not-participant' });
		expect((await problem(colleague, id, { reason: 'upload-failing' })).status).toBe(204);
		expect((await leaveSession(runtime, id, colleague)).ok).toBe(true);
		expect(await problem(colleague, id, { reason: 'upload-failing' })).toEqual({
			status: 403,
			body: { error: 'not-present' }
		});
		await endSupportSession(runtime, id, { reason: 'customer', by: null });
		// The customer may end it at any moment: the owner, there at the end, still sends what
		// its recorder held for a while. The colleague who left before gets nothing.
		expect(await problem(colleague, id, { reason: 'upload-failing' })).toEqual({
			status: 410,
			body: { error: 'session-ended' }
		});
		expect((await put(owner, id, 0, 0, CHUNKS[0])).status).toBe(200);
		expect((await start(owner, id)).status).toBe(410);
		expect((await problem(owner, id, { reason: 'upload-failing' })).status).toBe(410);
		// Once that while is over, nothing more.
		const ended = (await getSupportSession(runtime, id))!.ended_at! - LATE_UPLOAD_MS - 1;
		await runtime.db
			.updateTable('support_sessions')
			.set({ ended_at: ended })
			.where('id', '=', id)
			.execute();
		await runtime.db
			.updateTable('session_participants')
			.set({ left_at: ended })
			.where('session_id', '=', id)
			.where('user_id', '=', owner.id)
			.execute();
		expect(await put(owner, id, 0, 1, CHUNKS[1])).toEqual({
			status: 410,
			body: { error: 'session-ended' }
		});
		expect((await end(owner, id, 0, { chunks: 1, durationMs: 1 })).status).toBe(410);
	});

	it('nobody where the owner’s settings do not record', async () => {
		const { id, owner } = await liveSession();
		await runtime.db
			.insertInto('agent_overrides')
			.values({ user_id: owner.id, record_sessions: 0, updated_at: Date.now() })
			.execute();
		expect(await start(owner, id)).toEqual({ status: 403, body: { error: 'not-recorded' } });
		expect((await problem(owner, id, { reason: 'unsupported' })).status).toBe(403);
	});

	it('a problem becomes a report event; its detail never reaches the log', async () => {
		const { id, owner } = await liveSession();
		expect(
			(await problem(owner, id, { reason: 'unsupported', detail: 'No MediaRecorder' })).status
		).toBe(204);
		expect((await problem(owner, id, { reason: 'other' })).status).toBe(400);
		expect(
			(await problem(owner, id, { reason: 'unsupported', detail: 'x'.repeat(201) })).status
		).toBe(400);
		expect(await eventsOf(id, 'recording-problem')).toEqual([
			{ actor: owner.id, data: { reason: 'unsupported', detail: 'No MediaRecorder' } }
		]);
	});
});

describe('the server ends, keeps and deletes recordings', () => {
	it('ends a segment whose browser went quiet, and those of an ended session', async () => {
		const { id, owner } = await liveSession();
		await start(owner, id);
		await put(owner, id, 0, 0, CHUNKS[0]);
		await put(owner, id, 0, 1, CHUNKS[1]);
		await settleRecordings(runtime, Date.now() + SEGMENT_GRACE_MS / 2);
		expect((await recordingOf(runtime, id))!.segments[0].state).toBe('recording');
		await settleRecordings(runtime, Date.now() + SEGMENT_GRACE_MS + 1000);
		expect((await recordingOf(runtime, id))!.segments[0]).toMatchObject({
			endedBy: 'server',
			chunks: 2,
			playable: true
		});
		expect((await eventsOf(id, 'recording-segment-ended'))[0].data).toMatchObject({
			reason: 'idle'
		});
		// Its browser, back, ends it with its own count: late chunks below it are taken.
		expect((await end(owner, id, 0, { chunks: 3, durationMs: 3000 })).body).toEqual({
			missing: [2]
		});
		expect((await put(owner, id, 0, 2, CHUNKS[2])).status).toBe(200);

		const second = await liveSession();
		await start(second.owner, second.id);
		await put(second.owner, second.id, 0, 0, CHUNKS[0]);
		await endSupportSession(runtime, second.id, { reason: 'customer', by: null });
		await runtime.recordingWork.idle();
		// Its browser's last chunks may still come: the segment waits for them a while.
		await settleRecordings(runtime);
		expect((await recordingOf(runtime, second.id))!.segments[0].state).toBe('recording');
		await settleRecordings(runtime, Date.now() + LATE_UPLOAD_MS + 1000);
		// Chunk 0 alone ends mid-block: played to its last whole one.
		expect((await recordingOf(runtime, second.id))!.segments[0]).toMatchObject({
			endedBy: 'server',
			chunks: 1,
			playable: true
		});
	});

	it('deletes a recording its retention after the session, with an audit entry, across restarts', async () => {
		const { id, owner } = await liveSession();
		await start(owner, id);
		for (const index of [0, 1, 2]) await put(owner, id, 0, index, CHUNKS[index]);
		await end(owner, id, 0, { chunks: 3, durationMs: 3000 });
		await endSupportSession(runtime, id, { reason: 'agent', by: owner.id });
		await runtime.recordingWork.idle();
		await settleRecordings(runtime);
		const session = (await getSupportSession(runtime, id))!;
		const recording = (await recordingRow(id))!;
		// The expiry is in the row, not a timer: a restart finds it.
		expect(recording.expires_at).toBe(session.ended_at! + 7 * DAY_MS);

		await settleRecordings(runtime, session.ended_at! + 7 * DAY_MS - 1000);
		expect(await recordingRow(id)).toBeDefined();
		await settleRecordings(runtime, session.ended_at! + 7 * DAY_MS + 1);
		expect(await recordingRow(id)).toBeUndefined();
		expect(fs.existsSync(path.join(dataDir, 'recordings', recording.id))).toBe(false);
		// The server's total is what the recordings left take (others expired with it).
		const left = await runtime.db.selectFrom('recordings').select('bytes').execute();
		expect((await recordingSpace(runtime)).usedBytes).toBe(
			left.reduce((sum, r) => sum + Number(r.bytes), 0)
		);
		expect(await auditOf(id, 'recording.deleted')).toEqual([
			{
				actor_id: null,
				detail: JSON.stringify({
					recordingId: recording.id,
					reason: 'retention',
					bytes: recording.bytes
				})
			}
		]);
		expect(await recordingOf(runtime, id)).toBeNull();
		expect((await play(owner, id, 0)).status).toBe(404);
	});

	it('an administrator deletes a recording, audited with who did it', async () => {
		const { id, owner } = await liveSession();
		await start(owner, id);
		await put(owner, id, 0, 0, CHUNKS[0]);
		const recording = (await recordingRow(id))!;
		expect(await deleteSessionRecording(runtime, id, admin.id)).toBe(true);
		expect(await recordingRow(id)).toBeUndefined();
		expect(fs.existsSync(path.join(dataDir, 'recordings', recording.id))).toBe(false);
		expect(await auditOf(id, 'recording.deleted')).toEqual([
			{
				actor_id: admin.id,
				detail: JSON.stringify({
					recordingId: recording.id,
					reason: 'administrator',
					bytes: CHUNKS[0].length
				})
			}
		]);
		expect(await deleteSessionRecording(runtime, id)).toBe(false);
	});

	it('gives back the space of an upload that never finished', async () => {
		const { id, owner } = await liveSession();
		await start(owner, id);
		// A reservation left by a process that died mid-upload.
		const never = new ReadableStream<Uint8Array>({ pull() {} }, { highWaterMark: 0 });
		void put(owner, id, 0, 0, never, { length: 1000 });
		await new Promise((resolve) => setTimeout(resolve, 100));
		expect(await chunkRows(id)).toEqual([
			{ segment: 0, chunk_index: 0, status: 'pending', size: 1000 }
		]);
		expect((await recordingRow(id))?.bytes).toBe(1000);
		await settleRecordings(runtime, Date.now() + STALE_CHUNK_MS + 1000);
		expect(await chunkRows(id)).toEqual([]);
		expect((await recordingRow(id))?.bytes).toBe(0);
	});
});
