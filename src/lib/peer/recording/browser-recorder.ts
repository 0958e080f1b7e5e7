/**
 * One segment's MediaRecorder: the composed picture and the mixed voices in one WebM, a chunk
 * (and a key frame) every few seconds (TIMESLICE_MS), video bounded to VIDEO_BITS_PER_SECOND.
 */
import type { RecorderFactory, SegmentRecorder } from '$lib/session/recording/controller';
import {
	AUDIO_BITS_PER_SECOND,
	TIMESLICE_MS,
	VIDEO_BITS_PER_SECOND,
	pickRecordingType
} from './recording-format';

/** What a segment records: the tracks, made (or started) when recording starts. */
export interface RecordingSource {
	tracks(): MediaStreamTrack[];
	/** The segment stopped: the picture need not be drawn until the next. */
	idle(): void;
}

export class BrowserRecorder implements SegmentRecorder {
	readonly mimeType: string;
	readonly #source: RecordingSource;
	#recorder: MediaRecorder | null = null;
	#stopped: Promise<void> | null = null;

	constructor(mimeType: string, source: RecordingSource) {
		this.mimeType = mimeType;
		this.#source = source;
	}

	start(handlers: Parameters<SegmentRecorder['start']>[0]) {
		const recorder = new MediaRecorder(new MediaStream(this.#source.tracks()), {
			mimeType: this.mimeType,
			videoBitsPerSecond: VIDEO_BITS_PER_SECOND,
			audioBitsPerSecond: AUDIO_BITS_PER_SECOND,
			// A key frame every chunk: seeking (the player starts decoding at one) and the picture
			// after a lost chunk both need one near. By default Chromium makes one at the start and
			// on a size change only. A browser without the option ignores it.
			videoKeyFrameIntervalDuration: TIMESLICE_MS
		} as MediaRecorderOptions);
		this.#recorder = recorder;
		recorder.addEventListener('dataavailable', (event) => {
			if (event.data.size > 0) handlers.chunk(event.data);
		});
		recorder.addEventListener('error', (event) => {
			const error = (event as Event & { error?: DOMException }).error;
			handlers.error(error ? `${error.name}: ${error.message}` : 'MediaRecorder error');
		});
		recorder.start(TIMESLICE_MS);
	}

	stop(): Promise<void> {
		const recorder = this.#recorder;
		if (!recorder) return Promise.resolve();
		this.#stopped ??= new Promise<void>((resolve) => {
			if (recorder.state === 'inactive') return resolve();
			// The last dataavailable comes before stop.
			recorder.addEventListener('stop', () => resolve(), { once: true });
			recorder.stop();
		}).finally(() => this.#source.idle());
		return this.#stopped;
	}
}

/** Recorders for this browser, or why it has none (the controller tells the agent at once). */
export function browserRecorders(source: RecordingSource): RecorderFactory {
	return () => {
		if (typeof MediaRecorder === 'undefined') return { unsupported: 'no MediaRecorder' };
		if (typeof HTMLCanvasElement.prototype.captureStream !== 'function') {
			return { unsupported: 'no canvas capture' };
		}
		const mimeType = pickRecordingType((type) => MediaRecorder.isTypeSupported(type));
		if (!mimeType) return { unsupported: 'no WebM recording' };
		return new BrowserRecorder(mimeType, source);
	};
}
