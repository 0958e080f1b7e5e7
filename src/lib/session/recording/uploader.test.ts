import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { memoryChunkStore } from './chunk-store';
import { fakeRecordingServer } from './fake-recording-server';
import { RecordingUploader } from './uploader';

const START = 1_700_000_000_000;
const blob = (text: string) => new Blob([text], { type: 'video/webm' });
const text = (data: Blob | undefined) => data?.text();

beforeEach(() => {
	vi.useFakeTimers({ now: START });
});
afterEach(() => {
	vi.useRealTimers();
});

/** An uploader for session s-1 with an open segment 0, as the controller would set it up. */
async function setUp(store = memoryChunkStore()) {
	const server = fakeRecordingServer();
	const api = server.as('agent-1');
	const started = await api.startRecordingSegment('video/webm');
	if (!started.ok) throw new Error(started.error);
	const uploader = new RecordingUploader({ server: api, store, sessionId: 's-1' });
	uploader.begin({
		recordingId: started.recordingId,
		segment: 0,
		mimeType: 'video/webm',
		startedAt: START
	});
	return { server, api, store, uploader };
}

describe('RecordingUploader', () => {
	it('sends chunks in order, one at a time, and forgets each once acknowledged', async () => {
		const { server, store, uploader } = await setUp();
		uploader.add(0, blob('c0'), START + 3000);
		uploader.add(0, blob('c1'), START + 6000);
		uploader.add(0, blob('c2'), START + 9000);
		expect(uploader.pending).toBe(3);
		await vi.runAllTimersAsync();
		expect(server.state.calls.filter((c) => c.includes('put'))).toEqual([
			'agent-1 put 0/0',
			'agent-1 put 0/1',
			'agent-1 put 0/2'
		]);
		expect(await text(server.state.segments[0].chunks.get(1))).toBe('c1');
		expect(uploader.pending).toBe(0);
		expect(store.chunks.size).toBe(0);
	});

	it('ends a finished segment after its chunks, with their count and duration', async () => {
		const { server, store, uploader } = await setUp();
		const ended: [number, number[]][] = [];
		uploader.events.on('segment-ended', (segment, missing) => ended.push([segment, missing]));
		uploader.add(0, blob('c0'), START + 3000);
		uploader.add(0, blob('c1'), START + 6000);
		uploader.finish(0, 7500);
		expect(await uploader.whenIdle(1000)).toBe(true);
		expect(server.state.segments[0].end).toEqual({ chunks: 2, durationMs: 7500 });
		expect(server.state.calls.at(-1)).toBe('agent-1 end 0 2');
		expect(ended).toEqual([[0, []]]);
		expect(store.segments.size).toBe(0);
	});

	it('retries with a doubling backoff while the server is away, keeping the chunks; then says it recovered', async () => {
		const { server, store, uploader } = await setUp();
		const told: string[] = [];
		uploader.events.on('failing', (error) => told.push(`failing ${error}`));
		uploader.events.on('recovered', () => told.push('recovered'));
		server.state.down = 'unavailable';
		uploader.add(0, blob('c0'));
		await vi.advanceTimersByTimeAsync(0);
		expect(server.state.puts).toBe(1);
		// 500, 1000, 2000, 4000, 8000, 8000 … ms between attempts.
		await vi.advanceTimersByTimeAsync(499);
		expect(server.state.puts).toBe(1);
		await vi.advanceTimersByTimeAsync(1);
		expect(server.state.puts).toBe(2);
		await vi.advanceTimersByTimeAsync(1000);
		expect(server.state.puts).toBe(3);
		// Three failures but only 1.5 s: a restart is no alarm yet.
		expect(uploader.failing).toBe(false);
		await vi.advanceTimersByTimeAsync(2000 + 4000 + 8000);
		expect(server.state.puts).toBe(6);
		expect(uploader.failing).toBe(true);
		expect(told).toEqual(['failing unavailable']);
		expect(store.chunks.size).toBe(1);
		await vi.advanceTimersByTimeAsync(8000);
		expect(server.state.puts).toBe(7);

		server.state.down = null;
		uploader.add(0, blob('c1'));
		await vi.advanceTimersByTimeAsync(8000);
		expect(server.state.segments[0].chunks.size).toBe(2);
		expect(told).toEqual(['failing unavailable', 'recovered']);
		expect(uploader.failing).toBe(false);
		expect(store.chunks.size).toBe(0);
	});

	it('a chunk the server already has is acknowledged as a duplicate and not sent again', async () => {
		const { server, api, uploader } = await setUp();
		await api.putRecordingChunk(0, 0, blob('c0'));
		uploader.add(0, blob('c0'));
		await vi.runAllTimersAsync();
		expect(uploader.pending).toBe(0);
		expect(server.state.segments[0].chunks.size).toBe(1);
	});

	it('a thrown upload (a bug in a port) is retried like a network failure', async () => {
		const { api, store } = await setUp();
		let calls = 0;
		const uploader = new RecordingUploader({
			server: {
				...api,
				putRecordingChunk: async (...args) => {
					if (++calls === 1) throw new Error('boom');
					return api.putRecordingChunk(...args);
				}
			},
			store,
			sessionId: 's-1'
		});
		uploader.begin({ recordingId: 'rec-1', segment: 0, mimeType: 'video/webm', startedAt: START });
		uploader.add(0, blob('c0'));
		await vi.runAllTimersAsync();
		expect(calls).toBe(2);
		expect(uploader.pending).toBe(0);
	});

	it('a reloaded page sends what the last one left and ends its unfinished segment', async () => {
		const store = memoryChunkStore();
		const { server, api, uploader } = await setUp(store);
		server.state.down = 'unavailable';
		uploader.add(0, blob('c0'), START + 3000);
		uploader.add(0, blob('c1'), START + 6000);
		uploader.add(0, blob('c2'), START + 9000);
		await vi.advanceTimersByTimeAsync(100);
		// The page goes (its recorder with it), the server comes back.
		uploader.stop();
		expect(store.chunks.size).toBe(3);
		server.state.down = null;

		const next = new RecordingUploader({ server: api, store, sessionId: 's-1' });
		await next.load();
		expect(next.lastSegment).toBe(0);
		expect(await next.whenIdle(5000)).toBe(true);
		expect(server.state.segments[0].chunks.size).toBe(3);
		expect(server.state.segments[0].end).toEqual({ chunks: 3, durationMs: 9000 });
		expect(store.chunks.size).toBe(0);
		expect(store.segments.size).toBe(0);
	});

	it('loading keeps to its own session', async () => {
		const store = memoryChunkStore();
		await store.putChunk({
			sessionId: 'other',
			recordingId: 'r',
			segment: 0,
			index: 0,
			data: blob('x'),
			at: START
		});
		const { server, uploader } = await setUp(store);
		await uploader.load();
		await vi.runAllTimersAsync();
		expect(server.state.puts).toBe(0);
		expect(store.chunks.size).toBe(1);
	});

	it('a chunk refused for good is dropped and told; the next ones still go', async () => {
		const { server, uploader } = await setUp();
		const refused: string[] = [];
		uploader.events.on('refused', (error, chunk) => refused.push(`${error} ${chunk.index}`));
		server.state.refuseNextChunk = 'too-large';
		uploader.add(0, blob('c0'));
		uploader.add(0, blob('c1'));
		uploader.finish(0, 6000);
		await vi.runAllTimersAsync();
		expect(refused).toEqual(['too-large 0']);
		expect([...server.state.segments[0].chunks.keys()]).toEqual([1]);
	});

	it('with the server full, nothing more is sent or kept, but the segment is still ended', async () => {
		const { server, store, uploader } = await setUp();
		const closed: string[] = [];
		const missing: number[][] = [];
		uploader.events.on('closed', (error) => closed.push(error));
		uploader.events.on('segment-ended', (_, m) => missing.push(m));
		uploader.add(0, blob('c0'));
		await vi.runAllTimersAsync();
		server.state.refuseNextChunk = 'storage-full';
		uploader.add(0, blob('c1'));
		await vi.runAllTimersAsync();
		uploader.add(0, blob('c2'));
		uploader.finish(0, 9000);
		await vi.runAllTimersAsync();
		expect(closed).toEqual(['storage-full']);
		expect(server.state.calls.filter((c) => c.includes('put'))).toHaveLength(2);
		expect(missing).toEqual([[1, 2]]);
		expect(store.chunks.size).toBe(0);
	});

	it('once the session takes nothing more (we left, it ended), everything kept is dropped', async () => {
		const { server, store, uploader } = await setUp();
		const closed: string[] = [];
		uploader.events.on('closed', (error) => closed.push(error));
		server.state.refuseNextChunk = 'not-present';
		uploader.add(0, blob('c0'));
		uploader.add(0, blob('c1'));
		await vi.runAllTimersAsync();
		expect(closed).toEqual(['not-present']);
		expect(server.state.puts).toBe(1);
		expect(store.chunks.size).toBe(0);
		expect(store.segments.size).toBe(0);
	});

	it('segments go in order: the first one’s chunks and end before the next one’s', async () => {
		const { server, api, uploader } = await setUp();
		server.state.down = 'unavailable';
		uploader.add(0, blob('a0'));
		uploader.finish(0, 3000);
		server.state.down = null;
		const second = await api.startRecordingSegment('video/webm');
		server.state.down = 'unavailable';
		expect(second).toMatchObject({ ok: true, segment: 1 });
		uploader.begin({ recordingId: 'rec-1', segment: 1, mimeType: 'video/webm', startedAt: START });
		uploader.add(1, blob('b0'));
		server.state.down = null;
		await vi.runAllTimersAsync();
		expect(server.state.calls.filter((c) => !c.includes('start')).slice(-3)).toEqual([
			'agent-1 put 0/0',
			'agent-1 end 0 1',
			'agent-1 put 1/0'
		]);
	});

	it('whenIdle gives up after its timeout while the server stays away', async () => {
		const { server, uploader } = await setUp();
		server.state.down = 'unavailable';
		uploader.add(0, blob('c0'));
		const idle = uploader.whenIdle(3000);
		await vi.advanceTimersByTimeAsync(3000);
		expect(await idle).toBe(false);
	});

	it('whenIdle retries at once instead of waiting out a long backoff', async () => {
		const { server, uploader } = await setUp();
		server.state.down = 'unavailable';
		uploader.add(0, blob('c0'));
		await vi.advanceTimersByTimeAsync(500 + 1000 + 2000 + 100);
		const before = server.state.puts;
		server.state.down = null;
		const idle = uploader.whenIdle(1000);
		await vi.advanceTimersByTimeAsync(10);
		expect(await idle).toBe(true);
		expect(server.state.puts).toBe(before + 1);
	});

	it('a chunk for a segment it never began, or after its end, is ignored', async () => {
		const { server, uploader } = await setUp();
		uploader.add(5, blob('x'));
		uploader.finish(0, 100);
		uploader.add(0, blob('late'));
		await vi.runAllTimersAsync();
		expect(server.state.puts).toBe(0);
		expect(server.state.segments[0].end).toEqual({ chunks: 0, durationMs: 100 });
	});
});
