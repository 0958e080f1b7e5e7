/**
 * Seeded fuzzing: random and mutated frames thrown at a receiver (and at a sender) must never
 * throw, never let memory grow past the documented bounds, and leave the side usable.
 */
import { describe, expect, it } from 'vitest';
import { createBinaryChannelPair } from './fake-binary-channel';
import {
	MAX_FRAME_BYTES,
	encodeControlFrame,
	encodeDataFrame,
	newTransferId,
	type ControlFrame
} from './file-framing';
import { fileFrom, randomBytes, seededRandom, sha256Hex, until } from './file-test-helpers';
import {
	FileTransfers,
	MAX_FINISHED_KEPT,
	MAX_PENDING_OFFERS,
	RECEIVE_WINDOW_BYTES,
	isActiveState,
	memorySink
} from './files';

const FRAME_COUNT = 10_000;
const MAX_ACCEPTED = 8;
const CONTROL_KINDS = ['offer', 'accept', 'decline', 'cancel', 'ack', 'done', 'verified', 'error'];

function pick<T>(random: () => number, items: readonly T[]): T {
	return items[Math.floor(random() * items.length)];
}

function int(random: () => number, max: number): number {
	return Math.floor(random() * (max + 1));
}

function mutateBytes(random: () => number, frame: ArrayBuffer): ArrayBuffer {
	const bytes = new Uint8Array(frame);
	switch (int(random, 3)) {
		case 0: {
			for (let flips = 1 + int(random, 3); flips > 0; flips--) {
				bytes[int(random, bytes.length - 1)] ^= 1 << int(random, 7);
			}
			return bytes.buffer;
		}
		case 1:
			return bytes.slice(0, int(random, bytes.length)).buffer;
		case 2: {
			const longer = new Uint8Array(bytes.length + 1 + int(random, 64));
			longer.set(bytes);
			return longer.buffer;
		}
		default:
			return new Uint8Array(0).buffer;
	}
}

function mutateText(random: () => number, text: string): string {
	switch (int(random, 3)) {
		case 0:
			return text.slice(0, int(random, text.length));
		case 1: {
			const at = int(random, text.length - 1);
			return text.slice(0, at) + String.fromCharCode(int(random, 0xffff)) + text.slice(at + 1);
		}
		case 2:
			return text.replace(/"kind":"\w+"/, `"kind":"${pick(random, CONTROL_KINDS)}"`);
		default:
			return text + text;
	}
}

function randomControl(random: () => number, id: string): ControlFrame {
	const kind = pick(random, CONTROL_KINDS);
	const huge = () => (random() < 0.1 ? Number.MAX_SAFE_INTEGER : int(random, 200_000));
	switch (kind) {
		case 'offer':
			return {
				kind,
				id,
				name: String.fromCharCode(...randomBytes(int(random, 40), random)),
				size: huge(),
				type: pick(random, ['', 'text/plain', 'x/y\u202e', 'application/octet-stream'])
			};
		case 'ack':
			return { kind, id, bytes: huge() };
		case 'done':
			return { kind, id, sha256: sha256Hex(randomBytes(4, random)) };
		case 'decline':
		case 'error':
			return { kind, id, reason: pick(random, ['busy', 'hash-mismatch', 'nonsense', '']) };
		default:
			return { kind: kind as 'accept' | 'cancel' | 'verified', id };
	}
}

describe('fuzzing', () => {
	it(`feeds ${FRAME_COUNT} random and mutated frames to a receiver`, async () => {
		const random = seededRandom(0x5eed);
		const [hostile, victimChannel] = createBinaryChannelPair();
		const receiver = new FileTransfers({
			channel: victimChannel,
			features: { fileTransfer: true, maxFileSize: 256 * 1024 },
			peerName: 'Fuzzer',
			idleTimeoutMs: 50
		});
		const stopAnswering = receiver.on('offer', (offer) => {
			const accepted = receiver.transfers.filter((t) => t.state === 'receiving').length;
			if (accepted < MAX_ACCEPTED && random() < 0.7) receiver.accept(offer.id, memorySink());
			else if (random() < 0.3) receiver.decline(offer.id);
		});
		const nextIndex = new Map<string, number>();
		const knownIds: string[] = [];
		const knownId = () =>
			knownIds.length > 0 && random() < 0.9 ? pick(random, knownIds) : newTransferId();
		const validChunk = () => {
			const id = knownId();
			const index = nextIndex.get(id) ?? 0;
			nextIndex.set(id, index + 1);
			return encodeDataFrame(
				id,
				random() < 0.8 ? index : int(random, 5),
				randomBytes(1 + int(random, 3000), random)
			);
		};

		let thrown = 0;
		let peakPending = 0;
		let peakListed = 0;
		for (let i = 0; i < FRAME_COUNT; i++) {
			let frame: unknown;
			switch (int(random, 7)) {
				case 0: {
					const length = random() < 0.02 ? MAX_FRAME_BYTES + int(random, 1000) : int(random, 80);
					frame = randomBytes(length, random).buffer;
					break;
				}
				case 1:
				case 2:
					frame = validChunk();
					break;
				case 3:
					frame = mutateBytes(random, validChunk());
					break;
				case 4: {
					const id = newTransferId();
					knownIds.push(id);
					if (knownIds.length > 64) knownIds.shift();
					const size = random() < 0.2 ? 0 : int(random, 300_000);
					frame = encodeControlFrame({ kind: 'offer', id, name: `f${i}.bin`, size, type: '' });
					break;
				}
				case 5:
					frame = encodeControlFrame(randomControl(random, knownId()));
					break;
				case 6:
					frame = mutateText(random, encodeControlFrame(randomControl(random, knownId())));
					break;
				default:
					frame = pick(random, [null, undefined, 7, {}, [], true, 'x'.repeat(int(random, 9000))]);
			}
			try {
				victimChannel.injectRaw(frame);
			} catch {
				thrown++;
			}
			peakPending = Math.max(peakPending, receiver.pendingWriteBytes);
			peakListed = Math.max(peakListed, receiver.transfers.length);
			// Let sink writes, acks and idle timeouts run now and then, as on a real connection.
			if (i % 250 === 0) await new Promise((resolve) => setTimeout(resolve, 2));
		}

		expect(thrown).toBe(0);
		expect(peakPending).toBeLessThanOrEqual(RECEIVE_WINDOW_BYTES);
		expect(peakListed).toBeLessThanOrEqual(MAX_PENDING_OFFERS + MAX_ACCEPTED + MAX_FINISHED_KEPT);
		expect(hostile.open && victimChannel.open).toBe(true);

		// Active transfers starve and are killed by the idle timeout; memory goes back to zero.
		await until(
			() => receiver.transfers.every((t) => t.state === 'offered' || !isActiveState(t.state)),
			2000
		);
		expect(receiver.pendingWriteBytes).toBe(0);

		// Still usable afterwards: a clean transfer from the same peer completes.
		stopAnswering();
		for (const t of receiver.transfers) if (t.state === 'offered') receiver.decline(t.id);
		const sink = memorySink();
		const id = newTransferId();
		const payload = randomBytes(5000, random);
		const stop = receiver.on('offer', (offer) => {
			if (offer.id === id) receiver.accept(id, sink);
		});
		victimChannel.injectRaw(
			encodeControlFrame({ kind: 'offer', id, name: 'ok.bin', size: 5000, type: '' })
		);
		stop();
		victimChannel.injectRaw(encodeDataFrame(id, 0, payload));
		victimChannel.injectRaw(encodeControlFrame({ kind: 'done', id, sha256: sha256Hex(payload) }));
		await until(() => receiver.transfers.find((t) => t.id === id)?.state === 'done');
		expect(sink.result()).toEqual(payload);
	}, 30_000);

	it('feeds random control frames to a sender mid-transfer', async () => {
		const random = seededRandom(0xcafe);
		const [senderChannel, hostile] = createBinaryChannelPair();
		const sender = new FileTransfers({
			channel: senderChannel,
			features: { fileTransfer: true, maxFileSize: 1e9 },
			peerName: 'Fuzzer',
			idleTimeoutMs: 100,
			chunkSize: 1000
		});
		const hashes = new Map<string, string>();
		let thrown = 0;
		for (let round = 0; round < 20; round++) {
			const data = randomBytes(int(random, 50_000), random);
			const result = sender.send(fileFrom(data));
			if (!result.ok) throw new Error(result.error);
			const id = result.transfer.id;
			hashes.set(id, sha256Hex(data));
			for (let i = 0; i < 100; i++) {
				const frame = encodeControlFrame(
					randomControl(random, random() < 0.9 ? id : newTransferId())
				);
				try {
					senderChannel.injectRaw(random() < 0.3 ? mutateText(random, frame) : frame);
				} catch {
					thrown++;
				}
				if (i % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
			}
		}
		expect(thrown).toBe(0);
		await until(
			() => sender.transfers.every((t) => t.state === 'offered' || !isActiveState(t.state)),
			3000
		);
		// Whatever the peer claimed, a transfer is only done with the hash of what was read.
		for (const t of sender.transfers) {
			if (t.state === 'done') expect(t.sha256).toBe(hashes.get(t.id));
			else expect(t.sha256).toBeNull();
		}
		expect(hostile.open).toBe(true);
	}, 30_000);
});
