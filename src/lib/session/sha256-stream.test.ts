import { afterEach, describe, expect, it, vi } from 'vitest';
import { randomBytes, seededRandom, sha256Hex } from './file-test-helpers';
import { createSha256Stream, loadSha256Engine } from './sha256-stream';

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

function pieces(data: Uint8Array, random: () => number): Uint8Array[] {
	const out: Uint8Array[] = [];
	for (let at = 0; at < data.length;) {
		const length = 1 + Math.floor(random() * 300_000);
		out.push(data.subarray(at, at + length));
		at += length;
	}
	return out;
}

describe('createSha256Stream', () => {
	afterEach(() => {
		vi.doUnmock('hash-wasm');
		vi.resetModules();
	});

	it('gives the SHA-256 of everything added, in pieces of any size (views included)', async () => {
		await loadSha256Engine();
		for (const size of [0, 1, 63, 64, 65, 1_000_003]) {
			const data = randomBytes(size, seededRandom(size));
			const stream = createSha256Stream();
			for (const piece of pieces(data, seededRandom(size + 1))) stream.update(piece);
			expect(await stream.digest()).toBe(sha256Hex(data));
		}
		expect(await createSha256Stream().digest()).toBe(EMPTY_SHA256);
	});

	it('keeps bytes added before its engine is ready, in order', async () => {
		vi.resetModules();
		const fresh = await import('./sha256-stream');
		const data = randomBytes(300_000, seededRandom(9));
		// Nothing loaded yet in this module instance: these updates are queued.
		const stream = fresh.createSha256Stream();
		for (const piece of pieces(data, seededRandom(10))) stream.update(piece);
		expect(await stream.digest()).toBe(sha256Hex(data));
	});

	it('falls back to @noble/hashes when WebAssembly cannot be compiled', async () => {
		vi.resetModules();
		const createSHA256 = vi.fn(() => Promise.reject(new Error('CompileError: blocked by CSP')));
		vi.doMock('hash-wasm', () => ({ createSHA256 }));
		const fresh = await import('./sha256-stream');
		const data = randomBytes(200_000, seededRandom(11));
		const stream = fresh.createSha256Stream();
		stream.update(data.subarray(0, 70_000));
		stream.update(data.subarray(70_000));
		expect(await stream.digest()).toBe(sha256Hex(data));
		expect(createSHA256).toHaveBeenCalled();
	});

	it('refuses bytes or a second digest after the digest', async () => {
		const stream = createSha256Stream();
		stream.update(new Uint8Array([1, 2, 3]));
		await stream.digest();
		expect(() => stream.update(new Uint8Array(1))).toThrow();
		await expect(stream.digest()).rejects.toThrow();
	});
});
