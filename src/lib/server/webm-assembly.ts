import { Decoder, Reader, tools, type EBMLElementDetail } from 'ts-ebml';

/**
 * One recording segment's chunks made into one seekable WebM file. MediaRecorder's chunks,
 * concatenated in order, are a WebM stream whose header has no duration and no cues (a player
 * cannot seek it); ts-ebml's Reader, fed the whole stream, learns the duration and where each
 * cluster starts, and `makeMetadataSeekable` writes a new header with both. The file is that
 * header, then the stream from the end of the old header on.
 *
 * Two passes over the chunks, each streamed: one to read (only the header's elements and one
 * cue per cluster are kept), one to write. Where chunks are missing, the run before the gap is
 * cut at its last whole element and the run after it starts at its first cluster, so the file
 * stays well formed (the picture jumps over the gap).
 */

export interface ChunkSource {
	index: number;
	size: number;
	/** The chunk's bytes from `start` (inclusive) to `end` (exclusive). */
	read(start: number, end: number): AsyncIterable<Uint8Array>;
}

export type AssemblyNote =
	/** Chunk 0, with the header, never arrived: nothing can be played. */
	| 'no-start'
	/** The chunks are not a WebM stream a player could read. */
	| 'unreadable';

export type AssemblyPlan =
	| {
			ok: true;
			/** The new header, with duration and cues. */
			header: Uint8Array;
			/** What follows it: byte ranges of the chunks, in order. */
			pieces: Piece[];
			/** Bytes of the assembled file. */
			size: number;
			durationMs: number;
			cues: number;
			/** Chunk indexes whose bytes are (partly) left out, around gaps or unreadable. */
			dropped: number[];
	  }
	| { ok: false; note: AssemblyNote };

interface Piece {
	source: ChunkSource;
	start: number;
	end: number;
}

/** How far a run may be read past its last whole element: no WebM block comes near it. */
const MAX_PENDING_BYTES = 16 * 1024 * 1024;
const CLUSTER_ID = [0x1f, 0x43, 0xb6, 0x75];
const TIMESTAMP_ID = 0xe7;

/** Consecutive chunks (no index missing between them), in order. */
function runsOf(chunks: ChunkSource[]): ChunkSource[][] {
	const runs: ChunkSource[][] = [];
	for (const chunk of [...chunks].sort((a, b) => a.index - b.index)) {
		const last = runs.at(-1);
		if (last && last.at(-1)!.index + 1 === chunk.index) last.push(chunk);
		else runs.push([chunk]);
	}
	return runs;
}

/** A run's bytes from `from` (run offset), with each piece's run offset. */
async function* runBytes(
	run: ChunkSource[],
	from = 0
): AsyncGenerator<{ offset: number; bytes: Uint8Array }> {
	let base = 0;
	for (const chunk of run) {
		const start = Math.max(0, from - base);
		if (start < chunk.size) {
			let offset = base + start;
			for await (const bytes of chunk.read(start, chunk.size)) {
				yield { offset, bytes };
				offset += bytes.byteLength;
			}
		}
		base += chunk.size;
	}
}

/** The ranges of the run's chunks that hold its bytes [from, to). */
function piecesOf(run: ChunkSource[], from: number, to: number): Piece[] {
	const pieces: Piece[] = [];
	let base = 0;
	for (const source of run) {
		const start = Math.max(from, base) - base;
		const end = Math.min(to, base + source.size) - base;
		if (end > start) pieces.push({ source, start, end });
		base += source.size;
	}
	return pieces;
}

/** The length of an EBML variable-size integer from its first byte (0: not one). */
function vintLength(first: number): number {
	for (let length = 1; length <= 8; length++) {
		if (first & (0x80 >> (length - 1))) return length;
	}
	return 0;
}

/**
 * The run offset of the first cluster in a run that begins mid-stream: a Cluster ID, a valid
 * size, and a Timestamp element first (as every cluster begins): a chance match inside a
 * picture's bytes is not taken. Null when the run has none.
 */
async function firstCluster(run: ChunkSource[]): Promise<number | null> {
	let carry = new Uint8Array(0);
	let carryOffset = 0;
	for await (const { offset, bytes } of runBytes(run)) {
		const window = new Uint8Array(carry.length + bytes.length);
		window.set(carry);
		window.set(bytes, carry.length);
		const windowOffset = carry.length ? carryOffset : offset;
		let i = 0;
		for (; i + 4 < window.length; i++) {
			if (
				window[i] !== CLUSTER_ID[0] ||
				window[i + 1] !== CLUSTER_ID[1] ||
				window[i + 2] !== CLUSTER_ID[2] ||
				window[i + 3] !== CLUSTER_ID[3]
			) {
				continue;
			}
			const length = vintLength(window[i + 4]);
			if (length === 0) continue;
			// Not all of it here yet: look again with the next bytes.
			if (i + 4 + length >= window.length) break;
			if (window[i + 4 + length] === TIMESTAMP_ID) return windowOffset + i;
		}
		carry = window.slice(i);
		carryOffset = windowOffset + i;
	}
	return null;
}

/** An element's offsets moved by `by` (the decoder counts from where it began). */
function shifted(element: EBMLElementDetail, by: number): EBMLElementDetail {
	if (by === 0) return element;
	const move = (value: number) => (value >= 0 ? value + by : value);
	return {
		...element,
		tagStart: move(element.tagStart),
		tagEnd: move(element.tagEnd),
		sizeStart: move(element.sizeStart),
		sizeEnd: move(element.sizeEnd),
		dataStart: move(element.dataStart),
		dataEnd: move(element.dataEnd)
	};
}

/** Where the bytes seen so far are whole: after an element read, or after a master's header. */
function endOf(element: EBMLElementDetail): number {
	if (element.type === 'm' && !element.isEnd) return element.dataStart;
	return element.dataEnd;
}

/** Reads the chunks (first pass) and plans the file. */
export async function planAssembly(chunks: ChunkSource[]): Promise<AssemblyPlan> {
	const runs = runsOf(chunks);
	if (runs.length === 0 || runs[0][0].index !== 0) return { ok: false, note: 'no-start' };

	const reader = new Reader();
	// MediaRecorder's DefaultDuration stays in the header: ts-ebml drops it by default for an old
	// Chrome MSE bug (and says so on the console each time), which players today do not have.
	reader.drop_default_duration = false;
	const readerState = reader as unknown as { chunks: unknown[]; metadataloaded: boolean };
	const pieces: Piece[] = [];
	const dropped = new Set<number>();
	const clusterCues: { CueTrack: number; CueClusterPosition: number; CueTime: number }[] = [];
	let pendingCluster: number | null = null;
	let clusters = 0;
	// A cue is a place a player starts decoding: only a cluster whose first video block is a key
	// frame is one (ts-ebml cues every cluster, and a player sent to a cluster that opens with a
	// delta frame shows a frozen or broken picture from there).
	const videoTracks = new Set<number>();
	let trackNumber: number | null = null;
	const keyClusters = new Set<number>();
	let cluster: { at: number; videoSeen: boolean } | null = null;
	let output = 0;

	for (const [runNumber, run] of runs.entries()) {
		const from = runNumber === 0 ? 0 : await firstCluster(run);
		if (from === null) {
			for (const chunk of run) dropped.add(chunk.index);
			continue;
		}
		const decoder = new Decoder();
		const base = output - from;
		let fed = from;
		let whole = from;
		try {
			for await (const { bytes } of runBytes(run, from)) {
				fed += bytes.byteLength;
				const elements = decoder.decode(bytes as unknown as ArrayBuffer);
				for (const raw of elements) {
					const element = shifted(raw, from);
					whole = Math.max(whole, endOf(element));
					// Garbage the schema does not know is carried, not read (the Reader would log it).
					if (element.name === 'unknown') continue;
					const placed = shifted(element, base);
					if (placed.name === 'Cluster' && placed.type === 'm' && !placed.isEnd) {
						pendingCluster = placed.tagStart;
						cluster = { at: placed.tagStart, videoSeen: false };
						clusters++;
					} else if (placed.name === 'TrackNumber') {
						trackNumber = Number((placed as { value?: unknown }).value);
					} else if (
						placed.name === 'TrackType' &&
						Number((placed as { value?: unknown }).value) === 1
					) {
						if (trackNumber !== null) videoTracks.add(trackNumber);
					} else if (placed.name === 'SimpleBlock' && cluster && !cluster.videoSeen) {
						const block = tools.ebmlBlock((placed as { data: Buffer }).data);
						if (videoTracks.has(block.trackNumber)) {
							cluster.videoSeen = true;
							if (block.keyframe) keyClusters.add(cluster.at);
						}
					} else if (placed.name === 'Block' && cluster && !cluster.videoSeen) {
						// A BlockGroup's frame says nothing of itself: its cluster stays a cue, as before.
						cluster.videoSeen = true;
						keyClusters.add(cluster.at);
					} else if (placed.name === 'Timestamp' && pendingCluster !== null) {
						clusterCues.push({
							CueTrack: 1,
							CueClusterPosition: pendingCluster,
							CueTime: Number((placed as { value?: unknown }).value) || 0
						});
						pendingCluster = null;
					}
					reader.read(placed);
					// The Reader keeps a cluster's elements (and their bytes) to emit with it; only the
					// header's are needed, so memory stays one element deep.
					if (readerState.metadataloaded) readerState.chunks.length = 0;
				}
				if (fed - whole > MAX_PENDING_BYTES) break;
			}
		} catch {
			// Not EBML from here on: the run ends at its last whole element.
		}
		const runSize = run.reduce((sum, chunk) => sum + chunk.size, 0);
		// What was cut: before the first cluster (after a gap), after the last whole element.
		for (const piece of [...piecesOf(run, 0, from), ...piecesOf(run, whole, runSize)]) {
			dropped.add(piece.source.index);
		}
		pieces.push(...piecesOf(run, from, whole));
		output += whole - from;
	}
	reader.stop();

	const metadata = reader.metadatas;
	const hasHeader =
		metadata.some((e) => e.name === 'EBML') && metadata.some((e) => e.name === 'Tracks');
	if (!hasHeader || clusters === 0 || reader.metadataSize <= 0)
		return { ok: false, note: 'unreadable' };
	const track = reader.trackInfo.type === 'nothing' ? 1 : reader.trackInfo.trackNumber;
	const everyCluster =
		reader.cues.length > 0 ? reader.cues : clusterCues.map((cue) => ({ ...cue, CueTrack: track }));
	const keyed = everyCluster.filter((cue) => keyClusters.has(cue.CueClusterPosition));
	// No key frame seen at all (audio only, or a stream we cannot tell): every cluster, as ts-ebml.
	const cues = keyed.length > 0 ? keyed : everyCluster;
	const duration = reader.duration;
	let header: Uint8Array;
	try {
		header = seekableHeader(metadata, duration, cues);
	} catch {
		return { ok: false, note: 'unreadable' };
	}
	const body = skipTo(pieces, reader.metadataSize);
	const size = header.byteLength + body.reduce((sum, piece) => sum + piece.end - piece.start, 0);
	return {
		ok: true,
		header,
		pieces: body,
		size,
		durationMs: Math.round((duration * reader.timestampScale) / 1e6),
		cues: cues.length,
		dropped: [...dropped].sort((a, b) => a - b)
	};
}

/**
 * ts-ebml's new header. Its encoder answers `Buffer.concat(…).buffer`, which for a small header
 * is Node's shared 8 KiB pool slab, the header somewhere inside it: with pooling off for this one
 * synchronous call, the buffer is the header's own.
 */
function seekableHeader(
	metadata: EBMLElementDetail[],
	duration: number,
	cues: { CueTrack: number; CueClusterPosition: number; CueTime: number }[]
): Uint8Array {
	const poolSize = Buffer.poolSize;
	Buffer.poolSize = 0;
	try {
		return new Uint8Array(tools.makeMetadataSeekable(metadata, duration, cues));
	} finally {
		Buffer.poolSize = poolSize;
	}
}

/** The pieces without their first `offset` bytes (the old header). */
function skipTo(pieces: Piece[], offset: number): Piece[] {
	const out: Piece[] = [];
	let base = 0;
	for (const piece of pieces) {
		const length = piece.end - piece.start;
		const skip = Math.min(Math.max(offset - base, 0), length);
		if (skip < length) out.push({ ...piece, start: piece.start + skip });
		base += length;
	}
	return out;
}

/** The planned file's bytes (second pass), streamed. */
export async function* assembledBytes(
	plan: Extract<AssemblyPlan, { ok: true }>
): AsyncGenerator<Uint8Array> {
	yield plan.header;
	for (const piece of plan.pieces) yield* piece.source.read(piece.start, piece.end);
}
