/**
 * An in-memory recording server for tests, keeping the contract's rules: one recording per
 * session, segments numbered in order and opened by the owner only, chunks idempotent by
 * (segment, index), no chunk above an ended segment's count, ends idempotent.
 */
import type {
	ChunkStored,
	RecordingFailure,
	RecordingProblem,
	RecordingServer,
	SegmentEnd,
	SegmentStart
} from './types';

export interface FakeSegment {
	owner: string;
	mimeType: string;
	chunks: Map<number, Blob>;
	end: { chunks: number; durationMs: number } | null;
}

export function fakeRecordingServer(options: { recordingId?: string } = {}) {
	const recordingId = options.recordingId ?? 'rec-1';
	const state = {
		owner: 'agent-1',
		segments: [] as FakeSegment[],
		problems: [] as RecordingProblem[],
		/** While set, every call fails with this (retry: true) — the server is away. */
		down: null as string | null,
		/** A final refusal for the next chunk upload (then cleared). */
		refuseNextChunk: null as string | null,
		calls: [] as string[],
		puts: 0
	};
	const failure = (error: string, retry: boolean): RecordingFailure => ({
		ok: false,
		error,
		retry
	});
	/** The server half of one agent (`as`): every call goes through it. */
	const as = (agent: string): RecordingServer => ({
		async startRecordingSegment(mimeType): Promise<SegmentStart> {
			state.calls.push(`${agent} start`);
			if (state.down) return failure(state.down, true);
			if (agent !== state.owner) return failure('not-owner', false);
			const open = state.segments.find((s) => s.end === null);
			// A new owner's segment closes the previous owner's open one.
			if (open) open.end = { chunks: open.chunks.size, durationMs: 0 };
			state.segments.push({ owner: agent, mimeType, chunks: new Map(), end: null });
			return { ok: true, recordingId, segment: state.segments.length - 1 };
		},
		async putRecordingChunk(segment, index, data): Promise<ChunkStored> {
			state.calls.push(`${agent} put ${segment}/${index}`);
			state.puts++;
			if (state.down) return failure(state.down, true);
			if (state.refuseNextChunk) {
				const error = state.refuseNextChunk;
				state.refuseNextChunk = null;
				return failure(error, false);
			}
			const target = state.segments[segment];
			if (!target) return failure('not-found', false);
			if (target.end && index >= target.end.chunks) return failure('segment-ended', false);
			if (target.chunks.has(index)) return { ok: true, duplicate: true };
			target.chunks.set(index, data);
			return { ok: true, duplicate: false };
		},
		async endRecordingSegment(segment, end): Promise<SegmentEnd> {
			state.calls.push(`${agent} end ${segment} ${end.chunks}`);
			if (state.down) return failure(state.down, true);
			const target = state.segments[segment];
			if (!target) return failure('not-found', false);
			target.end ??= end;
			const missing: number[] = [];
			for (let i = 0; i < target.end.chunks; i++) if (!target.chunks.has(i)) missing.push(i);
			return { ok: true, missing };
		},
		async postRecordingProblem(problem) {
			state.calls.push(`${agent} problem ${problem.reason}`);
			if (state.down) return failure(state.down, true);
			state.problems.push(problem);
			return { ok: true };
		}
	});
	return { state, as };
}
