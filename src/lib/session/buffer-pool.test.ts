import { describe, expect, it } from 'vitest';
import { BufferPool } from './buffer-pool';

describe('BufferPool', () => {
	it('reuses what comes back, makes at most `max`, and makes a taker wait for a return', async () => {
		const pool = new BufferPool(8, 2);
		const first = pool.tryTake()!;
		const second = pool.tryTake()!;
		expect(first.length).toBe(8);
		expect(pool.tryTake()).toBeNull();
		const waiting = pool.take();
		let taken: Uint8Array | null = null;
		void waiting.then((buffer) => (taken = buffer));
		await Promise.resolve();
		expect(taken).toBeNull();
		pool.give(first.buffer as ArrayBuffer);
		expect((await waiting)?.buffer).toBe(first.buffer);
		pool.give(second.buffer as ArrayBuffer);
		expect(pool.tryTake()?.buffer).toBe(second.buffer);
	});

	it('lets go of buffers of another size, beyond `max`, or after closing; waiters get null', async () => {
		const pool = new BufferPool(8, 1);
		const own = pool.tryTake()!;
		pool.give(new ArrayBuffer(4));
		expect(pool.tryTake()).toBeNull();
		pool.give(own.buffer as ArrayBuffer);
		pool.give(new ArrayBuffer(8));
		expect(pool.tryTake()?.buffer).toBe(own.buffer);
		expect(pool.tryTake()).toBeNull();
		const waiting = pool.take();
		pool.close();
		expect(await waiting).toBeNull();
		pool.give(own.buffer as ArrayBuffer);
		expect(pool.tryTake()).toBeNull();
		expect(await pool.take()).toBeNull();
	});
});
