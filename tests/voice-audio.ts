// Audio for the voice specs: a generated tone the fake microphone plays, and the energy of
// what a page hears, measured with an AnalyserNode on the streams its <audio> elements play.
import fs from 'node:fs';
import path from 'node:path';

/**
 * A 2 s WAV (48 kHz, 16-bit mono) that Chromium's fake microphone loops: a warbling tone with a
 * syllable-like swell, not a steady sine, so the noise suppressor (on, as in production) keeps it.
 * Chromium's own fake device only beeps now and then, which would make "silent" ambiguous.
 */
export function writeVoiceTone(file: string): string {
	const rate = 48_000;
	const samples = rate * 2;
	const data = Buffer.alloc(samples * 2);
	let phase = 0;
	for (let i = 0; i < samples; i++) {
		const t = i / rate;
		phase += (2 * Math.PI * (350 + 150 * Math.sin(2 * Math.PI * 3 * t))) / rate;
		const swell = 0.55 + 0.45 * Math.sin(2 * Math.PI * 4 * t);
		data.writeInt16LE(Math.round(0.5 * swell * Math.sin(phase) * 32767), i * 2);
	}
	const header = Buffer.alloc(44);
	header.write('RIFF', 0);
	header.writeUInt32LE(36 + data.length, 4);
	header.write('WAVEfmt ', 8);
	header.writeUInt32LE(16, 16);
	header.writeUInt16LE(1, 20); // PCM
	header.writeUInt16LE(1, 22); // mono
	header.writeUInt32LE(rate, 24);
	header.writeUInt32LE(rate * 2, 28);
	header.writeUInt16LE(2, 32);
	header.writeUInt16LE(16, 34);
	header.write('data', 36);
	header.writeUInt32LE(data.length, 40);
	fs.mkdirSync(path.dirname(file), { recursive: true });
	fs.writeFileSync(file, Buffer.concat([header, data]));
	return path.resolve(file);
}

interface Evaluator {
	evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
}

/**
 * The loudest RMS level (0–1) of the remote voices the page plays, over `windowMs`: read from
 * an AnalyserNode on each <audio data-voice-peer> element's srcObject (one graph per stream,
 * kept between calls). 0 when nothing plays.
 */
export function remoteVoiceEnergy(page: Evaluator, windowMs = 600): Promise<number> {
	return page.evaluate(async (ms: number) => {
		type Meter = { context: AudioContext; analyser: AnalyserNode };
		const w = window as unknown as {
			__voiceMeters?: Map<MediaStream, Meter>;
			__voiceContext?: AudioContext;
		};
		const meters = (w.__voiceMeters ??= new Map());
		const streams = [...document.querySelectorAll<HTMLAudioElement>('audio[data-voice-peer]')]
			.map((audio) => audio.srcObject)
			.filter((s): s is MediaStream => s instanceof MediaStream);
		const active: Meter[] = [];
		for (const stream of streams) {
			let meter = meters.get(stream);
			if (!meter) {
				const context = (w.__voiceContext ??= new AudioContext());
				const analyser = context.createAnalyser();
				analyser.fftSize = 2048;
				context.createMediaStreamSource(stream).connect(analyser);
				meter = { context, analyser };
				meters.set(stream, meter);
			}
			// Firefox may hold an AudioContext without a gesture: never wait on it for ever.
			await Promise.race([
				meter.context.resume(),
				new Promise((resolve) => setTimeout(resolve, 1000))
			]);
			active.push(meter);
		}
		if (active.length === 0) return 0;
		let loudest = 0;
		const samples = new Float32Array(2048);
		const until = performance.now() + ms;
		while (performance.now() < until) {
			for (const { analyser } of active) {
				analyser.getFloatTimeDomainData(samples);
				let sum = 0;
				for (const s of samples) sum += s * s;
				loudest = Math.max(loudest, Math.sqrt(sum / samples.length));
			}
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
		return loudest;
	}, windowMs);
}
