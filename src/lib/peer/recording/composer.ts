/**
 * The picture the recording records: one canvas the size of what the agent's viewer shows (the
 * customer's screen or camera, capped at 1920x1080), the frozen frame with the marks while the
 * agent annotates, and a plain "not sharing" frame when nothing is shared. One canvas for the
 * whole segment means one continuous file with every switch and annotation in it, at the cost
 * of one canvas draw per frame.
 *
 * A video is drawn on each of its frames (requestVideoFrameCallback); a slow timer draws too
 * when no frame came, because a background tab gets no frame callbacks (timers still run there,
 * once a second) and the recording must go on while the agent looks at another tab.
 */
import type { Mark } from '$lib/session/marks';
import { containRect, recordingSize } from './recording-format';

export type ComposedPicture =
	/** The customer's screen or camera. */
	| { kind: 'video'; stream: MediaStream }
	/** The frozen frame (a JPEG; null if it did not arrive) with the marks on it. */
	| {
			kind: 'annotation';
			id: string;
			frame: Uint8Array | null;
			width: number;
			height: number;
			marks: readonly Mark[];
	  }
	/** Nothing is shared: this sentence, on a plain frame. */
	| { kind: 'nothing'; text: string };

/** Paints marks on a context the frame's size (the annotation's own renderer). */
export type MarksPainter = (
	context: CanvasRenderingContext2D,
	marks: readonly Mark[],
	width: number,
	height: number
) => void;

export interface ViewComposerOptions {
	paintMarks: MarksPainter;
	/** A frame is drawn at least this often when the source gave none (a still picture, a hidden tab). */
	idleFrameMs?: number;
	/** Frames per second the canvas stream carries at most. */
	frameRate?: number;
}

/**
 * What a support recording needs to show what happened (screens change in steps; a camera
 * moves, but a dispute is settled at this rate too). The encoder of a 1080p canvas in software
 * keeps up with it beside the live session on a small machine; at 30 it dropped frames unevenly.
 */
export const RECORDING_FRAME_RATE = 15;

const BACKGROUND = '#0f172a';
const NOTHING_BACKGROUND = '#334155';
const NOTHING_TEXT = '#e2e8f0';

type VideoWithFrames = HTMLVideoElement & {
	requestVideoFrameCallback?: (callback: (now: number) => void) => number;
	cancelVideoFrameCallback?: (handle: number) => void;
};

export class ViewComposer {
	readonly canvas: HTMLCanvasElement;
	readonly #context: CanvasRenderingContext2D;
	readonly #paintMarks: MarksPainter;
	readonly #idleFrameMs: number;
	readonly #frameRate: number;
	#stream: MediaStream | null = null;
	#picture: ComposedPicture = { kind: 'nothing', text: '' };
	/** Our own video element for the source: the viewer's may be hidden or replaced. */
	readonly #video: VideoWithFrames;
	#frameHandle: number | null = null;
	#timer: ReturnType<typeof setInterval> | null = null;
	#lastDraw = 0;
	#running = false;
	/** The annotation's frame, decoded once per annotation. */
	#frozen: { id: string; bitmap: ImageBitmap | null } | null = null;

	constructor(options: ViewComposerOptions) {
		this.#paintMarks = options.paintMarks;
		this.#idleFrameMs = options.idleFrameMs ?? 250;
		this.#frameRate = options.frameRate ?? RECORDING_FRAME_RATE;
		this.canvas = document.createElement('canvas');
		const size = recordingSize(0, 0);
		this.canvas.width = size.width;
		this.canvas.height = size.height;
		const context = this.canvas.getContext('2d', { alpha: false });
		if (!context) throw new Error('no 2D canvas');
		this.#context = context;
		this.#video = document.createElement('video');
		this.#video.muted = true;
		this.#video.playsInline = true;
		this.#video.addEventListener('resize', () => this.#fitTo(this.#video));
	}

	/** The composed picture as a video track (the recorder records it). */
	get track(): MediaStreamTrack {
		this.#stream ??= this.canvas.captureStream(this.#frameRate);
		return this.#stream.getVideoTracks()[0];
	}

	/** What to draw from now on. */
	show(picture: ComposedPicture) {
		const before = this.#picture;
		this.#picture = picture;
		if (picture.kind === 'video') {
			if (this.#video.srcObject !== picture.stream) {
				this.#video.srcObject = picture.stream;
				if (this.#running) {
					void this.#video.play().catch(() => {});
					// Asked anew for the new source, not left to one asked of the previous.
					this.#watchFrames(true);
				}
			}
			this.#fitTo(this.#video);
		} else if (before.kind === 'video') {
			this.#video.srcObject = null;
		}
		if (picture.kind === 'annotation') {
			this.#resize(recordingSize(picture.width, picture.height));
			if (this.#frozen?.id !== picture.id) this.#decodeFrame(picture);
		}
		if (this.#running) this.#draw();
	}

	/** Draws from now on (while recording). */
	start() {
		if (this.#running) return;
		this.#running = true;
		if (this.#video.srcObject) void this.#video.play().catch(() => {});
		this.#watchFrames();
		this.#timer = setInterval(() => {
			if (performance.now() - this.#lastDraw >= this.#idleFrameMs - 5) this.#draw();
			this.#watchFrames();
		}, this.#idleFrameMs);
		this.#draw();
	}

	/** Stops drawing (no segment records). */
	stop() {
		this.#running = false;
		if (this.#timer) clearInterval(this.#timer);
		this.#timer = null;
		if (this.#frameHandle !== null) this.#video.cancelVideoFrameCallback?.(this.#frameHandle);
		this.#frameHandle = null;
		this.#video.pause();
	}

	dispose() {
		this.stop();
		this.#video.srcObject = null;
		this.#stream?.getTracks().forEach((track) => track.stop());
		this.#frozen?.bitmap?.close();
		this.#frozen = null;
	}

	/** Draws on the source's next frame, and each after it; `again`: asks anew (a new source). */
	#watchFrames(again = false) {
		const video = this.#video;
		if (!video.requestVideoFrameCallback || !this.#running || !video.srcObject) return;
		if (this.#frameHandle !== null) {
			if (!again) return;
			video.cancelVideoFrameCallback?.(this.#frameHandle);
		}
		this.#frameHandle = video.requestVideoFrameCallback((now) => {
			this.#frameHandle = null;
			if (!this.#running) return;
			// A source faster than the recording is drawn at the recording's rate, not its own.
			const due = now - this.#lastDraw >= 1000 / this.#frameRate - 4;
			if (this.#picture.kind === 'video' && due) this.#draw();
			this.#watchFrames();
		});
	}

	#fitTo(video: HTMLVideoElement) {
		if (this.#picture.kind !== 'video' || video.videoWidth === 0) return;
		this.#resize(recordingSize(video.videoWidth, video.videoHeight));
	}

	#resize(size: { width: number; height: number }) {
		if (this.canvas.width === size.width && this.canvas.height === size.height) return;
		this.canvas.width = size.width;
		this.canvas.height = size.height;
	}

	#decodeFrame(picture: Extract<ComposedPicture, { kind: 'annotation' }>) {
		this.#frozen?.bitmap?.close();
		const frozen: { id: string; bitmap: ImageBitmap | null } = { id: picture.id, bitmap: null };
		this.#frozen = frozen;
		if (!picture.frame) return;
		const blob = new Blob([picture.frame as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' });
		void createImageBitmap(blob)
			.then((bitmap) => {
				if (this.#frozen !== frozen) return bitmap.close();
				frozen.bitmap = bitmap;
				if (this.#running) this.#draw();
			})
			.catch(() => {
				// A frame that does not decode: the marks show on their own, as the customer saw.
			});
	}

	#draw() {
		this.#lastDraw = performance.now();
		const context = this.#context;
		const { width, height } = this.canvas;
		const picture = this.#picture;
		if (picture.kind === 'video') {
			context.fillStyle = BACKGROUND;
			context.fillRect(0, 0, width, height);
			const video = this.#video;
			if (video.readyState >= 2 && video.videoWidth > 0) {
				const box = containRect(
					{ width: video.videoWidth, height: video.videoHeight },
					{ width, height }
				);
				context.drawImage(video, box.x, box.y, box.width, box.height);
			}
			return;
		}
		if (picture.kind === 'annotation') {
			context.fillStyle = NOTHING_BACKGROUND;
			context.fillRect(0, 0, width, height);
			const bitmap = this.#frozen?.id === picture.id ? this.#frozen.bitmap : null;
			if (bitmap) context.drawImage(bitmap, 0, 0, width, height);
			// The marks are in the frame's pixels: scaled with it when the frame was capped.
			context.save();
			context.scale(width / picture.width, height / picture.height);
			this.#paintMarks(context, picture.marks, picture.width, picture.height);
			context.restore();
			return;
		}
		context.fillStyle = NOTHING_BACKGROUND;
		context.fillRect(0, 0, width, height);
		context.fillStyle = NOTHING_TEXT;
		context.font = `600 ${Math.round(height / 24)}px system-ui, sans-serif`;
		context.textAlign = 'center';
		context.textBaseline = 'middle';
		context.fillText(picture.text, width / 2, height / 2, width * 0.9);
	}
}
