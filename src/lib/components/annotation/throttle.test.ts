import { describe, expect, it } from 'vitest';
import { ManualScheduler } from './manual-scheduler';
import { LatestThrottle } from './throttle';

function setup() {
	const clock = new ManualScheduler();
	const sent: { value: number; at: number }[] = [];
	const throttle = new LatestThrottle<number>(
		(value) => sent.push({ value, at: clock.now() }),
		50,
		clock
	);
	return { clock, sent, throttle };
}

describe('LatestThrottle', () => {
	it('sends the first at once, then at most one per interval, always the latest', () => {
		const { clock, sent, throttle } = setup();
		throttle.push(1);
		for (let i = 2; i <= 10; i++) {
			clock.advance(10);
			throttle.push(i);
		}
		// 1 at 0 ms, 5 at 50 ms (the latest then), and 10 waits for 100 ms.
		expect(sent).toEqual([
			{ value: 1, at: 0 },
			{ value: 5, at: 50 }
		]);
		clock.advance(10);
		expect(sent.at(-1)).toEqual({ value: 10, at: 100 });
		const gaps = sent.slice(1).map((s, i) => s.at - sent[i].at);
		expect(gaps.every((gap) => gap >= 50)).toBe(true);
	});

	it('sends the final value at once on flush, and nothing it already sent', () => {
		const { clock, sent, throttle } = setup();
		throttle.push(1);
		clock.advance(20);
		throttle.push(2);
		throttle.flush(3);
		expect(sent.map((s) => s.value)).toEqual([1, 3]);
		expect(clock.pending).toBe(0);
		throttle.flush();
		expect(sent).toHaveLength(2);
	});

	it('flush without a value sends what waits', () => {
		const { clock, sent, throttle } = setup();
		throttle.push(1);
		clock.advance(5);
		throttle.push(2);
		throttle.flush();
		expect(sent.map((s) => s.value)).toEqual([1, 2]);
	});

	it('reset drops what waits and says nothing was sent', () => {
		const { clock, sent, throttle } = setup();
		throttle.push(1);
		expect(throttle.sentAny).toBe(true);
		throttle.push(2);
		throttle.reset();
		expect(throttle.sentAny).toBe(false);
		clock.advance(200);
		expect(sent.map((s) => s.value)).toEqual([1]);
	});

	it('keeps the interval across a reset (two quick strokes)', () => {
		const { clock, sent, throttle } = setup();
		throttle.push(1);
		throttle.reset();
		clock.advance(10);
		throttle.push(2);
		expect(sent).toHaveLength(1);
		clock.advance(40);
		expect(sent.at(-1)).toEqual({ value: 2, at: 50 });
	});
});
