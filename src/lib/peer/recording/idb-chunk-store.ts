/**
 * The recording's chunks kept in IndexedDB until the server has them (a database of its own:
 * idb-keyval opens one store per database). Keys are arrays, so one session's entries are
 * found by their prefix; entries older than a week (a session long over, whose server takes
 * nothing more) are swept when a session loads.
 */
import { createStore, delMany, del, getMany, keys, set, type UseStore } from 'idb-keyval';
import type {
	ChunkKey,
	ChunkStore,
	PendingChunk,
	SegmentRecord
} from '$lib/session/recording/chunk-store';
import { chunkOrder } from '$lib/session/recording/chunk-store';

const STALE_MS = 7 * 24 * 60 * 60 * 1000;

type Key = ['chunk', string, string, number, number] | ['segment', string, string, number];

const chunkKey = (key: ChunkKey): Key => [
	'chunk',
	key.sessionId,
	key.recordingId,
	key.segment,
	key.index
];
const segmentKey = (record: Pick<SegmentRecord, 'sessionId' | 'recordingId' | 'segment'>): Key => [
	'segment',
	record.sessionId,
	record.recordingId,
	record.segment
];

function isKey(value: IDBValidKey): value is Key {
	return Array.isArray(value) && (value[0] === 'chunk' || value[0] === 'segment');
}

export function idbChunkStore(now: () => number = Date.now): ChunkStore {
	let store: UseStore | null = null;
	const db = () => (store ??= createStore('ponte-recording', 'queue'));
	return {
		putChunk: (chunk) => set(chunkKey(chunk), chunk, db()),
		deleteChunk: (key) => del(chunkKey(key), db()),
		putSegment: (record) => set(segmentKey(record), record, db()),
		deleteSegment: (record) => del(segmentKey(record), db()),
		async load(sessionId) {
			const all = (await keys(db())).filter(isKey);
			const mine = all.filter((key) => key[1] === sessionId);
			const others = all.filter((key) => key[1] !== sessionId);
			const values = await getMany<PendingChunk | SegmentRecord>(mine, db());
			const segments: SegmentRecord[] = [];
			const chunks: PendingChunk[] = [];
			mine.forEach((key, i) => {
				const value = values[i];
				if (!value) return;
				if (key[0] === 'segment') segments.push(value as SegmentRecord);
				else if ((value as PendingChunk).data instanceof Blob) chunks.push(value as PendingChunk);
			});
			await sweep(others, db(), now());
			return {
				segments: segments.sort((a, b) => a.segment - b.segment),
				chunks: chunks.sort(chunkOrder)
			};
		}
	};
}

/** Other sessions' entries from more than a week ago: their server will never take them. */
async function sweep(others: Key[], store: UseStore, now: number) {
	if (others.length === 0) return;
	const values = await getMany<PendingChunk | SegmentRecord | undefined>(others, store);
	const stale = others.filter((key, i) => {
		const value = values[i];
		const at =
			key[0] === 'chunk' ? (value as PendingChunk)?.at : (value as SegmentRecord)?.startedAt;
		return typeof at !== 'number' || now - at > STALE_MS;
	});
	if (stale.length > 0) await delMany(stale, store);
}
