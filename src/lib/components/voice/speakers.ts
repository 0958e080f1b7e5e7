/**
 * Who is speaking now, for the voice controls: one SpeakingDetector per stream (the remote
 * voices, by peer ID, and our microphone), created and closed as the streams come and go.
 */
import { SvelteSet } from 'svelte/reactivity';
import { SpeakingDetector } from '$lib/peer/media/speaking';

export class Speakers {
	/** The keys (peer IDs, or 'me') whose stream is speaking now. */
	readonly speaking = new SvelteSet<string>();
	readonly #detectors = new Map<string, { stream: MediaStream; detector: SpeakingDetector }>();

	/** Follows the streams to watch: new ones get a detector, gone or replaced ones lose it. */
	watch(streams: ReadonlyMap<string, MediaStream>) {
		for (const [key, entry] of this.#detectors) {
			if (streams.get(key) !== entry.stream) this.#close(key);
		}
		for (const [key, stream] of streams) {
			if (this.#detectors.has(key)) continue;
			const detector = new SpeakingDetector(stream);
			detector.events.on('change', (speaking) => {
				if (speaking) this.speaking.add(key);
				else this.speaking.delete(key);
			});
			this.#detectors.set(key, { stream, detector });
		}
	}

	#close(key: string) {
		this.#detectors.get(key)?.detector.close();
		this.#detectors.delete(key);
		this.speaking.delete(key);
	}

	dispose() {
		for (const key of [...this.#detectors.keys()]) this.#close(key);
	}
}
