/**
 * Every voice heard in the session, mixed into one audio track for the recording: the voices
 * of the peers in the call with us and our own microphone while we are in it, each a source in
 * one AudioContext, summed into a MediaStreamAudioDestinationNode. Chromium feeds a remote
 * WebRTC stream into Web Audio only while the stream also plays in a media element: the view
 * plays each remote voice in an <audio> anyway. A muted microphone sends silence, recorded as
 * silence.
 *
 * Measured in Chromium: a destination with nothing connected, or in a suspended context,
 * carries no samples, and a MediaRecorder with that track waits for audio and makes no chunk
 * at all. So a silent source is always connected, and while the context is suspended (made
 * without a click, the autoplay policy) the recording takes the picture alone: `onRunning`
 * says when voices can be recorded.
 */

export class VoiceMix {
	readonly #context: AudioContext;
	readonly #destination: MediaStreamAudioDestinationNode;
	readonly #sources = new Map<MediaStream, MediaStreamAudioSourceNode>();
	readonly #resumeOnGesture = () => void this.resume();
	readonly #onRunning: () => void;

	constructor(onRunning: () => void = () => {}) {
		this.#onRunning = onRunning;
		this.#context = new AudioContext();
		this.#destination = this.#context.createMediaStreamDestination();
		const silence = this.#context.createConstantSource();
		silence.offset.value = 0;
		silence.connect(this.#destination);
		silence.start();
		this.#context.addEventListener('statechange', () => {
			if (this.running) this.#onRunning();
		});
		// Made without a click the context may start suspended (autoplay policy), and a
		// suspended context records silence: the agent's next click or key starts it.
		if (this.#context.state !== 'running') {
			void this.resume();
			for (const type of ['pointerdown', 'keydown'] as const) {
				window.addEventListener(type, this.#resumeOnGesture, { capture: true });
			}
		}
	}

	/** The mixed voices (silence while nobody talks); carries nothing while not `running`. */
	get track(): MediaStreamTrack {
		return this.#destination.stream.getAudioTracks()[0];
	}

	/** The context runs (a suspended one records silence). */
	get running(): boolean {
		return this.#context.state === 'running';
	}

	async resume() {
		try {
			await this.#context.resume();
		} catch {
			// Not allowed yet: the next gesture tries again.
		}
		if (this.running) this.#stopListening();
	}

	/** Mixes exactly these streams from now on (a voice that left is taken out). */
	setStreams(streams: Iterable<MediaStream>) {
		const wanted = new Set([...streams].filter((s) => s.getAudioTracks().length > 0));
		for (const [stream, source] of this.#sources) {
			if (wanted.has(stream)) continue;
			source.disconnect();
			this.#sources.delete(stream);
		}
		for (const stream of wanted) {
			if (this.#sources.has(stream)) continue;
			try {
				const source = this.#context.createMediaStreamSource(stream);
				source.connect(this.#destination);
				this.#sources.set(stream, source);
			} catch {
				// A stream whose audio track ended meanwhile: nothing to mix.
			}
		}
	}

	close() {
		this.#stopListening();
		for (const source of this.#sources.values()) source.disconnect();
		this.#sources.clear();
		this.track.stop();
		if (this.#context.state !== 'closed') void this.#context.close().catch(() => {});
	}

	#stopListening() {
		for (const type of ['pointerdown', 'keydown'] as const) {
			window.removeEventListener(type, this.#resumeOnGesture, { capture: true });
		}
	}
}
