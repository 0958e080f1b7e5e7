/**
 * Hashes file transfers off the page's main thread: one incremental SHA-256 per stream id,
 * with the core's engines (WebAssembly, else @noble/hashes). Messages come in order, so a
 * digest covers exactly the bytes sent before it.
 */
import { createLocalSha256Stream, type Sha256Stream } from '../session/sha256-stream';
import type { HashReply, HashRequest } from './sha256-worker';

const streams = new Map<number, Sha256Stream>();

self.onmessage = async (event: MessageEvent<HashRequest>) => {
	const request = event.data;
	let reply: HashReply;
	try {
		if (request.op === 'update') {
			let stream = streams.get(request.id);
			if (!stream) {
				stream = createLocalSha256Stream();
				streams.set(request.id, stream);
			}
			stream.update(request.bytes);
			return;
		}
		if (request.op === 'drop') {
			streams.delete(request.id);
			return;
		}
		const stream = streams.get(request.id) ?? createLocalSha256Stream();
		streams.delete(request.id);
		reply = { id: request.id, hex: await stream.digest() };
	} catch (error) {
		reply = { id: request.id, error: String(error) };
	}
	self.postMessage(reply);
};
