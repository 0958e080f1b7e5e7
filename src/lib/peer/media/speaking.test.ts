import { describe, expect, it } from 'vitest';
import { fakeStream } from './media-test-fakes';
import { SpeakingDetector, audioLevel, type LevelAnalyser, type Scheduler } from './speaking';

/** An analyser whose every sample is `amplitude` (a square wave: RMS = amplitude). */
function fakeAnalyser(fftSize = 8) {
	const analyser = {
		fftSize,
		amplitude: 0,
		getFloatTimeDomainData(array: Float32Array) {
			array.fill(this.amplitude);
		}
	};
	return analyser;
}

/** A scheduler driven by hand. */
function manualScheduler() {
	let tick: (() => void) | null = null;
	let stopped = false;
	const scheduler: Scheduler = (_ms, callback) => {
		tick = callback;
		return () => (stopped = true);
	};
	return {
		scheduler,
		ticks(count: number) {
			for (let i = 0; i < count; i++) tick?.();
		},
		get stopped() {
			return stopped;
		}
	};
}

function detector(options: { threshold?: number; attackMs?: number; holdMs?: number } = {}) {
	const analyser = fakeAnalyser();
	const clock = manualScheduler();
	let closed = false;
	const speaking = new SpeakingDetector(fakeStream('audio'), {
		analyser: () => ({ analyser, close: () => (closed = true) }),
		scheduler: clock.scheduler,
		intervalMs: 100,
		...options
	});
	const changes: boolean[] = [];
	speaking.events.on('change', (value) => changes.push(value));
	return { analyser, clock, speaking, changes, closed: () => closed };
}

describe('audioLevel', () => {
	it('is the RMS of the time-domain window, from float samples', () => {
		const analyser: LevelAnalyser = {
			fftSize: 4,
			getFloatTimeDomainData: (array: Float32Array) => array.set([0.5, -0.5, 0.5, -0.5])
		};
		expect(audioLevel(analyser)).toBeCloseTo(0.5);
	});

	it('reads bytes where there are no float samples (128 is silence)', () => {
		const analyser: LevelAnalyser = {
			fftSize: 4,
			getByteTimeDomainData: (array: Uint8Array) => array.set([128, 128, 192, 64])
		};
		expect(audioLevel(analyser)).toBeCloseTo(Math.sqrt((0.25 + 0.25) / 4));
		expect(audioLevel({ fftSize: 4 })).toBe(0);
	});
});

describe('SpeakingDetector', () => {
	it('starts speaking after the attack, not on one loud tick', () => {
		const { analyser, clock, speaking, changes } = detector({ attackMs: 200 });
		analyser.amplitude = 0.1;
		clock.ticks(1);
		analyser.amplitude = 0;
		clock.ticks(1);
		expect(changes).toEqual([]);

		analyser.amplitude = 0.1;
		clock.ticks(1);
		expect(speaking.speaking).toBe(false);
		clock.ticks(1);
		expect(speaking.speaking).toBe(true);
		expect(speaking.level).toBeCloseTo(0.1);
		expect(changes).toEqual([true]);
	});

	it('holds through pauses between words, and stops after a longer silence', () => {
		const { analyser, clock, changes } = detector({ attackMs: 100, holdMs: 500 });
		analyser.amplitude = 0.1;
		clock.ticks(2);
		// A pause of 400 ms, then a word, then quiet but above half the threshold.
		analyser.amplitude = 0;
		clock.ticks(4);
		analyser.amplitude = 0.1;
		clock.ticks(1);
		analyser.amplitude = 0.012;
		clock.ticks(10);
		expect(changes).toEqual([true]);

		analyser.amplitude = 0;
		clock.ticks(4);
		expect(changes).toEqual([true]);
		clock.ticks(1);
		expect(changes).toEqual([true, false]);
	});

	it('on close, stops reading, takes the graph down and ends a speaker', () => {
		const { analyser, clock, speaking, changes, closed } = detector({ attackMs: 100 });
		analyser.amplitude = 0.5;
		clock.ticks(1);
		speaking.close();
		expect(clock.stopped).toBe(true);
		expect(closed()).toBe(true);
		expect(changes).toEqual([true, false]);
		clock.ticks(5);
		expect(changes).toEqual([true, false]);
	});
});
