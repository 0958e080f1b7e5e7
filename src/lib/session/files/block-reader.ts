/**
 * Reads a file into the sender's blocks: straight into them from a byte stream (a browser
 * `File`'s), or piece by piece from any other stream (Safari's is not a byte stream).
 */
import type { FileSource } from './types';
import { settleQuietly } from './types';

export type BlockRead =
	{ ok: true; block: Uint8Array | null } | { ok: false; error: 'read-failed' | 'file-changed' };

/** Reads a source block by block, into buffers the caller lends. */
export interface BlockReader {
	/**
	 * Fills `block` as far as the source goes and returns the filled part (shorter only at the
	 * source's end), maybe over another ArrayBuffer object: a byte stream moves the memory.
	 */
	fill(block: Uint8Array): Promise<Uint8Array>;
	/** True when the source has no bytes left. */
	atEnd(): Promise<boolean>;
	cancel(): void;
}

/**
 * A byte stream (a browser `File`'s) is read straight into the blocks: in Chromium that reads
 * 256 MiB in 57 ms, where 4 MiB `slice().arrayBuffer()` reads took 402 ms. Any other stream is
 * read in its own pieces, copied in.
 */
export function blockReader(source: FileSource): BlockReader {
	const stream = source.stream();
	let byteReader: ReadableStreamBYOBReader | null = null;
	try {
		byteReader = stream.getReader({ mode: 'byob' });
	} catch {
		// Not a byte stream.
	}
	return byteReader ? byteStreamReader(byteReader) : pieceReader(stream.getReader());
}

function byteStreamReader(reader: ReadableStreamBYOBReader): BlockReader {
	return {
		async fill(block) {
			// Each read moves the memory to a new ArrayBuffer and detaches `block`: read its place first.
			const { byteOffset, length } = block;
			let buffer = block.buffer as ArrayBuffer;
			let filled = 0;
			while (filled < length) {
				const view = new Uint8Array(buffer, byteOffset + filled, length - filled);
				const { done, value } = await reader.read(view);
				if (!value) throw new Error('the stream was cancelled');
				buffer = value.buffer as ArrayBuffer;
				if (done) break;
				filled += value.length;
			}
			return new Uint8Array(buffer, byteOffset, filled);
		},
		async atEnd() {
			return (await reader.read(new Uint8Array(1))).done;
		},
		cancel: () => settleQuietly(() => reader.cancel())
	};
}

function pieceReader(reader: ReadableStreamDefaultReader<Uint8Array>): BlockReader {
	let rest: Uint8Array = new Uint8Array(0);
	/** False once the stream has ended and nothing is left. */
	const more = async () => {
		while (rest.length === 0) {
			const { done, value } = await reader.read();
			if (done) return false;
			rest = value;
		}
		return true;
	};
	return {
		async fill(block) {
			let filled = 0;
			while (filled < block.length && (await more())) {
				const count = Math.min(rest.length, block.length - filled);
				block.set(rest.subarray(0, count), filled);
				rest = rest.subarray(count);
				filled += count;
			}
			return block.subarray(0, filled);
		},
		atEnd: async () => !(await more()),
		cancel: () => settleQuietly(() => reader.cancel())
	};
}
