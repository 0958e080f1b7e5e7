import fs from 'node:fs';
import path from 'node:path';
import { Decoder, tools, type EBMLElementDetail } from 'ts-ebml';
import { describe, expect, it } from 'vitest';
import { assembledBytes, planAssembly, type ChunkSource } from './webm-assembly';

// Six chunks of a real MediaRecorder recording (Chromium, vp8 + opus, 1 s timeslice, 6 s, a key
// frame every second as the agent's recorder asks): `node scripts/make-recording-fixture.js`
// makes them again. The "delta" ones have only the first key frame (MediaRecorder's default):
// `node scripts/make-recording-fixture.js src/lib/server/fixtures/recording-delta 6 --no-keyframes`.
function fixture(name: string): Uint8Array[] {
	const folder = path.join(import.meta.dirname, 'fixtures', name);
	return fs
		.readdirSync(folder)
		.map((file) => Number(/^chunk-(\d+)\.webm$/.exec(file)?.[1]))
		.filter((index) => Number.isInteger(index))
		.sort((a, b) => a - b)
		.map((index) => new Uint8Array(fs.readFileSync(path.join(folder, `chunk-${index}.webm`))));
}
const CHUNKS = fixture('recording');
const DELTA_CHUNKS = fixture('recording-delta');

function source(index: number, bytes = CHUNKS[index]): ChunkSource {
	return {
		index,
		size: bytes.byteLength,
		async *read(start, end) {
			// Handed over in small pieces, as a file stream would: no element is whole in one.
			for (let at = start; at < end; at += 1000) yield bytes.subarray(at, Math.min(end, at + 1000));
		}
	};
}

async function assemble(sources: ChunkSource[]) {
	const plan = await planAssembly(sources);
	if (!plan.ok) return { plan, file: null, elements: [] as EBMLElementDetail[] };
	const parts: Uint8Array[] = [];
	for await (const part of assembledBytes(plan)) parts.push(part);
	const file = Buffer.concat(parts);
	const elements = new Decoder().decode(file as unknown as ArrayBuffer);
	return { plan, file, elements };
}

const valueOf = (elements: EBMLElementDetail[], name: string) =>
	(elements.find((e) => e.name === name) as { value?: unknown } | undefined)?.value;

/** Each cue's cluster position, and where the clusters are (both from the segment's data). */
function cuesAndClusters(elements: EBMLElementDetail[]) {
	const segment = elements.find((e) => e.name === 'Segment')!;
	return {
		cues: elements
			.filter((e) => e.name === 'CueClusterPosition')
			.map((e) => (e as { value: number }).value),
		clusters: elements
			.filter((e) => e.name === 'Cluster' && e.type === 'm' && !e.isEnd)
			.map((e) => e.tagStart - segment.dataStart)
	};
}

/** The clusters (from the segment's data) whose first video block is a key frame. */
function keyClusters(elements: EBMLElementDetail[]): number[] {
	const segment = elements.find((e) => e.name === 'Segment')!;
	const keyed: number[] = [];
	let cluster: { at: number; seen: boolean } | null = null;
	for (const e of elements) {
		if (e.name === 'Cluster' && e.type === 'm' && !e.isEnd) {
			cluster = { at: e.tagStart - segment.dataStart, seen: false };
		} else if (e.name === 'SimpleBlock' && cluster && !cluster.seen) {
			const block = tools.ebmlBlock((e as { data: Buffer }).data);
			if (block.trackNumber !== 1) continue;
			cluster.seen = true;
			if (block.keyframe) keyed.push(cluster.at);
		}
	}
	return keyed;
}

describe('assembling a segment from its chunks', () => {
	it('the fixture is what MediaRecorder makes: small, and without duration or cues', () => {
		expect(CHUNKS.length).toBeGreaterThanOrEqual(5);
		const total = CHUNKS.reduce((sum, chunk) => sum + chunk.byteLength, 0);
		expect(total).toBeLessThan(300 * 1024);
		const raw = new Decoder().decode(Buffer.concat(CHUNKS) as unknown as ArrayBuffer);
		expect(raw.some((e) => e.name === 'Cues')).toBe(false);
		expect(raw.some((e) => e.name === 'Duration')).toBe(false);
	});

	it('gives one file with its duration and a cue on every cluster that opens with a key frame, the clusters as sent', async () => {
		const { plan, file, elements } = await assemble(CHUNKS.map((_, i) => source(i)));
		if (!plan.ok || !file) throw new Error('not assembled');
		expect(plan.dropped).toEqual([]);
		expect(file.byteLength).toBe(plan.size);
		// 6 s recorded; Duration is in TimestampScale units (ms here).
		expect(valueOf(elements, 'TimestampScale')).toBe(1_000_000);
		expect(valueOf(elements, 'Duration')).toBeGreaterThan(5500);
		expect(valueOf(elements, 'Duration')).toBeLessThan(6500);
		expect(plan.durationMs).toBe(Math.round(valueOf(elements, 'Duration') as number));
		expect(elements.some((e) => e.name === 'Cues')).toBe(true);
		const { cues, clusters } = cuesAndClusters(elements);
		expect(cues.length).toBe(plan.cues);
		expect(cues.length).toBeGreaterThanOrEqual(5);
		// Every cue points at a cluster of the new file, where a player can start decoding.
		for (const cue of cues) expect(clusters).toContain(cue);
		expect(cues).toEqual(keyClusters(elements));
		// After the new header, the stream is the chunks' own bytes.
		const original = Buffer.concat(CHUNKS);
		const firstCluster = original.indexOf(Buffer.from([0x1f, 0x43, 0xb6, 0x75]));
		expect(file.subarray(file.byteLength - (original.byteLength - firstCluster))).toEqual(
			original.subarray(firstCluster)
		);
	});

	it('no cue where a cluster opens with a delta frame: a player sent there would show a frozen picture', async () => {
		const { plan, elements } = await assemble(DELTA_CHUNKS.map((chunk, i) => source(i, chunk)));
		if (!plan.ok) throw new Error('not assembled');
		const { cues, clusters } = cuesAndClusters(elements);
		expect(clusters.length).toBeGreaterThanOrEqual(5);
		// Its one key frame opens one of the first clusters: the one place to seek from.
		const keyed = keyClusters(elements);
		expect(keyed).toHaveLength(1);
		expect(clusters.indexOf(keyed[0])).toBeLessThanOrEqual(1);
		expect(cues).toEqual(keyed);
		expect(plan.cues).toBe(1);
	});

	it('over a gap: cut at the last whole element, resumed at the next cluster, still seekable', async () => {
		const { plan, elements } = await assemble([0, 1, 3, 4, 5].map((i) => source(i)));
		if (!plan.ok) throw new Error('not assembled');
		expect(plan.dropped).toEqual([1, 3]);
		const { cues, clusters } = cuesAndClusters(elements);
		for (const cue of cues) expect(clusters).toContain(cue);
		// The whole file parses: every cluster found, nothing left over.
		expect(clusters.length).toBeGreaterThanOrEqual(4);
		expect(valueOf(elements, 'Duration')).toBeGreaterThan(5500);
	});

	it('without its last chunk: ends at the last whole element', async () => {
		const { plan } = await assemble([0, 1, 2, 3, 4].map((i) => source(i)));
		if (!plan.ok) throw new Error('not assembled');
		expect(plan.durationMs).toBeGreaterThan(4000);
		expect(plan.durationMs).toBeLessThan(5800);
	});

	it('without chunk 0 (its header) there is nothing to play', async () => {
		expect(await planAssembly([1, 2].map((i) => source(i)))).toEqual({
			ok: false,
			note: 'no-start'
		});
		expect(await planAssembly([])).toEqual({ ok: false, note: 'no-start' });
	});

	it('refuses what is not WebM, and survives garbage after a real start', async () => {
		const noise = new Uint8Array(50_000).map((_, i) => (i * 7919) % 251);
		expect(await planAssembly([source(0, noise)])).toEqual({ ok: false, note: 'unreadable' });
		const { plan } = await assemble([source(0), source(1), source(2, noise), source(3)]);
		if (!plan.ok) throw new Error('not assembled');
		expect(plan.dropped).toContain(2);
		expect(plan.durationMs).toBeGreaterThan(1000);
	});
});
