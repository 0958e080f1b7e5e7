/**
 * The receiver facing a hostile or broken sender: every rule violation fails that transfer,
 * aborts its sink and tells the peer; nothing lets the sender grow the receiver's memory.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createBinaryChannelPair, type FakeBinaryChannel } from './fake-binary-channel';
import {
	DATA_FRAME_MAGIC,
	DATA_HEADER_BYTES,
	MAX_CHUNK_BYTES,
	MAX_FRAME_BYTES,
	createDataFrame,
	decodeControlFrame,
	encodeControlFrame,
	encodeDataFrame,
	newTransferId,
	transferIdToBytes,
	type ControlFrame
} from './file-framing';
import { recordingSink, sha256Hex } from './file-test-helpers';
import { DEFAULT_MAX_FILE_SIZE, FileTransfers, RECEIVE_WINDOW_BYTES } from './files';
import { loadSha256Engine } from './sha256-stream';

// The hash engine compiles once per page (WebAssembly); load it up front, as a page does long
// before a user accepts a file. Hashing and writing are asynchronous: assertions on their outcome
// wait for it (vi.waitFor), never for a fixed time.
beforeAll(() => loadSha256Engine());

afterEach(() => {
	vi.useRealTimers();
});

/** A receiver with one accepted transfer of `size` bytes, driven by raw frames from the test. */
function acceptedTransfer(size: number, options: { stall?: boolean; idleTimeoutMs?: number } = {}) {
	const [hostile, victimChannel] = createBinaryChannelPair();
	const receiver = new FileTransfers({
		channel: victimChannel,
		features: { fileTransfer: true, maxFileSize: DEFAULT_MAX_FILE_SIZE },
		peerName: 'Mallory',
		idleTimeoutMs: options.idleTimeoutMs
	});
	const replies: ControlFrame[] = [];
	hostile.onMessage((data) => {
		const frame = typeof data === 'string' ? decodeControlFrame(data) : null;
		if (frame) replies.push(frame);
	});
	const id = newTransferId();
	const sink = recordingSink({ stall: options.stall });
	offer(victimChannel, id, size);
	receiver.accept(id, sink);
	const state = () => receiver.transfers.find((t) => t.id === id);
	return { hostile, victimChannel, receiver, replies, id, sink, state };
}

function offer(channel: FakeBinaryChannel, id: string, size: number) {
	channel.injectRaw(encodeControlFrame({ kind: 'offer', id, name: 'x.bin', size, type: '' }));
}

function chunk(id: string, index: number, length: number, fill = 7): ArrayBuffer {
	return encodeDataFrame(id, index, new Uint8Array(length).fill(fill));
}

describe('hostile data frames', () => {
	it('accepts a well-behaved raw sender (baseline)', async () => {
		const { victimChannel, id, sink, state, replies } = acceptedTransfer(20);
		const payload = new Uint8Array(20).fill(7);
		victimChannel.injectRaw(encodeDataFrame(id, 0, payload.subarray(0, 12)));
		victimChannel.injectRaw(encodeDataFrame(id, 1, payload.subarray(12)));
		victimChannel.injectRaw(encodeControlFrame({ kind: 'done', id, sha256: sha256Hex(payload) }));
		await vi.waitFor(() =>
			expect(state()).toMatchObject({ state: 'done', sha256: sha256Hex(payload) })
		);
		expect(sink.bytes()).toEqual(payload);
		await vi.waitFor(() =>
			expect(replies.map((r) => r.kind)).toEqual(['accept', 'ack', 'ack', 'verified'])
		);
	});

	it('refuses a wrong chunk index', async () => {
		const { victimChannel, id, sink, state, replies } = acceptedTransfer(100);
		victimChannel.injectRaw(chunk(id, 1, 10));
		expect(state()).toMatchObject({ state: 'failed', error: 'bad-chunk-index' });
		expect(sink.aborted).toBe(true);
		await vi.waitFor(() =>
			expect(replies.at(-1)).toEqual({ kind: 'error', id, reason: 'bad-chunk-index' })
		);
	});

	it('refuses a duplicate chunk', () => {
		const { victimChannel, id, sink, state } = acceptedTransfer(100);
		victimChannel.injectRaw(chunk(id, 0, 10));
		victimChannel.injectRaw(chunk(id, 0, 10));
		expect(state()).toMatchObject({ state: 'failed', error: 'duplicate-chunk' });
		expect(sink.aborted).toBe(true);
	});

	it('refuses more bytes than announced', () => {
		const { victimChannel, id, sink, state } = acceptedTransfer(10);
		victimChannel.injectRaw(chunk(id, 0, 11));
		expect(state()).toMatchObject({ state: 'failed', error: 'too-many-bytes' });
		expect(sink.aborted).toBe(true);
	});

	it('refuses bytes after the announced total, across chunks', () => {
		const { victimChannel, id, state } = acceptedTransfer(10);
		victimChannel.injectRaw(chunk(id, 0, 6));
		victimChannel.injectRaw(chunk(id, 1, 5));
		expect(state()).toMatchObject({ state: 'failed', error: 'too-many-bytes' });
	});

	it('drops chunks for an unknown transfer without disturbing the real one', async () => {
		const { victimChannel, receiver, id, state } = acceptedTransfer(10);
		victimChannel.injectRaw(chunk(newTransferId(), 0, 10));
		victimChannel.injectRaw(chunk('0'.repeat(32), 5, 10));
		expect(receiver.transfers).toHaveLength(1);
		expect(state()?.state).toBe('receiving');
		victimChannel.injectRaw(chunk(id, 0, 10));
		victimChannel.injectRaw(
			encodeControlFrame({ kind: 'done', id, sha256: sha256Hex(new Uint8Array(10).fill(7)) })
		);
		await vi.waitFor(() => expect(state()?.state).toBe('done'));
	});

	it('refuses chunks for an offer that was not accepted', () => {
		const [, victimChannel] = createBinaryChannelPair();
		const receiver = new FileTransfers({
			channel: victimChannel,
			features: { fileTransfer: true, maxFileSize: 1000 },
			peerName: 'Mallory'
		});
		const id = newTransferId();
		offer(victimChannel, id, 10);
		victimChannel.injectRaw(chunk(id, 0, 10));
		expect(receiver.transfers[0]).toMatchObject({ state: 'failed', error: 'unexpected-chunk' });
	});

	it('refuses an oversized frame and drops malformed headers', () => {
		const { victimChannel, id, sink, state } = acceptedTransfer(DEFAULT_MAX_FILE_SIZE);
		const badMagic = new Uint8Array(chunk(id, 0, 10));
		badMagic[0] = DATA_FRAME_MAGIC ^ 1;
		victimChannel.injectRaw(badMagic.buffer);
		const badVersion = new Uint8Array(chunk(id, 0, 10));
		badVersion[1] = 2;
		victimChannel.injectRaw(badVersion.buffer);
		victimChannel.injectRaw(
			new Uint8Array(chunk(id, 0, 10)).slice(0, DATA_HEADER_BYTES - 1).buffer
		);
		victimChannel.injectRaw(new ArrayBuffer(0));
		expect(state()?.state).toBe('receiving');

		const oversized = createDataFrame(transferIdToBytes(id), 0, MAX_CHUNK_BYTES + 1);
		expect(oversized.frame.byteLength).toBe(MAX_FRAME_BYTES + 1);
		victimChannel.injectRaw(oversized.frame);
		expect(state()).toMatchObject({ state: 'failed', error: 'oversized-frame' });
		expect(sink.aborted).toBe(true);
	});

	it('refuses an empty chunk (no progress, no end)', () => {
		const { victimChannel, id, state } = acceptedTransfer(10);
		victimChannel.injectRaw(createDataFrame(transferIdToBytes(id), 0, 0).frame);
		expect(state()).toMatchObject({ state: 'failed', error: 'empty-chunk' });
	});

	it('refuses done before every byte arrived', () => {
		const { victimChannel, id, state } = acceptedTransfer(10);
		victimChannel.injectRaw(chunk(id, 0, 5));
		victimChannel.injectRaw(encodeControlFrame({ kind: 'done', id, sha256: '0'.repeat(64) }));
		expect(state()).toMatchObject({ state: 'failed', error: 'incomplete' });
	});

	it('refuses a claimed hash that does not match', async () => {
		const { victimChannel, id, sink, state } = acceptedTransfer(10);
		victimChannel.injectRaw(chunk(id, 0, 10));
		victimChannel.injectRaw(encodeControlFrame({ kind: 'done', id, sha256: 'a'.repeat(64) }));
		await vi.waitFor(() =>
			expect(state()).toMatchObject({ state: 'failed', error: 'hash-mismatch' })
		);
		expect(sink.aborted).toBe(true);
		expect(sink.closed).toBe(false);
	});

	it('cuts off a sender that outruns the receive window while the disk is slow', () => {
		const { victimChannel, receiver, id, sink, state } = acceptedTransfer(DEFAULT_MAX_FILE_SIZE, {
			stall: true
		});
		let index = 0;
		while (state()?.state === 'receiving' && index < 1000) {
			victimChannel.injectRaw(chunk(id, index++, MAX_CHUNK_BYTES));
			expect(receiver.pendingWriteBytes).toBeLessThanOrEqual(RECEIVE_WINDOW_BYTES);
		}
		expect(state()).toMatchObject({ state: 'failed', error: 'flow-violation' });
		expect(index).toBe(Math.floor(RECEIVE_WINDOW_BYTES / MAX_CHUNK_BYTES) + 1);
		expect(receiver.pendingWriteBytes).toBe(0);
		expect(sink.aborted).toBe(true);
	});
});

describe('hostile control frames', () => {
	it('ignores invalid JSON, wrong shapes and oversized text', () => {
		const { victimChannel, receiver, state } = acceptedTransfer(10);
		const junk: unknown[] = [
			'{',
			'null',
			'[]',
			'"offer"',
			JSON.stringify({ kind: 'offer', id: 'nothex', name: 'a', size: 1, type: '' }),
			JSON.stringify({ kind: 'offer', id: newTransferId(), name: 'a', size: -1, type: '' }),
			JSON.stringify({ kind: 'offer', id: newTransferId(), name: 'a', size: 1.5, type: '' }),
			JSON.stringify({ kind: 'offer', id: newTransferId(), name: 'a', size: 2 ** 60, type: '' }),
			JSON.stringify({
				kind: 'offer',
				id: newTransferId(),
				name: 'a'.repeat(2000),
				size: 1,
				type: ''
			}),
			JSON.stringify({ kind: 'launch-missiles', id: newTransferId() }),
			JSON.stringify({ kind: 'done', id: newTransferId(), sha256: 'xyz' }),
			'x'.repeat(1_000_000),
			42,
			null,
			undefined,
			{ kind: 'offer' },
			new Blob(['hi'])
		];
		for (const data of junk) expect(() => victimChannel.injectRaw(data)).not.toThrow();
		expect(receiver.transfers).toHaveLength(1);
		expect(state()?.state).toBe('receiving');
	});

	it('ignores a second offer reusing a live transfer id', () => {
		const { victimChannel, receiver, id, state } = acceptedTransfer(10);
		offer(victimChannel, id, 999);
		expect(receiver.transfers).toHaveLength(1);
		expect(state()).toMatchObject({ size: 10, state: 'receiving' });
	});

	it('ignores accept, ack and verified aimed at an incoming transfer', () => {
		const { victimChannel, id, state } = acceptedTransfer(10);
		victimChannel.injectRaw(encodeControlFrame({ kind: 'accept', id }));
		victimChannel.injectRaw(encodeControlFrame({ kind: 'ack', id, bytes: 10 }));
		victimChannel.injectRaw(encodeControlFrame({ kind: 'verified', id }));
		expect(state()).toMatchObject({ state: 'receiving', bytesDone: 0 });
	});

	it('shows an unknown peer error code as peer-error', () => {
		const { victimChannel, id, state, sink } = acceptedTransfer(10);
		victimChannel.injectRaw(encodeControlFrame({ kind: 'error', id, reason: '<script>' }));
		expect(state()).toMatchObject({ state: 'failed', error: 'peer-error' });
		expect(sink.aborted).toBe(true);
	});
});

describe('stalled sender', () => {
	it('fails after the idle timeout, aborting the sink and freeing memory', async () => {
		vi.useFakeTimers();
		const { victimChannel, receiver, id, sink, state, replies } = acceptedTransfer(1000, {
			idleTimeoutMs: 30_000,
			stall: true
		});
		victimChannel.injectRaw(chunk(id, 0, 100));
		expect(receiver.pendingWriteBytes).toBe(100);

		await vi.advanceTimersByTimeAsync(29_000);
		expect(state()?.state).toBe('receiving');
		await vi.advanceTimersByTimeAsync(2_000);
		expect(state()).toMatchObject({ state: 'failed', error: 'idle-timeout' });
		expect(sink.aborted).toBe(true);
		expect(receiver.pendingWriteBytes).toBe(0);
		await vi.advanceTimersByTimeAsync(10);
		expect(replies.at(-1)).toEqual({ kind: 'error', id, reason: 'idle-timeout' });
		// The periodic check stops once nothing is active.
		expect(vi.getTimerCount()).toBe(0);
	});

	it('keeps a transfer alive while chunks keep coming', async () => {
		vi.useFakeTimers();
		const { victimChannel, id, state } = acceptedTransfer(1000, { idleTimeoutMs: 1000 });
		for (let index = 0; index < 10; index++) {
			victimChannel.injectRaw(chunk(id, index, 10));
			await vi.advanceTimersByTimeAsync(800);
		}
		expect(state()).toMatchObject({ state: 'receiving', bytesDone: 100 });
	});

	it('never times out an offer still waiting for the user', async () => {
		vi.useFakeTimers();
		const [, victimChannel] = createBinaryChannelPair();
		const receiver = new FileTransfers({
			channel: victimChannel,
			features: { fileTransfer: true, maxFileSize: 1000 },
			peerName: 'Mallory',
			idleTimeoutMs: 1000
		});
		offer(victimChannel, newTransferId(), 10);
		await vi.advanceTimersByTimeAsync(60_000);
		expect(receiver.transfers[0].state).toBe('offered');
	});
});
