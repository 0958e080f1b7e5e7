import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventRecorder, isFinalRefusal, memoryEventStore, type RecordedEvent } from './recorder';

/** A fake server: records every batch it is sent, fails while `failing` is set. */
function fakeServer() {
	const server = {
		batches: [] as RecordedEvent[][],
		attempts: 0,
		failing: false,
		stored: new Map<string, RecordedEvent>(),
		post: async (events: RecordedEvent[]) => {
			server.attempts++;
			if (server.failing) throw new Error('network down');
			server.batches.push([...events]);
			// The real server dedupes by event id.
			for (const event of events) server.stored.set(event.id, event);
		}
	};
	return server;
}

let counter = 0;
const newId = () => `event-${++counter}`;
const now = () => 1_700_000_000_000;

beforeEach(() => {
	vi.useFakeTimers();
});

afterEach(() => {
	vi.useRealTimers();
});

describe('EventRecorder', () => {
	it('batches events recorded close together and sends them in order', async () => {
		const server = fakeServer();
		const recorder = new EventRecorder({ post: server.post, newId, now });
		const a = recorder.record('chat', { text: 'one' });
		recorder.record('screen', { state: 'sharing' });
		recorder.record('chat', { text: 'two' });
		expect(recorder.pending).toBe(3);

		await vi.advanceTimersByTimeAsync(249);
		expect(server.batches).toEqual([]);
		await vi.advanceTimersByTimeAsync(1);
		expect(server.batches).toHaveLength(1);
		expect(server.batches[0].map((e) => e.type)).toEqual(['chat', 'screen', 'chat']);
		expect(server.batches[0][0]).toEqual({
			id: a.id,
			type: 'chat',
			at: now(),
			data: { text: 'one' }
		});
		expect(recorder.pending).toBe(0);
	});

	it('splits into batches of at most maxBatch, one at a time, in order', async () => {
		const server = fakeServer();
		let inFlight = 0;
		let maxInFlight = 0;
		const post = async (events: RecordedEvent[]) => {
			inFlight++;
			maxInFlight = Math.max(maxInFlight, inFlight);
			await new Promise((resolve) => setTimeout(resolve, 10));
			inFlight--;
			await server.post(events);
		};
		const recorder = new EventRecorder({ post, newId, now, maxBatch: 100 });
		const recorded = Array.from({ length: 250 }, (_, i) => recorder.record('tick', { i }));
		await vi.runAllTimersAsync();
		expect(server.batches.map((b) => b.length)).toEqual([100, 100, 50]);
		expect(server.batches.flat().map((e) => e.id)).toEqual(recorded.map((e) => e.id));
		expect(maxInFlight).toBe(1);
	});

	it('retries a failed post with exponential backoff, capped', async () => {
		const server = fakeServer();
		server.failing = true;
		const recorder = new EventRecorder({
			post: server.post,
			newId,
			now,
			retryMs: { min: 500, max: 4_000 }
		});
		recorder.record('chat');
		await vi.advanceTimersByTimeAsync(250);
		expect(server.attempts).toBe(1);

		// Retries after 500, 1000, 2000, 4000, 4000 ms.
		const expectedGaps = [500, 1_000, 2_000, 4_000, 4_000];
		for (const gap of expectedGaps) {
			const before = server.attempts;
			await vi.advanceTimersByTimeAsync(gap - 1);
			expect(server.attempts).toBe(before);
			await vi.advanceTimersByTimeAsync(1);
			expect(server.attempts).toBe(before + 1);
		}
		expect(recorder.pending).toBe(1);

		server.failing = false;
		await vi.advanceTimersByTimeAsync(4_000);
		expect(server.batches).toHaveLength(1);
		expect(recorder.pending).toBe(0);
	});

	it('resets the backoff after a success', async () => {
		const server = fakeServer();
		const recorder = new EventRecorder({ post: server.post, newId, now });
		server.failing = true;
		recorder.record('a');
		await vi.advanceTimersByTimeAsync(250 + 500 + 1_000);
		expect(server.attempts).toBe(3);
		server.failing = false;
		await vi.advanceTimersByTimeAsync(2_000);
		expect(recorder.pending).toBe(0);

		server.failing = true;
		recorder.record('b');
		await vi.advanceTimersByTimeAsync(250);
		const attempts = server.attempts;
		await vi.advanceTimersByTimeAsync(500);
		expect(server.attempts).toBe(attempts + 1);
	});

	it('uses the default backoff of 500 ms to 15 s', async () => {
		const server = fakeServer();
		server.failing = true;
		const recorder = new EventRecorder({ post: server.post, newId, now });
		recorder.record('a');
		await vi.advanceTimersByTimeAsync(250);
		// 500 + 1000 + 2000 + 4000 + 8000 + 15000 + 15000
		await vi.advanceTimersByTimeAsync(45_500);
		expect(server.attempts).toBe(8);
		await vi.advanceTimersByTimeAsync(14_999);
		expect(server.attempts).toBe(8);
		await vi.advanceTimersByTimeAsync(1);
		expect(server.attempts).toBe(9);
	});

	it('keeps events recorded while failing, and sends everything once, in order', async () => {
		const server = fakeServer();
		const recorder = new EventRecorder({ post: server.post, newId, now });
		server.failing = true;
		const first = recorder.record('first');
		await vi.advanceTimersByTimeAsync(250);
		const second = recorder.record('second');
		server.failing = false;
		await vi.runAllTimersAsync();
		expect(server.batches.flat().map((e) => e.id)).toEqual([first.id, second.id]);
	});

	it('flush() never rejects, and a failed batch is resent with the same ids', async () => {
		let calls = 0;
		const seenIds: string[][] = [];
		const post = async (events: RecordedEvent[]) => {
			seenIds.push(events.map((e) => e.id));
			// The first post reaches the server but the answer is lost.
			if (++calls === 1) throw new Error('timeout');
		};
		const recorder = new EventRecorder({ post, newId, now });
		recorder.record('a');
		recorder.record('b');
		await expect(recorder.flush()).resolves.toBeUndefined();
		expect(recorder.pending).toBe(2);
		await vi.runAllTimersAsync();
		expect(seenIds).toHaveLength(2);
		expect(seenIds[1]).toEqual(seenIds[0]);
		expect(recorder.pending).toBe(0);
	});

	it('a post that throws synchronously is a failure like any other', async () => {
		let calls = 0;
		const post = (events: RecordedEvent[]) => {
			if (++calls === 1) throw new Error('sync failure');
			return Promise.resolve(void events);
		};
		const recorder = new EventRecorder({ post, newId, now });
		recorder.record('a');
		await recorder.flush();
		expect(recorder.pending).toBe(1);
		await vi.runAllTimersAsync();
		expect(recorder.pending).toBe(0);
	});

	it('never queues an id twice', async () => {
		const server = fakeServer();
		const recorder = new EventRecorder({ post: server.post, newId, now });
		const first = recorder.record('chat', { text: 'hi' }, 'chat-1');
		const again = recorder.record('chat', { text: 'hi' }, 'chat-1');
		expect(again).toBe(first);
		expect(recorder.pending).toBe(1);
		await vi.runAllTimersAsync();
		// Already sent: not sent again.
		recorder.record('chat', { text: 'hi' }, 'chat-1');
		expect(recorder.pending).toBe(0);
		await vi.runAllTimersAsync();
		expect(server.batches.flat().map((e) => e.id)).toEqual(['chat-1']);
	});

	it('concurrent flushes send each batch once', async () => {
		const server = fakeServer();
		const recorder = new EventRecorder({ post: server.post, newId, now });
		recorder.record('a');
		recorder.record('b');
		await Promise.all([recorder.flush(), recorder.flush(), recorder.flush()]);
		expect(server.attempts).toBe(1);
		await vi.runAllTimersAsync();
		expect(server.attempts).toBe(1);
	});

	it('events recorded during a post go in the next batch', async () => {
		const server = fakeServer();
		let release: () => void = () => {};
		const post = async (events: RecordedEvent[]) => {
			if (server.attempts === 0) await new Promise<void>((resolve) => (release = resolve));
			await server.post(events);
		};
		const recorder = new EventRecorder({ post, newId, now });
		recorder.record('a');
		const flushing = recorder.flush();
		recorder.record('b');
		release();
		await flushing;
		await vi.runAllTimersAsync();
		expect(server.batches.map((b) => b.map((e) => e.type))).toEqual([['a'], ['b']]);
	});

	it('an explicit flush skips the backoff wait', async () => {
		const server = fakeServer();
		server.failing = true;
		const recorder = new EventRecorder({ post: server.post, newId, now });
		recorder.record('a');
		await recorder.flush();
		server.failing = false;
		await recorder.flush();
		expect(recorder.pending).toBe(0);
		await vi.runAllTimersAsync();
		expect(server.batches).toHaveLength(1);
	});

	it('stop() stops sending; start() resumes', async () => {
		const server = fakeServer();
		const recorder = new EventRecorder({ post: server.post, newId, now });
		recorder.record('a');
		recorder.stop();
		await vi.runAllTimersAsync();
		await recorder.flush();
		expect(server.attempts).toBe(0);
		expect(vi.getTimerCount()).toBe(0);
		await recorder.start();
		expect(server.batches.flat().map((e) => e.type)).toEqual(['a']);
	});
});

describe('EventRecorder persistence', () => {
	it('persists unsent events and sends them after a reload', async () => {
		const store = memoryEventStore();
		const down = fakeServer();
		down.failing = true;
		const before = new EventRecorder({ post: down.post, store, newId, now });
		await before.start();
		const a = before.record('chat', { text: 'one' });
		const b = before.record('end', { reason: 'agent' });
		await before.whenPersisted();
		expect((await store.load()).map((e) => e.id)).toEqual([a.id, b.id]);
		await vi.advanceTimersByTimeAsync(250);
		before.stop();
		// The page reloads.

		const server = fakeServer();
		const after = new EventRecorder({ post: server.post, store, newId, now });
		await after.start();
		expect(server.batches.flat()).toEqual([a, b]);
		await after.whenPersisted();
		expect(await store.load()).toEqual([]);
	});

	it('does not overwrite stored events before start() has loaded them', async () => {
		const old: RecordedEvent = { id: 'old-1', type: 'chat', at: 1, data: {} };
		const store = memoryEventStore([old]);
		const server = fakeServer();
		server.failing = true;
		const recorder = new EventRecorder({ post: server.post, store, newId, now });
		const fresh = recorder.record('screen');
		await recorder.whenPersisted();
		expect(await store.load()).toEqual([old]);

		await recorder.start();
		await recorder.whenPersisted();
		// The older event goes first.
		expect((await store.load()).map((e) => e.id)).toEqual(['old-1', fresh.id]);
		server.failing = false;
		await vi.runAllTimersAsync();
		expect(server.batches.flat().map((e) => e.id)).toEqual(['old-1', fresh.id]);
	});

	it('does not duplicate an event that is both stored and queued', async () => {
		const event: RecordedEvent = { id: 'same', type: 'chat', at: 1, data: {} };
		const store = memoryEventStore([event]);
		const server = fakeServer();
		const recorder = new EventRecorder({ post: server.post, store, newId, now });
		recorder.record('chat', {}, 'same');
		await recorder.start();
		await vi.runAllTimersAsync();
		expect(server.batches.flat().map((e) => e.id)).toEqual(['same']);
	});

	it('survives a broken store: unreadable, malformed or failing to save', async () => {
		const server = fakeServer();
		const broken = {
			load: async (): Promise<RecordedEvent[]> => {
				throw new Error('IndexedDB unavailable');
			},
			save: async () => {
				throw new Error('quota exceeded');
			}
		};
		const recorder = new EventRecorder({ post: server.post, store: broken, newId, now });
		await recorder.start();
		recorder.record('a');
		await recorder.whenPersisted();
		await vi.runAllTimersAsync();
		expect(server.batches.flat().map((e) => e.type)).toEqual(['a']);

		const malformed = memoryEventStore([
			null,
			{ id: 1 },
			{ id: 'ok', type: 'chat', at: 1, data: {} }
		] as unknown as RecordedEvent[]);
		const other = fakeServer();
		await new EventRecorder({ post: other.post, store: malformed, newId, now }).start();
		expect(other.batches.flat().map((e) => e.id)).toEqual(['ok']);
	});

	it('saves never overlap and the last save holds the latest queue', async () => {
		let saving = 0;
		let overlapped = false;
		let saved: RecordedEvent[] = [];
		const store = {
			load: async () => [],
			save: async (events: RecordedEvent[]) => {
				if (saving > 0) overlapped = true;
				saving++;
				await Promise.resolve();
				saved = events;
				saving--;
			}
		};
		const server = fakeServer();
		server.failing = true;
		const recorder = new EventRecorder({ post: server.post, store, newId, now });
		await recorder.start();
		for (let i = 0; i < 20; i++) recorder.record('tick', { i });
		await recorder.whenPersisted();
		expect(overlapped).toBe(false);
		expect(saved).toHaveLength(20);
	});
});

describe('isFinalRefusal', () => {
	it('drops a batch the server refused for good, retries one it may take later', () => {
		for (const status of [400, 403, 404, 409, 410, 413, 422]) {
			expect(isFinalRefusal(status), String(status)).toBe(true);
		}
		for (const status of [200, 401, 408, 429, 500, 502, 503]) {
			expect(isFinalRefusal(status), String(status)).toBe(false);
		}
	});
});
