// The raw RTCDataChannel half of the file-transfer figure: one reliable ordered channel,
// 256 KiB messages, backpressure on bufferedAmount (pause above 8 MiB, resume below 1 MiB),
// SHA-256 computed incrementally on both sides as bytes pass (as Ponte's files.ts does, with
// the same engine: hash-wasm's WebAssembly SHA-256, see src/lib/session/sha256-stream.ts). The
// bench relays the offer and answer (complete, no trickle).
import { createSHA256 } from '/__bench/hash-wasm.js';

const sha256 = {
	/** Usable at once (bytes before the engine is ready wait in a queue); `start` awaits it. */
	create() {
		let hasher = null;
		const queued = [];
		const ready = createSHA256().then((made) => {
			hasher = made.init();
			for (const bytes of queued.splice(0)) hasher.update(bytes);
		});
		return {
			start: () => ready,
			update: (bytes) => (hasher ? hasher.update(bytes) : queued.push(bytes)),
			digest: () => hasher.digest('binary')
		};
	}
};

const now = () => performance.timeOrigin + performance.now();
const hex = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');

let pc = null;
let channel = null;
let source = null;
let received = null;
let current = null;

function gathered(connection) {
	if (connection.iceGatheringState === 'complete') return Promise.resolve();
	return new Promise((resolve) => {
		connection.addEventListener('icegatheringstatechange', () => {
			if (connection.iceGatheringState === 'complete') resolve();
		});
	});
}

function opened(dataChannel) {
	if (dataChannel.readyState === 'open') return Promise.resolve();
	return new Promise((resolve) => dataChannel.addEventListener('open', resolve, { once: true }));
}

window.raw = {
	async offer() {
		pc = new RTCPeerConnection();
		channel = pc.createDataChannel('files', { ordered: true });
		channel.binaryType = 'arraybuffer';
		await pc.setLocalDescription(await pc.createOffer());
		await gathered(pc);
		return pc.localDescription.toJSON();
	},

	async answer(offer) {
		pc = new RTCPeerConnection();
		const arrived = new Promise((resolve) =>
			pc.addEventListener('datachannel', (event) => resolve(event.channel), { once: true })
		);
		await pc.setRemoteDescription(offer);
		await pc.setLocalDescription(await pc.createAnswer());
		await gathered(pc);
		arrived.then((dataChannel) => {
			channel = dataChannel;
			channel.binaryType = 'arraybuffer';
			window.raw.receive();
		});
		return pc.localDescription.toJSON();
	},

	async connect(answer) {
		await pc.setRemoteDescription(answer);
		await opened(channel);
	},

	/** Fills `size` bytes from the CSPRNG (64 KiB at a time, its limit). */
	prepare(size) {
		source = new Uint8Array(size);
		for (let offset = 0; offset < size; offset += 65536) {
			crypto.getRandomValues(source.subarray(offset, Math.min(size, offset + 65536)));
		}
		return size;
	},

	/**
	 * Sends `bytes` that the receiver counts for nothing, and waits until they are through: a
	 * fresh association's first burst overflows the renderer's UDP send buffer on loopback and
	 * stalls ~2 s on a retransmission timer, once per association (measured). Ponte's measured
	 * transfer is not its session's first either, so both halves start past that.
	 */
	async warmUp({ bytes, chunk, high, low }) {
		channel.bufferedAmountLowThreshold = low;
		const piece = new Uint8Array(chunk);
		for (let sent = 0; sent < bytes; sent += chunk) {
			if (channel.bufferedAmount > high) {
				await new Promise((resolve) =>
					channel.addEventListener('bufferedamountlow', resolve, { once: true })
				);
			}
			channel.send(piece);
		}
		channel.send(JSON.stringify({ warm: true }));
		while (channel.bufferedAmount > 0) await new Promise((resolve) => setTimeout(resolve, 10));
		return bytes;
	},

	async send({ chunk, high, low }) {
		const hasher = sha256.create();
		await hasher.start();
		const startedAt = now();
		channel.bufferedAmountLowThreshold = low;
		for (let offset = 0; offset < source.length; offset += chunk) {
			if (channel.bufferedAmount > high) {
				await new Promise((resolve) =>
					channel.addEventListener('bufferedamountlow', resolve, { once: true })
				);
			}
			const piece = source.subarray(offset, Math.min(source.length, offset + chunk));
			hasher.update(piece);
			channel.send(piece);
		}
		const digest = hex(hasher.digest());
		channel.send(JSON.stringify({ done: true, bytes: source.length, sha256: digest }));
		return { startedAt, sha256: digest };
	},

	/** Listens on the channel (once); `expect()` arms it for the next transfer. */
	receive() {
		window.raw.expect();
		channel.addEventListener('message', async ({ data }) => {
			const run = current;
			if (typeof data !== 'string') {
				run.firstAt ??= now();
				run.bytes += data.byteLength;
				run.hasher.update(new Uint8Array(data));
				return;
			}
			const done = JSON.parse(data);
			// The warm-up's bytes count for nothing.
			if (done.warm) return window.raw.expect();
			await run.hasher.start();
			const digest = hex(run.hasher.digest());
			run.resolve({
				bytes: run.bytes,
				firstAt: run.firstAt,
				doneAt: now(),
				sha256: digest,
				matches: digest === done.sha256 && run.bytes === done.bytes
			});
		});
	},

	/** Starts counting and hashing afresh for the next transfer. */
	expect() {
		const run = { hasher: sha256.create(), bytes: 0, firstAt: null, resolve: null };
		received = new Promise((resolve) => (run.resolve = resolve));
		current = run;
	},

	result: () => received
};
