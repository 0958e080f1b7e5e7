/**
 * Where a recording waits until the server has it: every chunk the recorder makes, keyed by
 * (session, recording, segment, index), and what each segment is (so a reloaded page can send
 * the rest and end it). The browser keeps it in IndexedDB (peer/recording/idb-chunk-store.ts);
 * tests keep it in memory.
 */

export interface ChunkKey {
	sessionId: string;
	recordingId: string;
	segment: number;
	index: number;
}

export interface PendingChunk extends ChunkKey {
	data: Blob;
	/** When the recorder made it (milliseconds since the epoch). */
	at: number;
}

export interface SegmentRecord {
	sessionId: string;
	recordingId: string;
	segment: number;
	mimeType: string;
	/** When its recorder started (milliseconds since the epoch). */
	startedAt: number;
	/** Chunks made so far: the next chunk's index. */
	chunks: number;
	/** The recording those chunks hold, in milliseconds. */
	durationMs: number;
	/** Its recorder stopped: `chunks` is final and the server may be told the segment ended. */
	finished: boolean;
}

export interface ChunkStore {
	putChunk(chunk: PendingChunk): Promise<void>;
	deleteChunk(key: ChunkKey): Promise<void>;
	putSegment(record: SegmentRecord): Promise<void>;
	deleteSegment(
		record: Pick<SegmentRecord, 'sessionId' | 'recordingId' | 'segment'>
	): Promise<void>;
	/** What a session left here: segments not yet ended with the server, and unsent chunks. */
	load(sessionId: string): Promise<{ segments: SegmentRecord[]; chunks: PendingChunk[] }>;
}

export function chunkOrder(a: ChunkKey, b: ChunkKey): number {
	return a.segment - b.segment || a.index - b.index;
}

const chunkId = (key: ChunkKey) =>
	JSON.stringify([key.sessionId, key.recordingId, key.segment, key.index]);
const segmentId = (key: Pick<SegmentRecord, 'sessionId' | 'recordingId' | 'segment'>) =>
	JSON.stringify([key.sessionId, key.recordingId, key.segment]);

/** A store in memory (tests; a browser without IndexedDB keeps the queue for the page's life). */
export function memoryChunkStore(): ChunkStore & {
	readonly chunks: ReadonlyMap<string, PendingChunk>;
	readonly segments: ReadonlyMap<string, SegmentRecord>;
} {
	const chunks = new Map<string, PendingChunk>();
	const segments = new Map<string, SegmentRecord>();
	return {
		chunks,
		segments,
		async putChunk(chunk) {
			chunks.set(chunkId(chunk), { ...chunk });
		},
		async deleteChunk(key) {
			chunks.delete(chunkId(key));
		},
		async putSegment(record) {
			segments.set(segmentId(record), { ...record });
		},
		async deleteSegment(record) {
			segments.delete(segmentId(record));
		},
		async load(sessionId) {
			return {
				segments: [...segments.values()]
					.filter((s) => s.sessionId === sessionId)
					.map((s) => ({ ...s }))
					.sort((a, b) => a.segment - b.segment),
				chunks: [...chunks.values()]
					.filter((c) => c.sessionId === sessionId)
					.map((c) => ({ ...c }))
					.sort(chunkOrder)
			};
		}
	};
}
