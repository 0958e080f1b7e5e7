/**
 * Who is speaking: the level of a voice stream, read from an AnalyserNode about ten times a
 * second, turned into a steady yes/no. A voice must stay above the threshold for a moment
 * (attack) to count, and below half of it for longer (hold) to stop counting, so the indicator
 * neither blinks on a click nor flickers between words. The audio graph and the clock are
 * injected: tested in Node with a fake analyser and a hand-driven tick.
 *
 * Chromium feeds a remote WebRTC stream into Web Audio only while the stream also plays in a
 * media element: the view plays each remote voice in an <audio> anyway.
 */
import { Emitter } from '$lib/session/emitter';

/** What we read of an AnalyserNode. */
export type LevelAnalyser = Pick<AnalyserNode, 'fftSize'> &
	Partial<Pick<AnalyserNode, 'getFloatTimeDomainData' | 'getByteTimeDomainData'>>;

/** An analyser fed by a stream, and how to take the graph down. */
export interface StreamAnalyser {
	analyser: LevelAnalyser;
	close(): void;
}

const buffers = new WeakMap<LevelAnalyser, Float32Array<ArrayBuffer> | Uint8Array<ArrayBuffer>>();

/**
 * The RMS level of the analyser's current time-domain window, 0 (silence) to 1 (full scale).
 * Float samples where the browser has them, else bytes (128 is zero).
 */
export function audioLevel(analyser: LevelAnalyser): number {
	const size = analyser.fftSize;
	if (size <= 0) return 0;
	let sum = 0;
	if (analyser.getFloatTimeDomainData) {
		let samples = buffers.get(analyser);
		if (!(samples instanceof Float32Array) || samples.length !== size) {
			samples = new Float32Array(size);
			buffers.set(analyser, samples);
		}
		analyser.getFloatTimeDomainData(samples);
		for (const sample of samples) sum += sample * sample;
	} else if (analyser.getByteTimeDomainData) {
		let samples = buffers.get(analyser);
		if (!(samples instanceof Uint8Array) || samples.length !== size) {
			samples = new Uint8Array(size);
			buffers.set(analyser, samples);
		}
		analyser.getByteTimeDomainData(samples);
		for (const byte of samples) sum += ((byte - 128) / 128) ** 2;
	} else {
		return 0;
	}
	return Math.sqrt(sum / size);
}

/** Runs `tick` every `ms`; returns how to stop. */
export type Scheduler = (ms: number, tick: () => void) => () => void;

const intervalScheduler: Scheduler = (ms, tick) => {
	const timer = setInterval(tick, ms);
	return () => clearInterval(timer);
};

/** An analyser on its own AudioContext (closed with it). */
export function streamAnalyser(stream: MediaStream): StreamAnalyser {
	const context = new AudioContext();
	const source = context.createMediaStreamSource(stream);
	const analyser = context.createAnalyser();
	analyser.fftSize = 1024;
	source.connect(analyser);
	return {
		analyser,
		close() {
			source.disconnect();
			void context.close().catch(() => {});
		}
	};
}

export interface SpeakingOptions {
	/** Builds the analyser for the stream (default: an AudioContext of its own). */
	analyser?: (stream: MediaStream) => StreamAnalyser;
	scheduler?: Scheduler;
	/** How often the level is read. */
	intervalMs?: number;
	/** RMS level that counts as a voice (0.02 ≈ −34 dBFS: speech at arm's length, not a fan). */
	threshold?: number;
	/** How long the level must stay above the threshold before speaking starts. */
	attackMs?: number;
	/** How long it must stay below half the threshold before speaking stops. */
	holdMs?: number;
}

export class SpeakingDetector {
	readonly events = new Emitter<{ change: [speaking: boolean] }>();
	readonly #graph: StreamAnalyser;
	readonly #stop: () => void;
	readonly #intervalMs: number;
	readonly #threshold: number;
	readonly #attackMs: number;
	readonly #holdMs: number;
	#speaking = false;
	#level = 0;
	#aboveMs = 0;
	#belowMs = 0;
	#closed = false;

	constructor(stream: MediaStream, options: SpeakingOptions = {}) {
		this.#intervalMs = options.intervalMs ?? 100;
		this.#threshold = options.threshold ?? 0.02;
		this.#attackMs = options.attackMs ?? 100;
		this.#holdMs = options.holdMs ?? 500;
		this.#graph = (options.analyser ?? streamAnalyser)(stream);
		this.#stop = (options.scheduler ?? intervalScheduler)(this.#intervalMs, () => this.#tick());
	}

	get speaking(): boolean {
		return this.#speaking;
	}

	/** The last level read, 0 to 1 (for a level meter). */
	get level(): number {
		return this.#level;
	}

	#tick() {
		if (this.#closed) return;
		this.#level = audioLevel(this.#graph.analyser);
		const loud = this.#level >= (this.#speaking ? this.#threshold / 2 : this.#threshold);
		if (loud) {
			this.#aboveMs += this.#intervalMs;
			this.#belowMs = 0;
			if (!this.#speaking && this.#aboveMs >= this.#attackMs) this.#set(true);
		} else {
			this.#belowMs += this.#intervalMs;
			this.#aboveMs = 0;
			if (this.#speaking && this.#belowMs >= this.#holdMs) this.#set(false);
		}
	}

	#set(speaking: boolean) {
		this.#speaking = speaking;
		this.events.emit('change', speaking);
	}

	/** Stops reading and takes the audio graph down; a speaker still shown stops being one. */
	close() {
		if (this.#closed) return;
		this.#closed = true;
		this.#stop();
		this.#graph.close();
		if (this.#speaking) this.#set(false);
	}
}
