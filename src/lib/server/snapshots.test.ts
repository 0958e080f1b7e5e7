import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { POST as uploadRoute } from '../../routes/api/sessions/[id]/snapshots/+server';
import { GET as downloadRoute } from '../../routes/agent/reports/[id]/snapshots/[snapshotId]/+server';
import { disableUser } from './agents';
import { createUser, type SessionUser } from './auth';
import { joinAsAgent, leaveSession } from './invitations';
import { reportJson, sessionReport } from './reports';
import type { Runtime } from './runtime';
import { snapshotKey } from './snapshot-files';
import {
	MAX_SNAPSHOTS_PER_SESSION,
	STALE_UPLOAD_MS,
	deleteSessionSnapshots,
	sweepStaleSnapshots
} from './snapshots';
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
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ponte-snapshots-'));
const MAX_BYTES = 64 * 1024;

beforeAll(async () => {
	runtime = await openTestRuntime(dataDir, 'admin@snapshots.test');
	// Small pictures keep the tests quick; the limit is the configured one whatever its size.
	runtime.config.snapshotMaxBytes = MAX_BYTES;
	admin = await runtime.db
		.selectFrom('users')
		.select(['id', 'email', 'name', 'role'])
		.where('email', '=', 'admin@snapshots.test')
		.executeTakeFirstOrThrow();
});

afterAll(async () => {
	await runtime.close();
	fs.rmSync(dataDir, { recursive: true, force: true });
});

function newAgent(name: string) {
	counter++;
	return createUser(runtime.db, {
		email: `${name.toLowerCase()}.${counter}@snapshots.test`,
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
		clientAddress: `198.51.100.${counter}`
	});
	if (!claim.ok) throw new Error('claim failed');
	await agentTicket(runtime, (await getSupportSession(runtime, id))!, owner);
	await joinAsAgent(runtime, id, colleague);
	return { id, owner, colleague };
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** A PNG's signature followed by random bytes: what the server checks of a PNG. */
function png(size = 1000): Uint8Array {
	const bytes = new Uint8Array(crypto.randomBytes(size));
	bytes.set(PNG_SIGNATURE);
	return bytes;
}

/** A body delivered in chunks, each after `gate` (if given) has opened. */
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

interface UploadOptions {
	query?: string;
	type?: string;
	/** The Content-Length to declare; by default the body's, when it is bytes. */
	length?: number | null;
}

async function upload(
	user: SessionUser | null,
	sessionId: string,
	body: Uint8Array | ReadableStream<Uint8Array> | null,
	options: UploadOptions = {}
) {
	const url = `http://localhost/api/sessions/${sessionId}/snapshots?${options.query ?? 'source=screen&annotated=0'}`;
	const headers: Record<string, string> = { 'content-type': options.type ?? 'image/png' };
	const length =
		options.length === undefined && body instanceof Uint8Array ? body.length : options.length;
	if (length !== null && length !== undefined) headers['content-length'] = String(length);
	const request = new Request(url, {
		method: 'POST',
		headers,
		body: body as BodyInit | null,
		duplex: 'half'
	} as RequestInit);
	const event = {
		params: { id: sessionId },
		locals: { user },
		request,
		url: new URL(url),
		getClientAddress: () => '203.0.113.9'
	} as unknown as Parameters<typeof uploadRoute>[0];
	const response = await uploadRoute(event);
	return {
		status: response.status,
		body: (await response.json()) as {
			id?: string;
			takenAt?: string;
			size?: number;
			sha256?: string;
			error?: string;
			message?: string;
		}
	};
}

async function download(user: SessionUser, sessionId: string, snapshotId: string, query = '') {
	const url = `http://localhost/agent/reports/${sessionId}/snapshots/${snapshotId}${query}`;
	const event = {
		params: { id: sessionId, snapshotId },
		locals: { user },
		url: new URL(url),
		getClientAddress: () => '203.0.113.9'
	} as unknown as Parameters<typeof downloadRoute>[0];
	try {
		const response = await downloadRoute(event);
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

const rowsOf = (sessionId: string) =>
	runtime.db.selectFrom('snapshots').selectAll().where('session_id', '=', sessionId).execute();

/** What is on disk for a session, temporary files included. */
function filesOf(sessionId: string): string[] {
	try {
		return fs.readdirSync(path.join(dataDir, 'snapshots', sessionId)).sort();
	} catch {
		return [];
	}
}

describe('taking a snapshot', () => {
	it('stores the PNG, its row and a report event; the report lists it and serves it back', async () => {
		const { id, owner, colleague } = await liveSession();
		const picture = png(5000);
		const sha256 = crypto.createHash('sha256').update(picture).digest('hex');
		const before = Date.now();
		const stored = await upload(colleague, id, picture, {
			query: 'source=camera&annotated=1'
		});
		expect(stored.status).toBe(201);
		expect(stored.body).toEqual({
			id: expect.stringMatching(/^[A-Za-z0-9_-]{16,}$/),
			takenAt: expect.any(String),
			size: 5000,
			sha256
		});
		expect(Date.parse(stored.body.takenAt!)).toBeGreaterThanOrEqual(before - 1);
		const snapshotId = stored.body.id!;

		// On disk, private, byte for byte; no temporary file left.
		expect(filesOf(id)).toEqual([`${snapshotId}.png`]);
		const file = path.join(dataDir, 'snapshots', id, `${snapshotId}.png`);
		expect(new Uint8Array(fs.readFileSync(file))).toEqual(picture);
		expect(fs.statSync(file).mode & 0o077).toBe(0);
		expect(fs.statSync(path.dirname(file)).mode & 0o077).toBe(0);

		expect(await rowsOf(id)).toEqual([
			expect.objectContaining({
				id: snapshotId,
				taken_by: colleague.id,
				source: 'camera',
				annotated: 1,
				status: 'stored',
				size: 5000,
				sha256,
				storage_key: snapshotKey(id, snapshotId)
			})
		]);

		// The report's event is the server's, by the agent who took it.
		const report = (await sessionReport(runtime, id))!;
		const event = report.events.find((e) => e.type === 'snapshot');
		expect(event).toMatchObject({
			actor: colleague.id,
			actorName: 'Bruno',
			data: { snapshotId, source: 'camera', annotated: true, size: 5000 },
			description: 'Annotated snapshot of the camera (4.9 kB)'
		});
		expect(event!.id).toMatch(/^server-/);
		expect(report.snapshots).toEqual([
			{
				id: snapshotId,
				takenAt: Date.parse(stored.body.takenAt!),
				takenByName: 'Bruno',
				source: 'camera',
				annotated: true,
				size: 5000,
				sha256
			}
		]);
		expect(reportJson(report).snapshots).toEqual([
			expect.objectContaining({ id: snapshotId, takenBy: 'Bruno', sha256, size: 5000 })
		]);

		const taken = await runtime.db
			.selectFrom('audit_log')
			.selectAll()
			.where('action', '=', 'snapshot.taken')
			.where('target', '=', id)
			.execute();
		expect(taken).toHaveLength(1);
		expect(taken[0]).toMatchObject({ actor_id: colleague.id, ip: '203.0.113.9' });

		// Served back as it was stored: a picture that cannot run anything.
		const shown = await download(owner, id, snapshotId);
		expect(shown.status).toBe(200);
		expect(shown.bytes).toEqual(picture);
		expect(shown.headers.get('content-type')).toBe('image/png');
		expect(shown.headers.get('x-content-type-options')).toBe('nosniff');
		expect(shown.headers.get('content-security-policy')).toContain("default-src 'none'");
		expect(shown.headers.get('content-security-policy')).toContain('sandbox');
		expect(shown.headers.get('content-length')).toBe('5000');
		expect(shown.headers.get('content-disposition')).toMatch(/^inline; /);

		const downloaded = await download(admin, id, snapshotId, '?download=1');
		expect(downloaded.status).toBe(200);
		expect(downloaded.bytes).toEqual(picture);
		expect(downloaded.headers.get('content-disposition')).toMatch(
			/^attachment; filename="snapshot-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z\.png"$/
		);
		// Downloads are audited; the thumbnails the report shows are not.
		const downloads = await runtime.db
			.selectFrom('audit_log')
			.select(['actor_id', 'detail'])
			.where('action', '=', 'snapshot.downloaded')
			.where('target', '=', id)
			.execute();
		expect(downloads).toEqual([{ actor_id: admin.id, detail: JSON.stringify({ snapshotId }) }]);
	});

	it('refuses a body too large by its Content-Length before reading a byte', async () => {
		const { id, owner } = await liveSession();
		let pulled = false;
		// No buffering ahead: pulled only when someone reads.
		const untouched = new ReadableStream<Uint8Array>(
			{
				pull() {
					pulled = true;
				}
			},
			{ highWaterMark: 0 }
		);
		const refused = await upload(owner, id, untouched, { length: MAX_BYTES + 1 });
		expect(refused.status).toBe(413);
		expect(refused.body.error).toBe('too-large');
		expect(refused.body.message).toMatch(/too large/);
		expect(pulled).toBe(false);
		expect(await rowsOf(id)).toEqual([]);
		expect(filesOf(id)).toEqual([]);
	});

	it('stops a body that grows past the limit mid-stream, and leaves nothing behind', async () => {
		const { id, owner } = await liveSession();
		const chunks = [png(16 * 1024), ...Array.from({ length: 8 }, () => new Uint8Array(16 * 1024))];
		const refused = await upload(owner, id, streamOf(chunks), { length: null });
		expect(refused).toMatchObject({ status: 413, body: { error: 'too-large' } });
		expect(await rowsOf(id)).toEqual([]);
		expect(filesOf(id)).toEqual([]);
		// A Content-Length that understates the body is no way around it either.
		const lying = await upload(owner, id, streamOf(chunks), { length: 100 });
		expect(lying).toMatchObject({ status: 413, body: { error: 'too-large' } });
		expect(filesOf(id)).toEqual([]);
		// Exactly the limit is fine.
		const full = await upload(owner, id, png(MAX_BYTES));
		expect(full.status).toBe(201);
	});

	it('refuses what is not a PNG', async () => {
		const { id, owner } = await liveSession();
		const gif = new TextEncoder().encode('GIF89a' + 'x'.repeat(100));
		expect(await upload(owner, id, gif)).toMatchObject({ status: 415, body: { error: 'not-png' } });
		// The signature split over chunks is read whole; a wrong byte in its second half is seen.
		const wrong = png(100);
		wrong[6] = 0;
		expect(await upload(owner, id, streamOf([wrong.slice(0, 3), wrong.slice(3)]))).toMatchObject({
			status: 415
		});
		const split = png(100);
		expect(
			(await upload(owner, id, streamOf([split.slice(0, 3), split.slice(3, 5), split.slice(5)])))
				.status
		).toBe(201);
		// Too short to be one, empty, or said to be something else.
		expect((await upload(owner, id, png(8).slice(0, 7))).status).toBe(415);
		expect((await upload(owner, id, new Uint8Array())).status).toBe(415);
		expect((await upload(owner, id, null)).status).toBe(415);
		expect((await upload(owner, id, png(100), { type: 'image/jpeg' })).status).toBe(415);
		expect((await upload(owner, id, png(100), { type: 'image/png; charset=x' })).status).toBe(201);
		expect((await rowsOf(id)).map((row) => row.status)).toEqual(['stored', 'stored']);
		expect(filesOf(id)).toHaveLength(2);
	});

	it('refuses a body that breaks off, and any query but the two it knows', async () => {
		const { id, owner } = await liveSession();
		const broken = new ReadableStream<Uint8Array>({
			start(controller) {
				controller.enqueue(png(100));
			},
			pull(controller) {
				controller.error(new Error('socket hang up'));
			}
		});
		expect(await upload(owner, id, broken, { length: null })).toMatchObject({
			status: 400,
			body: { error: 'incomplete' }
		});
		// adapter-node's own limit fails the stream with a 413 of its own.
		const adapterLimit = new ReadableStream<Uint8Array>({
			start(controller) {
				controller.error(Object.assign(new Error('Payload Too Large'), { status: 413 }));
			}
		});
		expect((await upload(owner, id, adapterLimit, { length: null })).body.error).toBe('too-large');
		for (const query of ['', 'source=window', 'source=screen&annotated=yes', 'annotated=1']) {
			expect(await upload(owner, id, png(), { query })).toMatchObject({
				status: 400,
				body: { error: 'bad-request' }
			});
		}
		expect(await rowsOf(id)).toEqual([]);
		expect(filesOf(id)).toEqual([]);
	});
});

describe('who may take one', () => {
	it('nobody logged out, no stranger, nobody in an unknown session', async () => {
		const { id } = await liveSession();
		const stranger = await newAgent('Stranger');
		expect(await upload(null, id, png())).toMatchObject({
			status: 401,
			body: { error: 'not-logged-in' }
		});
		expect(await upload(stranger, id, png())).toMatchObject({
			status: 403,
			body: { error: 'not-participant' }
		});
		// An administrator who never opened the session is not in it either.
		expect((await upload(admin, id, png())).status).toBe(403);
		expect(await upload(stranger, 'no-such-session', png())).toMatchObject({
			status: 404,
			body: { error: 'not-found' }
		});
		expect(await rowsOf(id)).toEqual([]);
	});

	it('an agent who left, or whose account was disabled, no longer may', async () => {
		const { id, owner, colleague } = await liveSession();
		expect((await upload(colleague, id, png())).status).toBe(201);
		expect((await leaveSession(runtime, id, colleague)).ok).toBe(true);
		expect(await upload(colleague, id, png())).toMatchObject({
			status: 403,
			body: { error: 'not-present' }
		});
		// Back in: allowed again, checked on every request.
		await joinAsAgent(runtime, id, colleague);
		expect((await upload(colleague, id, png())).status).toBe(201);
		const actor = { user: admin, ip: null };
		expect((await disableUser(runtime, actor, colleague.id)).ok).toBe(true);
		expect((await upload(colleague, id, png())).status).toBe(403);
		expect((await upload(owner, id, png())).status).toBe(201);
	});

	it('nobody, once the session has ended', async () => {
		const { id, owner } = await liveSession();
		await endSupportSession(runtime, id, { reason: 'agent', by: owner.id });
		expect(await upload(owner, id, png())).toMatchObject({
			status: 410,
			body: { error: 'session-ended' }
		});
	});
});

/** Stored snapshots written straight into the table (their pictures are not needed here). */
async function fillWithSnapshots(sessionId: string, takenBy: string, count: number) {
	const now = Date.now();
	await runtime.db
		.insertInto('snapshots')
		.values(
			Array.from({ length: count }, (_, index) => ({
				id: `filler-${sessionId}-${index}`,
				session_id: sessionId,
				taken_by: takenBy,
				taken_at: now,
				source: 'screen' as const,
				annotated: 0,
				status: 'stored' as const,
				size: 1,
				sha256: 'x',
				storage_key: `${sessionId}/filler-${index}.png`
			}))
		)
		.execute();
}

describe('how many a session keeps', () => {
	it(`${MAX_SNAPSHOTS_PER_SESSION} at most: the next is refused, and gives its place back`, async () => {
		const { id, owner } = await liveSession();
		await fillWithSnapshots(id, owner.id, MAX_SNAPSHOTS_PER_SESSION - 1);
		expect((await upload(owner, id, png())).status).toBe(201);
		const refused = await upload(owner, id, png());
		expect(refused).toMatchObject({ status: 409, body: { error: 'limit-reached' } });
		expect(refused.body.message).toContain(String(MAX_SNAPSHOTS_PER_SESSION));
		expect(await rowsOf(id)).toHaveLength(MAX_SNAPSHOTS_PER_SESSION);
		expect(filesOf(id)).toHaveLength(1);
	});

	it('a refused upload gives its place back', async () => {
		const { id, owner } = await liveSession();
		await fillWithSnapshots(id, owner.id, MAX_SNAPSHOTS_PER_SESSION - 1);
		expect((await upload(owner, id, new Uint8Array(10))).status).toBe(415);
		expect((await upload(owner, id, png())).status).toBe(201);
	});

	it('uploads in parallel are charged before their bodies are read, and never exceed it', async () => {
		const { id, owner, colleague } = await liveSession();
		const free = 3;
		await fillWithSnapshots(id, owner.id, MAX_SNAPSHOTS_PER_SESSION - free);
		let open!: () => void;
		const gate = new Promise<void>((resolve) => (open = resolve));
		const attempts = Array.from({ length: 10 }, (_, index) =>
			upload(index % 2 ? owner : colleague, id, streamOf([png(2000), png(2000)], gate), {
				length: 4000
			})
		);
		// Not a byte has flowed, and the ones without a place are answered already.
		const settled: { status: number; body: { error?: string } }[] = [];
		for (const attempt of attempts) void attempt.then((result) => settled.push(result));
		await vi.waitFor(() => expect(settled).toHaveLength(10 - free), { timeout: 15_000 });
		expect(settled.every((result) => result.body.error === 'limit-reached')).toBe(true);
		expect(await rowsOf(id)).toHaveLength(MAX_SNAPSHOTS_PER_SESSION);
		expect(settled).toHaveLength(10 - free);
		open();
		const results = await Promise.all(attempts);
		expect(results.filter((result) => result.status === 201)).toHaveLength(free);
		expect(results.filter((result) => result.status === 409)).toHaveLength(10 - free);
		const rows = await rowsOf(id);
		expect(rows).toHaveLength(MAX_SNAPSHOTS_PER_SESSION);
		expect(rows.every((row) => row.status === 'stored')).toBe(true);
		expect(filesOf(id)).toHaveLength(free);
	});
});

describe('who may see one', () => {
	it('those who may read the report; nobody else, and never through another report', async () => {
		const { id, owner, colleague } = await liveSession();
		const other = await liveSession();
		const stored = await upload(owner, id, png(300));
		const snapshotId = stored.body.id!;
		const stranger = await newAgent('Stranger');

		expect((await download(owner, id, snapshotId)).status).toBe(200);
		expect((await download(admin, id, snapshotId)).status).toBe(200);
		// Another agent, in a session of their own: the report is not theirs.
		expect((await download(other.owner, id, snapshotId)).status).toBe(403);
		expect((await download(stranger, id, snapshotId, '?download=1')).status).toBe(403);
		// Their own report does not serve another's snapshot.
		expect((await download(other.owner, other.id, snapshotId)).status).toBe(404);
		expect((await download(owner, id, 'no-such-snapshot')).status).toBe(404);
		expect((await download(owner, id, '../../ponte.sqlite')).status).toBe(404);
		expect((await download(owner, 'no-such-session', snapshotId)).status).toBe(404);
		// A former agent still reads what happened while they were there.
		expect((await leaveSession(runtime, id, colleague)).ok).toBe(true);
		expect((await download(colleague, id, snapshotId)).status).toBe(200);
		const audited = await runtime.db
			.selectFrom('audit_log')
			.select('actor_id')
			.where('action', '=', 'snapshot.downloaded')
			.where('target', '=', id)
			.execute();
		expect(audited).toEqual([]);
	});
});

describe('when snapshots go', () => {
	it("with their session's report: pictures and rows", async () => {
		const { id, owner } = await liveSession();
		const other = await liveSession();
		expect((await upload(owner, id, png())).status).toBe(201);
		expect((await upload(owner, id, png())).status).toBe(201);
		expect((await upload(other.owner, other.id, png())).status).toBe(201);
		await deleteSessionSnapshots(runtime, id);
		expect(await rowsOf(id)).toEqual([]);
		expect(fs.existsSync(path.join(dataDir, 'snapshots', id))).toBe(false);
		expect((await sessionReport(runtime, id))!.snapshots).toEqual([]);
		// The session's row can go now, and nobody else's snapshots went.
		await runtime.db.deleteFrom('support_sessions').where('id', '=', id).execute();
		expect(await rowsOf(other.id)).toHaveLength(1);
		expect(filesOf(other.id)).toHaveLength(1);
		await deleteSessionSnapshots(runtime, 'never-had-any');
	});

	it('an upload that never finished gives its place back when swept', async () => {
		const { id, owner } = await liveSession();
		const now = Date.now();
		const pending = (snapshotId: string, takenAt: number) => ({
			id: snapshotId,
			session_id: id,
			taken_by: owner.id,
			taken_at: takenAt,
			source: 'screen' as const,
			annotated: 0,
			status: 'pending' as const,
			size: null,
			sha256: null,
			storage_key: snapshotKey(id, snapshotId)
		});
		await runtime.db
			.insertInto('snapshots')
			.values([pending('crashed', now - STALE_UPLOAD_MS - 1), pending('running', now)])
			.execute();
		fs.mkdirSync(path.join(dataDir, 'snapshots', id), { recursive: true });
		fs.writeFileSync(path.join(dataDir, 'snapshots', id, 'crashed.png.part'), 'half');
		expect(await sweepStaleSnapshots(runtime, now)).toBe(1);
		expect((await rowsOf(id)).map((row) => row.id)).toEqual(['running']);
		expect(filesOf(id)).toEqual([]);
		// Pending ones are never listed.
		expect((await sessionReport(runtime, id))!.snapshots).toEqual([]);
	});
});
