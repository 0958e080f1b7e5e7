/** Shared by the file-transfer tests only. */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { FileSink, FileSource, FileTransfers, TransferInfo } from './files';

/** Small seeded PRNG (mulberry32): the same seed gives the same test data and fuzz run. */
export function seededRandom(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

export function randomBytes(size: number, random: () => number): Uint8Array {
	const bytes = new Uint8Array(size);
	for (let i = 0; i < size; i++) bytes[i] = Math.floor(random() * 256);
	return bytes;
}

/** Byte equality; much faster than a deep `toEqual` on megabytes. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
	return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}

export function sha256Hex(bytes: Uint8Array): string {
	return bytesToHex(sha256(bytes));
}

/**
 * A file whose stream yields pieces of irregular sizes, as real streams do, so the sender's
 * re-chunking is exercised.
 */
export function fileFrom(
	data: Uint8Array,
	name = 'data.bin',
	type = 'application/octet-stream'
): FileSource {
	return {
		name,
		size: data.length,
		type,
		stream() {
			const random = seededRandom(data.length + 7);
			let offset = 0;
			return new ReadableStream<Uint8Array>({
				pull(controller) {
					if (offset >= data.length) {
						controller.close();
						return;
					}
					const piece = 1 + Math.floor(random() * 70_000);
					controller.enqueue(data.slice(offset, offset + piece));
					offset += piece;
				}
			});
		}
	};
}

/**
 * A file whose stream is a byte stream (as a browser `File`'s is) handing out irregular
 * pieces, so a reader that brings its own buffer gets them in several reads.
 */
export function byteFileFrom(data: Uint8Array, name = 'data.bin'): FileSource {
	return {
		...fileFrom(data, name),
		stream() {
			const random = seededRandom(data.length + 11);
			let offset = 0;
			return new ReadableStream({
				type: 'bytes',
				pull(controller) {
					if (offset >= data.length) {
						controller.close();
						controller.byobRequest?.respond(0);
						return;
					}
					const piece = 1 + Math.floor(random() * 300_000);
					controller.enqueue(data.slice(offset, offset + piece));
					offset += piece;
				}
			}) as ReadableStream<Uint8Array>;
		}
	};
}

/** A sink that records what happened to it and can be made to stall. */
export function recordingSink(options: { stall?: boolean } = {}): FileSink & {
	chunks: Uint8Array[];
	aborted: boolean;
	closed: boolean;
	bytes(): Uint8Array;
} {
	const sink = {
		chunks: [] as Uint8Array[],
		aborted: false,
		closed: false,
		write(chunk: Uint8Array): Promise<void> {
			if (options.stall) return new Promise(() => {});
			sink.chunks.push(chunk.slice());
			return Promise.resolve();
		},
		async close() {
			sink.closed = true;
		},
		async abort() {
			sink.aborted = true;
			sink.chunks = [];
		},
		bytes() {
			const all = new Uint8Array(sink.chunks.reduce((n, c) => n + c.length, 0));
			let offset = 0;
			for (const chunk of sink.chunks) {
				all.set(chunk, offset);
				offset += chunk.length;
			}
			return all;
		}
	};
	return sink;
}

/** Resolves with the transfer's final snapshot once it reaches a terminal state. */
export function whenFinished(transfers: FileTransfers, id: string): Promise<TransferInfo> {
	const already = transfers.transfers.find((t) => t.id === id && t.finishedAt !== null);
	if (already) return Promise.resolve(already);
	return new Promise((resolve) => {
		const stop = transfers.on('finished', (t) => {
			if (t.id !== id) return;
			stop();
			resolve(t);
		});
	});
}

/** Polls real timers until `condition` holds. */
export async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error('condition not met in time');
		await new Promise((resolve) => setTimeout(resolve, 1));
	}
}
