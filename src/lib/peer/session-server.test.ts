import { describe, expect, it } from 'vitest';
import { agentSessionServer, customerSessionServer } from './session-server';

type Call = { url: string; body: unknown };

function fakeFetch(answer: (url: string) => Response | Error) {
	const calls: Call[] = [];
	const impl = (async (url: string, init?: RequestInit) => {
		calls.push({ url, body: init?.body ? JSON.parse(String(init.body)) : undefined });
		const result = answer(url);
		if (result instanceof Error) throw result;
		return result;
	}) as typeof fetch;
	return { calls, impl };
}

/** A fetch that answers every call with `response` (or fails with it), keeping what it got. */
const seen: { url: string; init?: RequestInit }[] = [];
const answering = (response: Response | Error) =>
	(async (url: string, init?: RequestInit) => {
		seen.push({ url, init });
		if (response instanceof Error) throw response;
		return response;
	}) as typeof fetch;

const json = (body: unknown, status = 200) =>
	new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('SessionServer', () => {
	it('a refreshed ticket keeps only string peer IDs in present', async () => {
		const { calls, impl } = fakeFetch(() =>
			json({ ticket: 't2', present: ['a', 3, 'b'], features: undefined })
		);
		const result = await customerSessionServer(impl).refreshTicket('t1');
		expect(result).toEqual({
			kind: 'refreshed',
			ticket: 't2',
			features: undefined,
			present: ['a', 'b']
		});
		expect(calls).toEqual([{ url: '/api/tickets/refresh', body: { ticket: 't1' } }]);
	});

	it('410 is the end, with the reason when the server gives one', async () => {
		const server = customerSessionServer(fakeFetch(() => json({ reason: 'agent' }, 410)).impl);
		expect(await server.refreshTicket('t')).toEqual({ kind: 'ended', reason: 'agent' });
		const bare = customerSessionServer(fakeFetch(() => new Response('x', { status: 410 })).impl);
		expect(await bare.refreshTicket('t')).toEqual({ kind: 'ended', reason: undefined });
	});

	it('offline, a 5xx or a body without a ticket are "unavailable", never a throw', async () => {
		for (const answer of [
			new TypeError('offline'),
			json({}, 503),
			json({ nope: 1 }),
			new Response('<html>')
		]) {
			const server = customerSessionServer(fakeFetch(() => answer).impl);
			expect(await server.refreshTicket('t')).toEqual({ kind: 'unavailable' });
		}
	});

	it("an agent's calls go to its session's endpoints", async () => {
		const { calls, impl } = fakeFetch((url) =>
			url.endsWith('/leave') ? json({ ok: false, error: 'not present' }) : json({ ok: true })
		);
		const server = agentSessionServer('s-1', impl);
		await server.end('agent');
		await server.postEvents([]);
		expect(await server.leave('u-2')).toEqual({ ok: false, error: 'not present' });
		expect(calls.map((c) => c.url)).toEqual([
			'/api/sessions/s-1/end',
			'/api/sessions/s-1/events',
			'/api/sessions/s-1/leave'
		]);
		expect(calls[2].body).toEqual({ handOverTo: 'u-2' });
	});

	it('events the server refuses for good are dropped; a retryable failure throws', async () => {
		await expect(
			agentSessionServer('s', fakeFetch(() => json({}, 400)).impl).postEvents([])
		).resolves.toBeUndefined();
		await expect(
			agentSessionServer('s', fakeFetch(() => json({}, 503)).impl).postEvents([])
		).rejects.toThrow('503');
	});

	it('uploads a snapshot as the PNG itself, and reads what the server answered', async () => {
		seen.length = 0;
		const png = new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], { type: 'image/png' });

		const stored = agentSessionServer(
			's/1',
			answering(json({ id: 'snap', takenAt: '2024-05-31T10:00:00.000Z', size: 4 }, 201))
		);
		expect(await stored.uploadSnapshot(png, { source: 'camera', annotated: true })).toEqual({
			ok: true,
			id: 'snap',
			takenAt: '2024-05-31T10:00:00.000Z'
		});
		expect(seen[0].url).toBe('/api/sessions/s%2F1/snapshots?source=camera&annotated=1');
		expect(seen[0].init?.method).toBe('POST');
		expect(seen[0].init?.body).toBe(png);
		expect(new Headers(seen[0].init?.headers).get('content-type')).toBe('image/png');

		const plain = agentSessionServer('s', answering(json({ id: 'x', takenAt: 't' }, 201)));
		await plain.uploadSnapshot(png, { source: 'screen', annotated: false });
		expect(seen[1].url).toBe('/api/sessions/s/snapshots?source=screen&annotated=0');
	});

	it('a refused or failed snapshot says why, never throws', async () => {
		const upload = (response: Response | Error) =>
			agentSessionServer('s', answering(response)).uploadSnapshot(new Blob([]), {
				source: 'screen',
				annotated: false
			});
		expect(await upload(json({ error: 'too-large', message: 'Too large' }, 413))).toEqual({
			ok: false,
			error: 'too-large'
		});
		expect(await upload(json({ error: 'limit-reached' }, 409))).toEqual({
			ok: false,
			error: 'limit-reached'
		});
		expect(await upload(new TypeError('offline'))).toEqual({ ok: false, error: 'unavailable' });
		expect(await upload(new Response('<html>', { status: 502 }))).toEqual({
			ok: false,
			error: 'http-502'
		});
		// A 2xx without what a stored snapshot has is no success.
		expect(await upload(json({ ok: true }, 201))).toEqual({ ok: false, error: 'http-201' });
		// Only a code is passed on, not whatever text a proxy put there.
		expect(await upload(json({ error: '<b>x</b>' }, 400))).toEqual({
			ok: false,
			error: 'http-400'
		});
	});

	describe('recording', () => {
		const chunk = new Blob([new Uint8Array([0x1a, 0x45, 0xdf, 0xa3])], { type: 'video/webm' });

		it('opens a segment, uploads a chunk as its body, ends the segment, posts a problem', async () => {
			seen.length = 0;
			const answers = [
				json({ recordingId: 'r-1', segment: 2 }, 201),
				json({ stored: true, duplicate: true }),
				json({ missing: [1, 'x', -1, 3] }),
				new Response(null, { status: 204 })
			];
			const server = agentSessionServer('s/1', (async (url: string, init?: RequestInit) => {
				seen.push({ url, init });
				return answers.shift()!;
			}) as typeof fetch);
			expect(await server.startRecordingSegment('video/webm;codecs=vp8,opus')).toEqual({
				ok: true,
				recordingId: 'r-1',
				segment: 2
			});
			expect(await server.putRecordingChunk(2, 7, chunk)).toEqual({ ok: true, duplicate: true });
			expect(await server.endRecordingSegment(2, { chunks: 8, durationMs: 24_000 })).toEqual({
				ok: true,
				missing: [1, 3]
			});
			expect(await server.postRecordingProblem({ reason: 'unsupported' })).toEqual({ ok: true });

			expect(seen.map((c) => `${c.init?.method} ${c.url}`)).toEqual([
				'POST /api/sessions/s%2F1/recording/segments',
				'PUT /api/sessions/s%2F1/recording/segments/2/chunks/7',
				'POST /api/sessions/s%2F1/recording/segments/2/end',
				'POST /api/sessions/s%2F1/recording/problems'
			]);
			expect(JSON.parse(String(seen[0].init?.body))).toEqual({
				mimeType: 'video/webm;codecs=vp8,opus'
			});
			expect(seen[1].init?.body).toBe(chunk);
			expect(new Headers(seen[1].init?.headers).get('content-type')).toBe('video/webm');
			expect(JSON.parse(String(seen[2].init?.body))).toEqual({ chunks: 8, durationMs: 24_000 });
			expect(JSON.parse(String(seen[3].init?.body))).toEqual({ reason: 'unsupported' });
		});

		it('says whether a failure is worth retrying: offline, 5xx, 429 and 401 are; refusals and a full disk are not', async () => {
			const put = (answer: Response | Error) =>
				agentSessionServer('s', answering(answer)).putRecordingChunk(0, 0, chunk);
			expect(await put(new TypeError('offline'))).toEqual({
				ok: false,
				error: 'unavailable',
				retry: true
			});
			expect(await put(new Response('<html>', { status: 502 }))).toEqual({
				ok: false,
				error: 'http-502',
				retry: true
			});
			expect(await put(json({ error: 'rate-limited' }, 429))).toMatchObject({ retry: true });
			expect(await put(json({ error: 'logged-out' }, 401))).toMatchObject({ retry: true });
			expect(await put(json({ error: 'storage-full' }, 507))).toEqual({
				ok: false,
				error: 'storage-full',
				retry: false
			});
			expect(await put(json({ error: 'segment-ended' }, 409))).toEqual({
				ok: false,
				error: 'segment-ended',
				retry: false
			});
			expect(await put(json({ error: 'too-large' }, 413))).toMatchObject({ retry: false });
			// A body that broke off, or an earlier try still holding the place: sent again.
			expect(await put(json({ error: 'incomplete' }, 400))).toMatchObject({ retry: true });
			expect(await put(json({ error: 'superseded' }, 409))).toMatchObject({ retry: true });
			// Only a code is passed on; a 2xx without what a stored chunk has is no success.
			expect(await put(json({ error: '<b>no</b>' }, 403))).toEqual({
				ok: false,
				error: 'http-403',
				retry: false
			});
			expect(await put(json({ ok: true }))).toEqual({ ok: false, error: 'http-200', retry: false });
		});

		it('a segment answer without a recording and a segment number is no segment', async () => {
			const start = (answer: Response) =>
				agentSessionServer('s', answering(answer)).startRecordingSegment('video/webm');
			expect(await start(json({ recordingId: 'r', segment: -1 }, 201))).toMatchObject({
				ok: false
			});
			expect(await start(json({ error: 'not-owner' }, 403))).toEqual({
				ok: false,
				error: 'not-owner',
				retry: false
			});
		});
	});
});
