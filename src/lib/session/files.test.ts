import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLocalSha256Stream, setSha256StreamFactory } from './sha256-stream';
import { createBinaryChannelPair, type BinaryChannelPairOptions } from './fake-binary-channel';
import {
	DATA_HEADER_BYTES,
	MAX_FRAME_BYTES,
	decodeControlFrame,
	encodeControlFrame,
	encodeDataFrame,
	newTransferId
} from './file-framing';
import {
	byteFileFrom,
	fileFrom,
	randomBytes,
	recordingSink,
	sameBytes,
	seededRandom,
	sha256Hex,
	until,
	whenFinished
} from './file-test-helpers';
import {
	BUFFERED_HIGH_WATER,
	BUFFERED_LOW_WATER,
	DEFAULT_MAX_FILE_SIZE,
	FileTransfers,
	MAX_PENDING_OFFERS,
	MAX_WRITE_BATCH_BYTES,
	READ_BLOCK_BYTES,
	RECEIVE_WINDOW_BYTES,
	memorySink,
	type FileTransferFeatures,
	type TransferInfo,
	type TransferRejection
} from './files';

const allowed: FileTransferFeatures = { fileTransfer: true, maxFileSize: DEFAULT_MAX_FILE_SIZE };
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

function connectedPair(
	options: {
		channel?: BinaryChannelPairOptions;
		senderFeatures?: FileTransferFeatures;
		receiverFeatures?: FileTransferFeatures;
		chunkSize?: number;
	} = {}
) {
	const [senderChannel, receiverChannel] = createBinaryChannelPair(options.channel);
	const sender = new FileTransfers({
		channel: senderChannel,
		features: options.senderFeatures ?? allowed,
		peerName: 'Agent Anna',
		chunkSize: options.chunkSize
	});
	const receiver = new FileTransfers({
		channel: receiverChannel,
		features: options.receiverFeatures ?? allowed,
		peerName: 'Customer Carl'
	});
	return { senderChannel, receiverChannel, sender, receiver };
}

function sendOrThrow(transfers: FileTransfers, ...args: Parameters<FileTransfers['send']>) {
	const result = transfers.send(...args);
	if (!result.ok) throw new Error(`send refused: ${result.error}`);
	return result.transfer;
}

function stateOf(transfers: FileTransfers, id: string): TransferInfo | undefined {
	return transfers.transfers.find((t) => t.id === id);
}

afterEach(() => {
	vi.useRealTimers();
});

describe('round trip', () => {
	const chunk = 1000;
	it.each([0, 1, chunk - 1, chunk, chunk + 1, 3 * chunk + 500, 1024 * 1024 + 17])(
		'%i bytes arrive intact and verified',
		async (size) => {
			const { sender, receiver } = connectedPair({ chunkSize: chunk });
			const data = randomBytes(size, seededRandom(size));
			const sink = memorySink();
			const offers: TransferInfo[] = [];
			receiver.on('offer', (offer) => {
				offers.push(offer);
				receiver.accept(offer.id, sink);
			});

			const sent = sendOrThrow(sender, fileFrom(data, 'report.pdf', 'application/pdf'));
			expect(sent.state).toBe('offered');
			const [senderDone, receiverDone] = await Promise.all([
				whenFinished(sender, sent.id),
				whenFinished(receiver, sent.id)
			]);

			expect(offers).toHaveLength(1);
			expect(offers[0]).toMatchObject({
				name: 'report.pdf',
				size,
				type: 'application/pdf',
				direction: 'receive',
				peerName: 'Customer Carl',
				state: 'offered'
			});
			const expectedHash = sha256Hex(data);
			expect(senderDone).toMatchObject({ state: 'done', sha256: expectedHash, bytesDone: size });
			expect(receiverDone).toMatchObject({ state: 'done', sha256: expectedHash, bytesDone: size });
			expect(senderDone.direction).toBe('send');
			expect(sink.closed).toBe(true);
			expect(sameBytes(sink.result(), data)).toBe(true);
			if (size === 0) expect(receiverDone.sha256).toBe(EMPTY_SHA256);
		}
	);

	it('sizes chunks from maxMessageSize and never sends a frame over it', async () => {
		const maxMessageSize = 16 * 1024;
		const { senderChannel, sender, receiver } = connectedPair({ channel: { maxMessageSize } });
		let largestFrame = 0;
		senderChannel.tamper = (data) => {
			if (typeof data !== 'string') largestFrame = Math.max(largestFrame, data.byteLength);
			return data;
		};
		const data = randomBytes(200_000, seededRandom(3));
		const sink = memorySink();
		receiver.on('offer', (offer) => receiver.accept(offer.id, sink));
		const sent = sendOrThrow(sender, fileFrom(data));
		expect((await whenFinished(receiver, sent.id)).state).toBe('done');
		expect(largestFrame).toBe(maxMessageSize);
		expect(sameBytes(sink.result(), data)).toBe(true);
	});

	it('caps frames at 262,144 bytes and applies backpressure on bufferedAmount', async () => {
		const { senderChannel, sender, receiver } = connectedPair({
			channel: { maxMessageSize: 1024 * 1024 * 1024, bytesPerMs: 4 * 1024 }
		});
		let largestFrame = 0;
		senderChannel.tamper = (data) => {
			if (typeof data !== 'string') largestFrame = Math.max(largestFrame, data.byteLength);
			return data;
		};
		const waitSpy = vi.spyOn(senderChannel, 'waitForBufferedAmountBelow');
		const data = randomBytes(12 * 1024 * 1024, seededRandom(12));
		const sink = memorySink();
		receiver.on('offer', (offer) => receiver.accept(offer.id, sink));
		const sent = sendOrThrow(sender, fileFrom(data));
		expect((await whenFinished(sender, sent.id)).state).toBe('done');

		expect(largestFrame).toBe(MAX_FRAME_BYTES);
		expect(waitSpy).toHaveBeenCalledWith(BUFFERED_LOW_WATER);
		expect(senderChannel.stats.peakBufferedAmount).toBeGreaterThan(BUFFERED_LOW_WATER);
		expect(senderChannel.stats.peakBufferedAmount).toBeLessThanOrEqual(
			BUFFERED_HIGH_WATER + MAX_FRAME_BYTES
		);
		expect(sameBytes(sink.result(), data)).toBe(true);
	}, 20_000);

	it('hands a slow disk what piled up during each write as one batch, in order, one ahead', async () => {
		const { sender, receiver } = connectedPair({ channel: { bytesPerMs: Infinity } });
		const sizes: number[] = [];
		const written: Uint8Array[] = [];
		let active = 0;
		let mostActive = 0;
		const sink = {
			async write(chunk: Uint8Array) {
				sizes.push(chunk.length);
				written.push(chunk.slice());
				mostActive = Math.max(mostActive, ++active);
				await new Promise<void>((resolve) => setTimeout(resolve, 15));
				// The receiver hands the buffer on once the write is done: a sink must not keep it.
				active--;
			},
			close: async () => {},
			abort: async () => {}
		};
		const data = randomBytes(12 * 1024 * 1024, seededRandom(21));
		receiver.on('offer', (offer) => receiver.accept(offer.id, sink));
		const sent = sendOrThrow(sender, fileFrom(data));
		expect((await whenFinished(receiver, sent.id)).state).toBe('done');

		// The next write goes while one is on its way (never more), so the disk does not wait for
		// the page in between; writes are batches of several frames, never over the batch size.
		expect(mostActive).toBe(2);
		const frames = Math.ceil(data.length / (MAX_FRAME_BYTES - DATA_HEADER_BYTES));
		expect(sizes.length).toBeLessThan(frames / 2);
		expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_WRITE_BATCH_BYTES);
		expect(sizes.some((size) => size > MAX_FRAME_BYTES)).toBe(true);
		const all = new Uint8Array(data.length);
		let offset = 0;
		for (const chunk of written) {
			all.set(chunk, offset);
			offset += chunk.length;
		}
		expect(offset).toBe(data.length);
		expect(sameBytes(all, data)).toBe(true);
	}, 20_000);

	it('reads a byte stream (a File’s) straight into its blocks, and delivers it intact', async () => {
		const data = randomBytes(2 * READ_BLOCK_BYTES + 12_345, seededRandom(31));
		for (const file of [
			byteFileFrom(data),
			new File([data as Uint8Array<ArrayBuffer>], 'blocks.bin')
		]) {
			const { sender, receiver } = connectedPair({ channel: { bytesPerMs: Infinity } });
			const modes: (string | undefined)[] = [];
			const source = {
				name: file.name,
				size: file.size,
				type: file.type,
				stream: () => {
					const stream = file.stream();
					const getReader = stream.getReader.bind(stream) as (options?: {
						mode?: 'byob';
					}) => ReadableStreamReader<Uint8Array>;
					Object.assign(stream, {
						getReader: (options?: { mode?: 'byob' }) => {
							modes.push(options?.mode);
							return getReader(options);
						}
					});
					return stream;
				}
			};
			const sink = memorySink();
			receiver.on('offer', (offer) => receiver.accept(offer.id, sink));
			const sent = sendOrThrow(sender, source);
			expect(await whenFinished(receiver, sent.id)).toMatchObject({
				state: 'done',
				sha256: sha256Hex(data)
			});
			expect(sameBytes(sink.result(), data)).toBe(true);
			expect(modes).toEqual(['byob']);
		}
	});

	it('lends its own buffers to the hash and reuses them: a block once framed, a batch once written', async () => {
		const updates: { bytes: Uint8Array; length: number; lent: boolean; written: boolean }[] = [];
		const writes: { chunk: Uint8Array; done: boolean }[] = [];
		setSha256StreamFactory(() => {
			const local = createLocalSha256Stream();
			return {
				update(bytes, release) {
					const written = writes.find((w) => w.chunk === bytes)?.done ?? false;
					// The length now: a lent buffer is detached once read into again.
					updates.push({ bytes, length: bytes.length, lent: release !== undefined, written });
					local.update(bytes, release);
				},
				digest: () => local.digest()
			};
		});
		try {
			const { sender, receiver } = connectedPair({ channel: { bytesPerMs: Infinity } });
			// More than the receive window, so batches must come back before the rest can arrive.
			const data = randomBytes(10 * READ_BLOCK_BYTES + 12_345, seededRandom(32));
			const file = new File([data as Uint8Array<ArrayBuffer>], 'owned.bin');
			const kept: Uint8Array[] = [];
			const sink = {
				async write(chunk: Uint8Array) {
					const write = { chunk, done: false };
					writes.push(write);
					kept.push(chunk.slice());
					await new Promise<void>((resolve) => setTimeout(resolve, 1));
					write.done = true;
				},
				close: async () => {},
				abort: async () => {}
			};
			receiver.on('offer', (offer) => receiver.accept(offer.id, sink));
			const sent = sendOrThrow(sender, file);
			expect(await whenFinished(receiver, sent.id)).toMatchObject({
				state: 'done',
				sha256: sha256Hex(data)
			});
			// Every update lends its buffer, and nothing is hashed twice.
			expect(updates.every((u) => u.lent)).toBe(true);
			const received = updates.filter((u) => writes.some((w) => w.chunk === u.bytes));
			const sentBlocks = updates.filter((u) => !received.includes(u));
			// The receiver hashes exactly its writes, in order, each after the sink was done with it…
			expect(received.length).toBe(writes.length);
			expect(received.every((u, i) => u.bytes === writes[i].chunk && u.written)).toBe(true);
			// …in batches it reuses once hashed.
			expect(new Set(received.map((u) => u.bytes.buffer)).size).toBeLessThan(received.length);
			// The sender hashes whole blocks of the file, in order.
			expect(sentBlocks.map((u) => u.length)).toEqual([
				...Array<number>(10).fill(READ_BLOCK_BYTES),
				12_345
			]);
			const joined = new Uint8Array(data.length);
			let offset = 0;
			for (const chunk of kept) {
				joined.set(chunk, offset);
				offset += chunk.length;
			}
			expect(sameBytes(joined, data)).toBe(true);
		} finally {
			setSha256StreamFactory(null);
		}
	});

	it('keeps the event loop free for other work (chat) during a big transfer', async () => {
		const { sender, receiver } = connectedPair({ channel: { bytesPerMs: Infinity } });
		receiver.on('offer', (offer) => receiver.accept(offer.id, recordingSink()));
		let timerTicks = 0;
		const ticker = setInterval(() => timerTicks++, 0);
		const sent = sendOrThrow(sender, fileFrom(randomBytes(24 * 1024 * 1024, seededRandom(24))));
		const done = await whenFinished(sender, sent.id);
		clearInterval(ticker);
		expect(done.state).toBe('done');
		expect(timerTicks).toBeGreaterThan(3);
	}, 20_000);

	it('sends several queued files one at a time, each intact', async () => {
		const { sender, receiver } = connectedPair({ chunkSize: 4096 });
		const files = [50_000, 0, 123_457].map((size, i) => randomBytes(size, seededRandom(i + 100)));
		const sinks = new Map<string, ReturnType<typeof memorySink>>();
		const writeOrder: string[] = [];
		receiver.on('offer', (offer) => {
			const sink = memorySink();
			sinks.set(offer.id, sink);
			receiver.accept(offer.id, {
				write: (chunk) => {
					writeOrder.push(offer.id);
					return sink.write(chunk);
				},
				close: () => sink.close(),
				abort: (reason) => sink.abort(reason)
			});
		});
		let concurrentSends = 0;
		sender.on('change', () => {
			const streaming = sender.transfers.filter((t) => t.state === 'sending' && t.bytesDone > 0);
			concurrentSends = Math.max(concurrentSends, streaming.length);
		});

		const sent = files.map((data, i) => sendOrThrow(sender, fileFrom(data, `file-${i}.bin`)));
		const results = await Promise.all(sent.map((t) => whenFinished(receiver, t.id)));
		await Promise.all(sent.map((t) => whenFinished(sender, t.id)));

		results.forEach((result, i) => {
			expect(result.state).toBe('done');
			expect(result.name).toBe(`file-${i}.bin`);
			expect(result.sha256).toBe(sha256Hex(files[i]));
			expect(sameBytes(sinks.get(result.id)?.result() ?? new Uint8Array(1), files[i])).toBe(true);
		});
		// Each file's writes are contiguous: files did not interleave.
		const runs = writeOrder.filter((id, i) => id !== writeOrder[i - 1]);
		expect(new Set(runs).size).toBe(runs.length);
		expect(concurrentSends).toBeLessThanOrEqual(1);
		expect(sender.transfers.map((t) => t.state)).toEqual(['done', 'done', 'done']);
	});

	it('reports verifying on the sender only once every byte is written, the hash once verified', async () => {
		const { sender, receiver } = connectedPair({ channel: { bytesPerMs: 256 }, chunkSize: 8192 });
		receiver.on('offer', (offer) => receiver.accept(offer.id, memorySink()));
		const seen: Array<[string, number, string | null]> = [];
		sender.on('change', () => {
			const t = sender.transfers[0];
			seen.push([t.state, t.bytesDone, t.sha256]);
		});
		const sent = sendOrThrow(sender, fileFrom(randomBytes(200_000, seededRandom(77))));
		const done = await whenFinished(sender, sent.id);
		expect(done.state).toBe('done');
		for (const [state, bytesDone, hash] of seen) {
			if (state === 'verifying') expect(bytesDone).toBe(200_000);
			if (state !== 'done') expect(hash).toBeNull();
		}
		expect(seen.some(([state]) => state === 'verifying')).toBe(true);
	});

	it('emits a finished record for the session report on each side', async () => {
		const { sender, receiver } = connectedPair();
		const records: TransferInfo[] = [];
		sender.on('finished', (t) => records.push(t));
		receiver.on('finished', (t) => records.push(t));
		receiver.on('offer', (offer) => receiver.accept(offer.id, memorySink()));
		const data = randomBytes(5000, seededRandom(5));
		const sent = sendOrThrow(sender, fileFrom(data, 'log.txt', 'text/plain'));
		await whenFinished(receiver, sent.id);
		await whenFinished(sender, sent.id);
		expect(records.map((r) => [r.name, r.size, r.direction, r.state, r.sha256])).toEqual(
			expect.arrayContaining([
				['log.txt', 5000, 'send', 'done', sha256Hex(data)],
				['log.txt', 5000, 'receive', 'done', sha256Hex(data)]
			])
		);
	});

	it('sanitises the offered name on both sides', async () => {
		const { sender, receiver } = connectedPair();
		const offers: TransferInfo[] = [];
		receiver.on('offer', (offer) => offers.push(offer));
		const sent = sendOrThrow(sender, fileFrom(new Uint8Array(3), '..\\..\\evil\u202Egpj.exe'));
		expect(sent.name).toBe('evilgpj.exe');
		await until(() => offers.length === 1);
		expect(offers[0].name).toBe('evilgpj.exe');
	});
});

describe('offer, decline and limits', () => {
	it('moves no byte before accept, and shows a decline to the sender', async () => {
		const { senderChannel, sender, receiver } = connectedPair();
		receiver.on('offer', (offer) => receiver.decline(offer.id));
		const sent = sendOrThrow(sender, fileFrom(randomBytes(10_000, seededRandom(1))));
		const [senderResult, receiverResult] = await Promise.all([
			whenFinished(sender, sent.id),
			whenFinished(receiver, sent.id)
		]);
		expect(senderResult).toMatchObject({ state: 'declined', error: 'declined' });
		expect(receiverResult.state).toBe('declined');
		expect(senderChannel.stats.binaryFramesSent).toBe(0);
	});

	it('refuses an over-size file before offering it', () => {
		const { senderChannel, sender } = connectedPair({
			senderFeatures: { fileTransfer: true, maxFileSize: 1000 }
		});
		expect(sender.send(fileFrom(new Uint8Array(1001)))).toEqual({ ok: false, error: 'too-large' });
		expect(sender.send(fileFrom(new Uint8Array(1000))).ok).toBe(true);
		expect(senderChannel.stats.binaryFramesSent).toBe(0);
		expect(senderChannel.stats.textFramesSent).toBe(1);
		expect(sender.transfers).toHaveLength(1);
	});

	it('refuses to send when file transfer is not allowed, or after close', () => {
		const denied = connectedPair({ senderFeatures: { fileTransfer: false, maxFileSize: 1e9 } });
		expect(denied.sender.send(fileFrom(new Uint8Array(1)))).toEqual({
			ok: false,
			error: 'not-allowed'
		});
		expect(denied.senderChannel.stats.textFramesSent).toBe(0);

		const { sender } = connectedPair();
		sender.close();
		expect(sender.send(fileFrom(new Uint8Array(1)))).toEqual({ ok: false, error: 'closed' });
	});

	it('auto-declines an offer over the receiver limit, before any bytes', async () => {
		const { senderChannel, sender, receiver } = connectedPair({
			receiverFeatures: { fileTransfer: true, maxFileSize: 100 }
		});
		const rejections: TransferRejection[] = [];
		receiver.on('rejected', (r) => rejections.push(r));
		const offerSeen = vi.fn();
		receiver.on('offer', offerSeen);
		const sent = sendOrThrow(sender, fileFrom(new Uint8Array(101), 'big.iso'));
		expect(await whenFinished(sender, sent.id)).toMatchObject({
			state: 'declined',
			error: 'too-large'
		});
		expect(rejections).toEqual([{ error: 'too-large', name: 'big.iso', size: 101 }]);
		expect(offerSeen).not.toHaveBeenCalled();
		expect(receiver.transfers).toHaveLength(0);
		expect(senderChannel.stats.binaryFramesSent).toBe(0);
	});

	it('auto-declines a forged offer when file transfer is not allowed', async () => {
		const [hostile, victimChannel] = createBinaryChannelPair();
		const receiver = new FileTransfers({
			channel: victimChannel,
			features: { fileTransfer: false, maxFileSize: DEFAULT_MAX_FILE_SIZE },
			peerName: 'Mallory'
		});
		const rejections: TransferRejection[] = [];
		receiver.on('rejected', (r) => rejections.push(r));
		const replies: unknown[] = [];
		hostile.onMessage((data) =>
			replies.push(typeof data === 'string' ? decodeControlFrame(data) : data)
		);
		const id = newTransferId();
		victimChannel.injectRaw(
			encodeControlFrame({ kind: 'offer', id, name: 'payload.exe', size: 10, type: '' })
		);
		expect(rejections).toEqual([{ error: 'not-allowed', name: 'payload.exe', size: 10 }]);
		expect(receiver.transfers).toHaveLength(0);
		await until(() => replies.length === 1);
		expect(replies[0]).toEqual({ kind: 'decline', id, reason: 'not-allowed' });
		// Bytes sent anyway are dropped.
		victimChannel.injectRaw(encodeDataFrame(id, 0, new Uint8Array(10)));
		expect(receiver.transfers).toHaveLength(0);
	});

	it('declines offers beyond the pending limit as busy', () => {
		const [, victimChannel] = createBinaryChannelPair();
		const receiver = new FileTransfers({
			channel: victimChannel,
			features: allowed,
			peerName: 'M'
		});
		const rejections: TransferRejection[] = [];
		receiver.on('rejected', (r) => rejections.push(r));
		for (let i = 0; i < MAX_PENDING_OFFERS + 5; i++) {
			victimChannel.injectRaw(
				encodeControlFrame({ kind: 'offer', id: newTransferId(), name: `f${i}`, size: 1, type: '' })
			);
		}
		expect(receiver.transfers).toHaveLength(MAX_PENDING_OFFERS);
		expect(rejections).toHaveLength(5);
		expect(rejections[0].error).toBe('busy');
	});
});

describe('cancel and connection loss', () => {
	function slowPair() {
		return connectedPair({ channel: { bytesPerMs: 64 * 1024 }, chunkSize: 16 * 1024 });
	}

	it('the sender cancels mid-transfer; the receiver sees it and discards the partial file', async () => {
		const { senderChannel, sender, receiver } = slowPair();
		const sink = recordingSink();
		receiver.on('offer', (offer) => receiver.accept(offer.id, sink));
		const sent = sendOrThrow(sender, fileFrom(randomBytes(8 * 1024 * 1024, seededRandom(8))));
		await until(() => (stateOf(receiver, sent.id)?.bytesDone ?? 0) > 0);

		sender.cancel(sent.id);
		expect(stateOf(sender, sent.id)).toMatchObject({ state: 'cancelled', cancelledByPeer: false });
		const framesAtCancel = senderChannel.stats.binaryFramesSent;
		expect(await whenFinished(receiver, sent.id)).toMatchObject({
			state: 'cancelled',
			cancelledByPeer: true
		});
		expect(sink.aborted).toBe(true);
		expect(sink.closed).toBe(false);
		await new Promise((resolve) => setTimeout(resolve, 20));
		expect(senderChannel.stats.binaryFramesSent).toBe(framesAtCancel);
	});

	it('a host’s hash streams are used on both sides, and let go of when a transfer is cancelled', async () => {
		const made: { disposed: boolean; digested: boolean }[] = [];
		setSha256StreamFactory(() => {
			const local = createLocalSha256Stream();
			const record = { disposed: false, digested: false };
			made.push(record);
			return {
				update: (bytes, release) => local.update(bytes, release),
				digest: () => ((record.digested = true), local.digest()),
				dispose: () => void (record.disposed = true)
			};
		});
		try {
			const { sender, receiver } = slowPair();
			receiver.on('offer', (offer) => receiver.accept(offer.id, recordingSink()));
			const sent = sendOrThrow(sender, fileFrom(randomBytes(8 * 1024 * 1024, seededRandom(8))));
			await until(() => (stateOf(receiver, sent.id)?.bytesDone ?? 0) > 0);
			sender.cancel(sent.id);
			await whenFinished(receiver, sent.id);
			expect(made).toEqual([
				{ disposed: true, digested: false },
				{ disposed: true, digested: false }
			]);

			const small = randomBytes(100_000, seededRandom(3));
			const second = sendOrThrow(sender, fileFrom(small));
			expect(await whenFinished(receiver, second.id)).toMatchObject({
				state: 'done',
				sha256: sha256Hex(small)
			});
			expect(made.slice(2)).toEqual([
				{ disposed: false, digested: true },
				{ disposed: false, digested: true }
			]);
		} finally {
			setSha256StreamFactory(null);
		}
	});

	it('the receiver cancels mid-transfer; the sender sees it and stops sending', async () => {
		const { senderChannel, sender, receiver } = slowPair();
		const sink = recordingSink();
		receiver.on('offer', (offer) => receiver.accept(offer.id, sink));
		const size = 24 * 1024 * 1024;
		const sent = sendOrThrow(sender, fileFrom(randomBytes(size, seededRandom(9))));
		await until(() => (stateOf(receiver, sent.id)?.bytesDone ?? 0) > 0);

		receiver.cancel(sent.id);
		expect(stateOf(receiver, sent.id)?.state).toBe('cancelled');
		expect(sink.aborted).toBe(true);
		expect(await whenFinished(sender, sent.id)).toMatchObject({
			state: 'cancelled',
			cancelledByPeer: true
		});
		const framesAfter = senderChannel.stats.binaryFramesSent;
		await new Promise((resolve) => setTimeout(resolve, 20));
		expect(senderChannel.stats.binaryFramesSent).toBe(framesAfter);
		// The receive window stopped the sender well before the end of the file.
		expect(framesAfter * 16 * 1024).toBeLessThanOrEqual(RECEIVE_WINDOW_BYTES + 2 * 1024 * 1024);
	});

	it('the sender can withdraw an offer before it is answered', async () => {
		const { sender, receiver } = connectedPair();
		const offers: TransferInfo[] = [];
		receiver.on('offer', (offer) => offers.push(offer));
		const sent = sendOrThrow(sender, fileFrom(new Uint8Array(10)));
		await until(() => offers.length === 1);
		sender.cancel(sent.id);
		expect((await whenFinished(receiver, sent.id)).state).toBe('cancelled');
		// Accepting afterwards (the user was in the save dialog) aborts the new sink.
		const lateSink = recordingSink();
		receiver.accept(sent.id, lateSink);
		expect(lateSink.aborted).toBe(true);
	});

	it('a closed channel fails active transfers on both sides and aborts the sink', async () => {
		const { senderChannel, sender, receiver } = slowPair();
		const sink = recordingSink();
		receiver.on('offer', (offer) => receiver.accept(offer.id, sink));
		const sent = sendOrThrow(sender, fileFrom(randomBytes(4 * 1024 * 1024, seededRandom(4))));
		await until(() => (stateOf(receiver, sent.id)?.bytesDone ?? 0) > 0);

		senderChannel.close();
		expect(await whenFinished(sender, sent.id)).toMatchObject({
			state: 'failed',
			error: 'connection-lost'
		});
		expect(await whenFinished(receiver, sent.id)).toMatchObject({
			state: 'failed',
			error: 'connection-lost'
		});
		expect(sink.aborted).toBe(true);
		expect(sender.closed && receiver.closed).toBe(true);
	});
});

describe('integrity', () => {
	it('fails on a hash mismatch and discards the partial file', async () => {
		const { senderChannel, sender, receiver } = connectedPair({ chunkSize: 1000 });
		senderChannel.tamper = (data) => {
			if (typeof data === 'string') return data;
			const bytes = new Uint8Array(data);
			// Flip one payload byte of the second chunk: the header stays valid.
			if (bytes[DATA_HEADER_BYTES - 1] === 1) bytes[DATA_HEADER_BYTES + 10] ^= 0xff;
			return data;
		};
		const sink = recordingSink();
		receiver.on('offer', (offer) => receiver.accept(offer.id, sink));
		const sent = sendOrThrow(sender, fileFrom(randomBytes(5000, seededRandom(50))));
		const [receiverResult, senderResult] = await Promise.all([
			whenFinished(receiver, sent.id),
			whenFinished(sender, sent.id)
		]);
		expect(receiverResult).toMatchObject({ state: 'failed', error: 'hash-mismatch', sha256: null });
		expect(senderResult).toMatchObject({ state: 'failed', error: 'hash-mismatch', sha256: null });
		expect(sink.aborted).toBe(true);
		expect(sink.closed).toBe(false);
		expect(sink.chunks).toHaveLength(0);
	});

	it('fails the sender when a byte stream is shorter or longer than announced, or cannot be read', async () => {
		const byteFile = (bytes: number, size: number) => ({
			...fileFrom(new Uint8Array(0)),
			size,
			stream: () => new Blob([new Uint8Array(bytes)]).stream()
		});
		const unreadable = {
			...fileFrom(new Uint8Array(0)),
			size: 9_000_000,
			stream: () =>
				new ReadableStream<Uint8Array>({
					type: 'bytes',
					pull: (controller) => controller.error(new Error('NotReadableError'))
				})
		};
		for (const [source, error] of [
			[byteFile(5_000_000, 9_000_000), 'file-changed'],
			[byteFile(9_000_001, 9_000_000), 'file-changed'],
			[byteFile(1, 0), 'file-changed'],
			[unreadable, 'read-failed']
		] as const) {
			const { sender, receiver } = connectedPair();
			const sink = recordingSink();
			receiver.on('offer', (offer) => receiver.accept(offer.id, sink));
			const sent = sendOrThrow(sender, source);
			expect(await whenFinished(sender, sent.id)).toMatchObject({ state: 'failed', error });
			expect((await whenFinished(receiver, sent.id)).error).toBe(error);
			expect(sink.aborted).toBe(true);
		}
	});

	it('fails the sender when the file is shorter than announced', async () => {
		const { sender, receiver } = connectedPair();
		const sink = recordingSink();
		receiver.on('offer', (offer) => receiver.accept(offer.id, sink));
		const liar = { ...fileFrom(new Uint8Array(100)), size: 200 };
		const sent = sendOrThrow(sender, liar);
		expect(await whenFinished(sender, sent.id)).toMatchObject({
			state: 'failed',
			error: 'file-changed'
		});
		expect((await whenFinished(receiver, sent.id)).error).toBe('file-changed');
		expect(sink.aborted).toBe(true);
	});
});
