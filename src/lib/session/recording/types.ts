/**
 * What recording needs of the server (the peer client's SessionServer port implements it over
 * HTTP; tests with an in-memory server). Every answer is a result, never a throw: `retry` says
 * whether asking again later may work (offline, a server error, too many requests) or the
 * refusal is final (not the owner, too large, the segment has ended, storage is full).
 */

export type RecordingFailure = { ok: false; error: string; retry: boolean };

export type SegmentStart = { ok: true; recordingId: string; segment: number } | RecordingFailure;
export type ChunkStored = { ok: true; duplicate: boolean } | RecordingFailure;
export type SegmentEnd = { ok: true; missing: number[] } | RecordingFailure;

export const RECORDING_PROBLEMS = ['unsupported', 'upload-failing', 'recorder-error'] as const;
export type RecordingProblemReason = (typeof RECORDING_PROBLEMS)[number];
export interface RecordingProblem {
	reason: RecordingProblemReason;
	/** At most 200 characters: what went wrong, never a secret. */
	detail?: string;
}

export interface RecordingServer {
	/** Opens the next segment of the session's recording (the owner only). */
	startRecordingSegment(mimeType: string): Promise<SegmentStart>;
	/** Stores chunk `index` of `segment`; the same chunk again is a duplicate, not an error. */
	putRecordingChunk(segment: number, index: number, data: Blob): Promise<ChunkStored>;
	/** Says `segment` is complete at `chunks` chunks; the server answers which it never got. */
	endRecordingSegment(
		segment: number,
		end: { chunks: number; durationMs: number }
	): Promise<SegmentEnd>;
	/** Puts a recording problem in the report. */
	postRecordingProblem(problem: RecordingProblem): Promise<{ ok: true } | RecordingFailure>;
}

/** The longest problem detail the server takes. */
export const MAX_PROBLEM_DETAIL = 200;
