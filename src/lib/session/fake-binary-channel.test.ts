import { describe, expect, it } from 'vitest';
import { createBinaryChannelPair } from './fake-binary-channel';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('createBinaryChannelPair', () => {
	it('delivers strings and binary frames in order, copying buffers', async () => {
		const [a, b] = createBinaryChannelPair();
		const received: Array<ArrayBuffer | string> = [];
		b.onMessage((data) => received.push(data));
		const buffer = new Uint8Array([1, 2, 3]);
		a.send('hello');
		a.send(buffer.buffer);
		buffer[0] = 99;
		expect(received).toEqual([]);
		await tick();
		expect(received[0]).toBe('hello');
		expect(new Uint8Array(received[1] as ArrayBuffer)).toEqual(new Uint8Array([1, 2, 3]));
		expect(a.stats).toMatchObject({ textFramesSent: 1, binaryFramesSent: 1 });
	});

	it('throws on messages over maxMessageSize and on a full queue', () => {
		const [a] = createBinaryChannelPair({ maxMessageSize: 100, maxQueuedBytes: 250 });
		expect(() => a.send(new ArrayBuffer(101))).toThrow(TypeError);
		a.send(new ArrayBuffer(100));
		a.send(new ArrayBuffer(100));
		expect(() => a.send(new ArrayBuffer(100))).toThrow('send queue is full');
	});

	it('drains bufferedAmount asynchronously and wakes waiters', async () => {
		const [a, b] = createBinaryChannelPair({ bytesPerMs: 1000 });
		let delivered = 0;
		b.onMessage(() => delivered++);
		for (let i = 0; i < 20; i++) a.send(new ArrayBuffer(1000));
		expect(a.bufferedAmount).toBe(20_000);
		let woke = false;
		const waiting = a.waitForBufferedAmountBelow(5000).then(() => (woke = true));
		await Promise.resolve();
		expect(woke).toBe(false);
		await waiting;
		expect(a.bufferedAmount).toBeLessThanOrEqual(5000);
		expect(delivered).toBeGreaterThanOrEqual(15);
		await a.waitForBufferedAmountBelow(0);
		await tick();
		expect(delivered).toBe(20);
	});

	it('closes both ends, resolves waiters and refuses sends', async () => {
		const [a, b] = createBinaryChannelPair({ bytesPerMs: 1 });
		let closedB = false;
		b.onClose(() => (closedB = true));
		a.send(new ArrayBuffer(10_000));
		const waiting = a.waitForBufferedAmountBelow(0);
		a.close();
		await waiting;
		await Promise.resolve();
		expect(a.open || b.open).toBe(false);
		expect(closedB).toBe(true);
		expect(() => a.send('x')).toThrow();
	});

	it('lets tests inject anything and tamper with frames', async () => {
		const [a, b] = createBinaryChannelPair();
		const received: unknown[] = [];
		b.onMessage((data) => received.push(data));
		b.injectRaw(42);
		a.tamper = (data) => (data === 'drop me' ? null : data);
		a.send('drop me');
		a.send('keep me');
		await tick();
		expect(received).toEqual([42, 'keep me']);
	});
});
