/**
 * Incremental SHA-256 for file transfers, on both sides of every byte.
 *
 * hash-wasm's WebAssembly SHA-256 runs ≈ 4× faster than @noble/hashes in Chromium (≈ 290
 * against 70–80 MB/s for 64 MiB on the development machine), and both sides hash every byte on
 * the main thread, so it sets the transfer speed when the CPU is busy. Where WebAssembly cannot
 * be compiled (a Content-Security-Policy without 'wasm-unsafe-eval', an old browser), the same
 * digest comes from @noble/hashes.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

export interface Sha256Stream {
	/**
	 * Adds bytes; they may be read later (once the engine is loaded), so never change them.
	 * With `release`, the caller lends the whole buffer behind `bytes` and does not touch it
	 * until `release` hands the same memory back, once hashed (as another ArrayBuffer object
	 * when it went to another thread): a stream kept in a Worker takes it without copying, and
	 * the caller can reuse it. Releases come in the order of the updates.
	 */
	update(bytes: Uint8Array, release?: Release): void;
	/** Hex digest of everything added; the stream takes no more bytes afterwards. */
	digest(): Promise<string>;
	/** Lets go of a stream that will never be digested (where it holds outside resources). */
	dispose?(): void;
}

export type Release = (buffer: ArrayBuffer) => void;

interface SyncHasher {
	update(bytes: Uint8Array): void;
	digestHex(): string;
}

type Engine = () => Promise<SyncHasher>;

function nobleHasher(): SyncHasher {
	const hasher = sha256.create();
	return {
		update: (bytes) => void hasher.update(bytes),
		digestHex: () => bytesToHex(hasher.digest())
	};
}

const nobleEngine: Engine = async () => nobleHasher();

let engine: Promise<Engine> | null = null;
/** One hasher made in advance, so a transfer starts hashing at once (instances are async). */
let spare: SyncHasher | null = null;
let makingSpare: Promise<void> | null = null;

function refillSpare(make: Engine): Promise<void> {
	if (spare) return Promise.resolve();
	makingSpare ??= make()
		.then((made) => void (spare = made))
		.catch(() => undefined)
		.finally(() => (makingSpare = null));
	return makingSpare;
}

/** Loads (once) the fastest engine that works here, with a hasher ready; never rejects. */
export async function loadSha256Engine(): Promise<Engine> {
	const make = await loadEngine();
	await refillSpare(make);
	return make;
}

function loadEngine(): Promise<Engine> {
	engine ??= (async (): Promise<Engine> => {
		try {
			const { createSHA256 } = await import('hash-wasm');
			// Compiles the module now: throws here when WebAssembly is blocked.
			await createSHA256();
			return async () => {
				const hasher = (await createSHA256()).init();
				return {
					update: (bytes) => void hasher.update(bytes),
					digestHex: () => hasher.digest('hex')
				};
			};
		} catch {
			return nobleEngine;
		}
	})();
	return engine;
}

/** Where streams come from when a host supplies its own (the browser: a Worker). */
let streamFactory: (() => Sha256Stream) | null = null;

/**
 * Lets the host hash somewhere else (the browser adapter hashes in a Worker, off the thread
 * that moves the bytes); null goes back to hashing in this thread.
 */
export function setSha256StreamFactory(factory: (() => Sha256Stream) | null): void {
	streamFactory = factory;
}

/** A stream from the host's factory, else one hashing in this thread. */
export function createSha256Stream(): Sha256Stream {
	return streamFactory ? streamFactory() : createLocalSha256Stream();
}

/** Usable at once: bytes added before the engine is ready are queued (by reference). */
export function createLocalSha256Stream(): Sha256Stream {
	let hasher: SyncHasher | null = spare;
	spare = null;
	let queued: { bytes: Uint8Array; release?: Release }[] = [];
	let finished = false;
	const ready = hasher
		? Promise.resolve(hasher)
		: loadEngine()
				.then((make) => make())
				.catch(() => nobleHasher())
				.then((made) => {
					for (const { bytes, release } of queued) {
						made.update(bytes);
						release?.(bytes.buffer as ArrayBuffer);
					}
					queued = [];
					hasher = made;
					return made;
				});
	void loadEngine().then(refillSpare);
	return {
		update(bytes, release) {
			if (finished) throw new Error('SHA-256 stream already digested');
			if (!hasher) {
				queued.push({ bytes, release });
				return;
			}
			hasher.update(bytes);
			release?.(bytes.buffer as ArrayBuffer);
		},
		async digest() {
			if (finished) throw new Error('SHA-256 stream already digested');
			finished = true;
			return (await ready).digestHex();
		}
	};
}
