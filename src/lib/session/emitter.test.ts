import { describe, expect, it, vi } from 'vitest';
import { Emitter, reportListenerError } from './emitter';

interface Events {
	change: [];
	chat: [text: string, at: number];
}

describe('Emitter', () => {
	it('calls listeners in order with the arguments, until they are removed', () => {
		const emitter = new Emitter<Events>();
		const calls: string[] = [];
		const offFirst = emitter.on('chat', (text, at) => calls.push(`1:${text}@${at}`));
		emitter.on('chat', (text) => calls.push(`2:${text}`));
		emitter.emit('chat', 'hi', 5);
		offFirst();
		emitter.emit('chat', 'again', 6);
		expect(calls).toEqual(['1:hi@5', '2:hi', '2:again']);
		expect(emitter.listenerCount('chat')).toBe(1);
		expect(emitter.listenerCount('change')).toBe(0);
	});

	it('off removes a listener; the same listener added twice is called once', () => {
		const emitter = new Emitter<Events>();
		const listener = vi.fn();
		emitter.on('change', listener);
		emitter.on('change', listener);
		emitter.emit('change');
		emitter.off('change', listener);
		emitter.emit('change');
		expect(listener).toHaveBeenCalledTimes(1);
	});

	it('once calls a listener only for the first emit, and can be cancelled before it', () => {
		const emitter = new Emitter<Events>();
		const first = vi.fn();
		const cancelled = vi.fn();
		emitter.once('change', first);
		emitter.once('change', cancelled)();
		emitter.emit('change');
		emitter.emit('change');
		expect(first).toHaveBeenCalledTimes(1);
		expect(cancelled).not.toHaveBeenCalled();
	});

	it('a listener added or removed during an emit takes effect from the next one', () => {
		const emitter = new Emitter<Events>();
		const calls: string[] = [];
		const second = () => calls.push('second');
		emitter.on('change', () => {
			calls.push('first');
			emitter.off('change', second);
			emitter.on('change', () => calls.push('added'));
		});
		emitter.on('change', second);
		emitter.emit('change');
		expect(calls).toEqual(['first', 'second']);
	});

	it('a throwing listener does not stop the others and is reported', () => {
		const errors: unknown[] = [];
		const emitter = new Emitter<Events>((error) => errors.push(error));
		const after = vi.fn();
		const failure = new Error('listener failed');
		emitter.on('change', () => {
			throw failure;
		});
		emitter.on('change', after);
		expect(() => emitter.emit('change')).not.toThrow();
		expect(after).toHaveBeenCalledTimes(1);
		expect(errors).toEqual([failure]);
	});

	it('by default reports a listener error by throwing it on a microtask', () => {
		const queued: Array<() => void> = [];
		const spy = vi.spyOn(globalThis, 'queueMicrotask').mockImplementation((task) => {
			queued.push(task);
		});
		try {
			const failure = new Error('later');
			reportListenerError(failure);
			expect(queued).toHaveLength(1);
			expect(() => queued[0]()).toThrow(failure);
		} finally {
			spy.mockRestore();
		}
	});
});
