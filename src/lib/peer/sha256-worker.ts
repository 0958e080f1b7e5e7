/**
 * SHA-256 streams hashed in a Worker (browser only). Both sides of a transfer hash every byte;
 * in the page that work competes with moving the bytes (the data channel, the disk writes), so
 * it goes to a thread of its own. A Worker that cannot start leaves hashing in the page.
 */
import {
	setSha256StreamFactory,
	type Release,
	type Sha256Stream
} from '$lib/session/sha256-stream';

export type HashRequest =
	/** `release`: the buffer is lent; the Worker sends it back under this number once hashed. */
	| { op: 'update'; id: number; bytes: Uint8Array; release?: number }
	| { op: 'digest'; id: number }
	| { op: 'drop'; id: number };
export type HashReply =
	| { id: number; hex: string }
	| { id: number; error: string }
	| { release: number; buffer: ArrayBuffer };

let started: Promise<boolean> | null = null;

/** Starts the hashing Worker once and, when it answers, makes the core hash there. */
export function hashInWorker(): Promise<boolean> {
	started ??= start();
	return started;
}

async function start(): Promise<boolean> {
	if (typeof Worker === 'undefined') return false;
	let worker: Worker;
	try {
		worker = new Worker(new URL('./sha256.worker.ts', import.meta.url), {
			type: 'module',
			name: 'ponte-sha256'
		});
	} catch {
		return false;
	}
	const pending = new Map<number, { resolve: (hex: string) => void; reject: (e: Error) => void }>();
	/** Lent buffers on their way back, by number, with their size. */
	const lent = new Map<number, { release: Release; byteLength: number }>();
	let nextId = 1;
	let nextLoan = 1;
	let broken = false;
	const failAll = (reason: string) => {
		broken = true;
		for (const { reject } of pending.values()) reject(new Error(reason));
		pending.clear();
		// The lent memory went with the Worker: whoever waits for it gets new buffers.
		for (const { release, byteLength } of lent.values()) release(new ArrayBuffer(byteLength));
		lent.clear();
		setSha256StreamFactory(null);
	};
	worker.onmessage = (event: MessageEvent<HashReply>) => {
		const reply = event.data;
		if ('release' in reply) {
			const loan = lent.get(reply.release);
			lent.delete(reply.release);
			loan?.release(reply.buffer);
			return;
		}
		const waiter = pending.get(reply.id);
		if (!waiter) return;
		pending.delete(reply.id);
		if ('hex' in reply) waiter.resolve(reply.hex);
		else waiter.reject(new Error(reply.error));
	};
	worker.onerror = () => failAll('hashing worker failed');

	const digestOf = (id: number) =>
		new Promise<string>((resolve, reject) => {
			if (broken) return reject(new Error('hashing worker failed'));
			pending.set(id, { resolve, reject });
			worker.postMessage({ op: 'digest', id } satisfies HashRequest);
		});

	// The Worker must prove it works (loads, hashes) before any transfer relies on it.
	const probeId = nextId++;
	worker.postMessage({ op: 'update', id: probeId, bytes: new TextEncoder().encode('abc') });
	const ok = await Promise.race([
		digestOf(probeId).then(
			(hex) => hex === 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
			() => false
		),
		new Promise<false>((resolve) => setTimeout(() => resolve(false), 5000))
	]);
	if (!ok) {
		worker.terminate();
		broken = true;
		return false;
	}

	setSha256StreamFactory((): Sha256Stream => {
		const id = nextId++;
		let finished = false;
		return {
			update(bytes, release) {
				if (finished) throw new Error('SHA-256 stream already digested');
				// A lent buffer moves to the Worker as it is, and back once hashed. Otherwise the
				// caller keeps its bytes and the Worker gets a copy of just them (a view posted as
				// it is would copy its whole buffer).
				if (release) {
					const loan = nextLoan++;
					const buffer = bytes.buffer as ArrayBuffer;
					if (broken) return release(buffer);
					lent.set(loan, { release, byteLength: buffer.byteLength });
					const request: HashRequest = { op: 'update', id, bytes, release: loan };
					worker.postMessage(request, [buffer]);
					return;
				}
				const sent = bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
				const transfer = sent === bytes ? [] : [sent.buffer as ArrayBuffer];
				worker.postMessage({ op: 'update', id, bytes: sent } satisfies HashRequest, transfer);
			},
			digest() {
				if (finished) throw new Error('SHA-256 stream already digested');
				finished = true;
				return digestOf(id);
			},
			dispose() {
				if (finished) return;
				finished = true;
				worker.postMessage({ op: 'drop', id } satisfies HashRequest);
			}
		};
	});
	return true;
}
