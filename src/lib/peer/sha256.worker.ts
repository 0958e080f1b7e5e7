/**
 * Hashes file transfers off the page's main thread: one incremental SHA-256 per stream id,
 * with the core's engines (WebAssembly, else @noble/hashes). Messages come in order, so a
 * digest covers exactly the bytes sent before it. A lent buffer (`release` set) goes back to
 * the page, without a copy, once hashed.
 */
import { createLocalSha256Stream, type Sha256Stream } from '../session/sha256-stream';
import type { HashReply, HashRequest } from './sha256-worker';

const streams = new Map<number, Sha256Stream>();

function reply(message: HashReply, transfer: ArrayBuffer[] = []): void {
	self.postMessage(message, { transfer });
}

self.onmessage = async (event: MessageEvent<HashRequest>) => {
	const request = event.data;
	try {
		if (request.op === 'update') {
			let stream = streams.get(request.id);
			if (!stream) {
				stream = createLocalSha256Stream();
				streams.set(request.id, stream);
			}
			const token = request.release;
			if (token === undefined) stream.update(request.bytes);
			else stream.update(request.bytes, (buffer) => reply({ release: token, buffer }, [buffer]));
			return;
		}
		if (request.op === 'drop') {
			streams.delete(request.id);
			return;
		}
		const stream = streams.get(request.id) ?? createLocalSha256Stream();
		streams.delete(request.id);
		reply({ id: request.id, hex: await stream.digest() });
	} catch (error) {
		// The page's buffer goes back even so: whoever lent it may be waiting for it.
		if (request.op === 'update' && request.release !== undefined) {
			const buffer = request.bytes.buffer as ArrayBuffer;
			reply({ release: request.release, buffer }, [buffer]);
		}
		reply({ id: request.id, error: String(error) });
	}
};
