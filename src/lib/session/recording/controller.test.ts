import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { memoryChunkStore, type ChunkStore } from './chunk-store';
import {
	RecordingController,
	type RecorderFactory,
	type RecordingConditions,
	type SegmentRecorder
} from './controller';
import { fakeRecordingServer } from './fake-recording-server';
import { RecordingUploader } from './uploader';

const START = 1_700_000_000_000;

beforeEach(() => {
	vi.useFakeTimers({ now: START });
});
afterEach(() => {
	vi.useRealTimers();
});

/** A recorder the test drives: `emit` makes a chunk; stop hands over a last one. */
class FakeRecorder implements SegmentRecorder {
	readonly mimeType = 'video/webm;codecs=vp8,opus';
	running = false;
	made = 0;
	#handlers: Parameters<SegmentRecorder['start']>[0] | null = null;
	start(handlers: Parameters<SegmentRecorder['start']>[0]) {
		this.running = true;
		this.#handlers = handlers;
	}
	emit() {
		if (this.running) this.#handlers?.chunk(new Blob([`chunk ${this.made++}`]));
	}
	fail(detail: string) {
		this.#handlers?.error(detail);
	}
	async stop() {
		this.emit();
		this.running = false;
	}
}

function recorders() {
	const made: FakeRecorder[] = [];
	const factory: RecorderFactory = () => {
		const recorder = new FakeRecorder();
		made.push(recorder);
		return recorder;
	};
	return {
		made,
		factory,
		get last() {
			return made.at(-1)!;
		}
	};
}

function agent(
	server: ReturnType<typeof fakeRecordingServer>,
	name: string,
	conditions: RecordingConditions,
	options: { store?: ChunkStore; sessionId?: string; factory?: RecorderFactory } = {}
) {
	const api = server.as(name);
	const store = options.store ?? memoryChunkStore();
	const uploader = new RecordingUploader({
		server: api,
		store,
		sessionId: options.sessionId ?? 's-1'
	});
	const made = recorders();
	const controller = new RecordingController({
		server: api,
		uploader,
		recorder: options.factory ?? made.factory,
		conditions
	});
	return { controller, uploader, store, recorders: made };
}

const RECORDED_OWNER = { record: true, owner: true };

describe('RecordingController', () => {
	it('records once the session is recorded, this agent owns it and the customer was told', async () => {
		const server = fakeRecordingServer();
		const { controller, recorders } = agent(server, 'agent-1', RECORDED_OWNER);
		await controller.start();
		expect(controller.state).toEqual({ kind: 'off' });
		expect(recorders.made.some((r) => r.running)).toBe(false);

		controller.customerTold();
		expect(controller.state).toEqual({ kind: 'starting' });
		await vi.advanceTimersByTimeAsync(0);
		expect(controller.state).toEqual({ kind: 'recording', segment: 0 });
		expect(server.state.segments[0].mimeType).toBe('video/webm;codecs=vp8,opus');
		expect(recorders.last.running).toBe(true);

		recorders.last.emit();
		recorders.last.emit();
		await vi.advanceTimersByTimeAsync(0);
		expect(server.state.segments[0].chunks.size).toBe(2);
	});

	it('records nothing when the session is not recorded, or it is not ours', async () => {
		const server = fakeRecordingServer();
		const off = agent(server, 'agent-1', { record: false, owner: true });
		const other = agent(server, 'agent-2', { record: true, owner: false });
		for (const { controller } of [off, other]) {
			await controller.start();
			controller.customerTold();
		}
		await vi.runAllTimersAsync();
		expect(off.controller.state.kind).toBe('off');
		expect(other.controller.state.kind).toBe('off');
		expect(server.state.calls).toEqual([]);
	});

	it('ending the session stops the recorder, sends its last chunk and ends the segment', async () => {
		const server = fakeRecordingServer();
		const { controller, recorders } = agent(server, 'agent-1', RECORDED_OWNER);
		await controller.start();
		controller.customerTold();
		await vi.advanceTimersByTimeAsync(0);
		recorders.last.emit();
		await vi.advanceTimersByTimeAsync(5000);
		const done = controller.sessionEnded();
		await vi.advanceTimersByTimeAsync(0);
		expect(await done).toBe(true);
		expect(controller.state).toEqual({ kind: 'ended' });
		expect(recorders.last.running).toBe(false);
		expect(server.state.segments[0].end).toEqual({ chunks: 2, durationMs: 5000 });
		// Nothing starts again afterwards.
		controller.update({ owner: true });
		expect(controller.state.kind).toBe('ended');
	});

	it('a hand-over: the old owner ends its segment before leaving, the new owner records the next', async () => {
		const server = fakeRecordingServer();
		const first = agent(server, 'agent-1', RECORDED_OWNER);
		const second = agent(server, 'agent-2', { record: true, owner: false });
		for (const { controller } of [first, second]) {
			await controller.start();
			controller.customerTold();
		}
		await vi.advanceTimersByTimeAsync(0);
		first.recorders.last.emit();
		await vi.advanceTimersByTimeAsync(3000);
		expect(second.controller.state.kind).toBe('off');

		// Hand over: the old owner finishes first, then the server makes agent-2 the owner.
		const sent = first.controller.stepDown();
		await vi.advanceTimersByTimeAsync(0);
		expect(await sent).toBe(true);
		expect(first.controller.state.kind).toBe('off');
		server.state.owner = 'agent-2';
		second.controller.agentGone();
		await vi.advanceTimersByTimeAsync(0);
		expect(second.controller.state).toEqual({ kind: 'recording', segment: 1 });
		second.recorders.last.emit();
		await vi.advanceTimersByTimeAsync(0);

		expect(server.state.segments.map((s) => [s.owner, s.chunks.size, s.end?.chunks])).toEqual([
			['agent-1', 2, 2],
			['agent-2', 1, undefined]
		]);
	});

	it('a restart ends the segment and records the next one with a new recorder', async () => {
		const server = fakeRecordingServer();
		const { controller, recorders } = agent(server, 'agent-1', RECORDED_OWNER);
		await controller.start();
		controller.customerTold();
		await vi.advanceTimersByTimeAsync(0);
		const first = recorders.last;
		await controller.restart();
		await vi.advanceTimersByTimeAsync(0);
		expect(first.running).toBe(false);
		expect(recorders.last).not.toBe(first);
		expect(recorders.last.running).toBe(true);
		expect(controller.state).toEqual({ kind: 'recording', segment: 1 });
		expect(server.state.segments[0].end?.chunks).toBe(1);
	});

	it('a hand-over that did not happen: the owner records again, in a new segment', async () => {
		const server = fakeRecordingServer();
		const { controller } = agent(server, 'agent-1', RECORDED_OWNER);
		await controller.start();
		controller.customerTold();
		await vi.advanceTimersByTimeAsync(0);
		await controller.stepDown();
		expect(controller.state.kind).toBe('off');
		controller.update({ record: true });
		await vi.advanceTimersByTimeAsync(0);
		expect(controller.state.kind).toBe('off');
		controller.stayed();
		await vi.advanceTimersByTimeAsync(0);
		expect(controller.state).toEqual({ kind: 'recording', segment: 1 });
	});

	it('an agent that is gone but did not hand over to us: the server says no, we stay off', async () => {
		const server = fakeRecordingServer();
		const { controller, recorders } = agent(server, 'agent-2', { record: true, owner: false });
		await controller.start();
		controller.customerTold();
		controller.agentGone();
		await vi.advanceTimersByTimeAsync(0);
		expect(server.state.calls).toEqual(['agent-2 start']);
		expect(controller.state.kind).toBe('off');
		expect(recorders.last.running).toBe(false);
		// Not asked again until another agent goes.
		controller.update({ record: true });
		await vi.advanceTimersByTimeAsync(0);
		expect(server.state.calls).toHaveLength(1);
	});

	it('without a recorder in this browser: failed at once (before anything is shared), a problem posted', async () => {
		const server = fakeRecordingServer();
		const { controller } = agent(server, 'agent-1', RECORDED_OWNER, {
			factory: () => ({ unsupported: 'no MediaRecorder' })
		});
		await controller.start();
		expect(controller.state).toEqual({
			kind: 'failed',
			reason: 'unsupported',
			detail: 'no MediaRecorder'
		});
		await vi.advanceTimersByTimeAsync(0);
		expect(server.state.problems).toEqual([{ reason: 'unsupported', detail: 'no MediaRecorder' }]);
		controller.customerTold();
		await vi.advanceTimersByTimeAsync(0);
		expect(server.state.calls.filter((c) => c.includes('start'))).toEqual([]);
		expect(server.state.problems).toHaveLength(1);
	});

	it('a recorder error stops the segment with what it made, and says so', async () => {
		const server = fakeRecordingServer();
		const { controller, recorders } = agent(server, 'agent-1', RECORDED_OWNER);
		await controller.start();
		controller.customerTold();
		await vi.advanceTimersByTimeAsync(0);
		recorders.last.emit();
		recorders.last.fail('EncodingError');
		await vi.runAllTimersAsync();
		expect(controller.state).toEqual({
			kind: 'failed',
			reason: 'recorder-error',
			detail: 'EncodingError'
		});
		expect(server.state.problems).toEqual([{ reason: 'recorder-error', detail: 'EncodingError' }]);
		expect(server.state.segments[0].end?.chunks).toBe(2);
	});

	it('uploads that keep failing tell the agent and the report (once the server answers again)', async () => {
		const server = fakeRecordingServer();
		const { controller, recorders } = agent(server, 'agent-1', RECORDED_OWNER);
		await controller.start();
		controller.customerTold();
		await vi.advanceTimersByTimeAsync(0);
		server.state.down = 'unavailable';
		for (let i = 0; i < 6; i++) {
			recorders.last.emit();
			await vi.advanceTimersByTimeAsync(3000);
		}
		expect(controller.uploadsFailing).toBe(true);
		expect(controller.state.kind).toBe('recording');
		expect(server.state.problems).toEqual([]);

		server.state.down = null;
		await vi.advanceTimersByTimeAsync(8000);
		expect(controller.uploadsFailing).toBe(false);
		expect(server.state.problems).toEqual([{ reason: 'upload-failing', detail: 'unavailable' }]);
		expect(server.state.segments[0].chunks.size).toBe(6);
	});

	it('opening a segment is retried while the server cannot be reached', async () => {
		const server = fakeRecordingServer();
		server.state.down = 'unavailable';
		const { controller } = agent(server, 'agent-1', RECORDED_OWNER);
		await controller.start();
		controller.customerTold();
		await vi.advanceTimersByTimeAsync(1000 + 2000);
		expect(server.state.calls).toEqual(['agent-1 start', 'agent-1 start', 'agent-1 start']);
		expect(controller.state.kind).toBe('starting');
		server.state.down = null;
		await vi.advanceTimersByTimeAsync(4000);
		expect(controller.state).toEqual({ kind: 'recording', segment: 0 });
	});

	it('the session ending while a segment is being opened leaves nothing running', async () => {
		const server = fakeRecordingServer();
		server.state.down = 'unavailable';
		const { controller, recorders } = agent(server, 'agent-1', RECORDED_OWNER);
		await controller.start();
		controller.customerTold();
		await vi.advanceTimersByTimeAsync(100);
		await controller.sessionEnded(100);
		server.state.down = null;
		await vi.runAllTimersAsync();
		expect(controller.state.kind).toBe('ended');
		expect(server.state.calls).toEqual(['agent-1 start']);
		expect(recorders.made.every((r) => !r.running)).toBe(true);
	});

	it('recording turned off by an administrator ends the segment; turned on again, the next starts', async () => {
		const server = fakeRecordingServer();
		const { controller } = agent(server, 'agent-1', RECORDED_OWNER);
		await controller.start();
		controller.customerTold();
		await vi.advanceTimersByTimeAsync(0);
		controller.update({ record: false });
		await vi.advanceTimersByTimeAsync(0);
		expect(controller.state.kind).toBe('off');
		expect(server.state.segments[0].end).not.toBeNull();
		controller.update({ record: true });
		await vi.advanceTimersByTimeAsync(0);
		expect(controller.state).toEqual({ kind: 'recording', segment: 1 });
	});

	it('a reloaded page ends the last page’s segment first, then records the next', async () => {
		const server = fakeRecordingServer();
		const store = memoryChunkStore();
		const before = agent(server, 'agent-1', RECORDED_OWNER, { store });
		await before.controller.start();
		before.controller.customerTold();
		await vi.advanceTimersByTimeAsync(0);
		server.state.down = 'unavailable';
		before.recorders.last.emit();
		before.recorders.last.emit();
		await vi.advanceTimersByTimeAsync(10);
		before.controller.dispose();
		server.state.down = null;

		const after = agent(server, 'agent-1', RECORDED_OWNER, { store });
		await after.controller.start();
		after.controller.customerTold();
		await vi.advanceTimersByTimeAsync(0);
		expect(after.controller.state).toEqual({ kind: 'recording', segment: 1 });
		// Two chunks made, and the last one its stop handed over as the page went.
		expect(server.state.segments[0].chunks.size).toBe(3);
		expect(server.state.segments[0].end?.chunks).toBe(3);
		const order = server.state.calls.filter((c) => !c.includes('problem'));
		expect(order.indexOf('agent-1 end 0 3')).toBeLessThan(order.lastIndexOf('agent-1 start'));
	});

	it('the server full: recording stops for good, the agent is told, the report too', async () => {
		const server = fakeRecordingServer();
		const { controller, recorders } = agent(server, 'agent-1', RECORDED_OWNER);
		await controller.start();
		controller.customerTold();
		await vi.advanceTimersByTimeAsync(0);
		server.state.refuseNextChunk = 'storage-full';
		recorders.last.emit();
		await vi.runAllTimersAsync();
		expect(controller.state).toEqual({ kind: 'failed', reason: 'storage-full' });
		expect(recorders.last.running).toBe(false);
		expect(server.state.problems).toEqual([{ reason: 'upload-failing', detail: 'storage-full' }]);
	});

	it('a problem detail is cut to what the server takes', async () => {
		const server = fakeRecordingServer();
		const { controller, recorders } = agent(server, 'agent-1', RECORDED_OWNER);
		await controller.start();
		controller.customerTold();
		await vi.advanceTimersByTimeAsync(0);
		recorders.last.fail('x'.repeat(500));
		await vi.runAllTimersAsync();
		expect(server.state.problems[0].detail).toHaveLength(200);
	});
});
