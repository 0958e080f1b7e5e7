/**
 * Freezes what a `<video>` shows as a JPEG small enough for the annotation to carry
 * (MAX_FRAME_BYTES): at the video's own size, its longer side at most 1920 px, the quality
 * lowered step by step, and the size halved if even the lowest quality is too large.
 */
import type { FrozenFrame } from '$lib/session/annotation';
import type { AnnotationSource } from '$lib/session/protocol';
import { MAX_FRAME_BYTES } from '$lib/session/protocol';

/** The longer side of a frozen frame, at most. */
export const MAX_GRAB_SIDE = 1920;
/** The JPEG qualities tried, best first. */
export const GRAB_QUALITIES = [0.85, 0.75, 0.6, 0.45, 0.3] as const;

/** The frozen frame's size for a video of `width` x `height`; null when it shows nothing yet. */
export function grabSize(
	width: number,
	height: number,
	max: number = MAX_GRAB_SIDE
): { width: number; height: number } | null {
	if (!(width > 0) || !(height > 0)) return null;
	const scale = Math.min(1, max / Math.max(width, height));
	return {
		width: Math.max(1, Math.round(width * scale)),
		height: Math.max(1, Math.round(height * scale))
	};
}

/** The first encoding (best quality first) that is at most `maxBytes`, or null. */
export async function encodeWithin(
	encode: (quality: number) => Promise<Blob | null>,
	maxBytes: number = MAX_FRAME_BYTES,
	qualities: readonly number[] = GRAB_QUALITIES
): Promise<Blob | null> {
	for (const quality of qualities) {
		const blob = await encode(quality);
		if (blob && blob.size > 0 && blob.size <= maxBytes) return blob;
	}
	return null;
}

export type GrabResult =
	{ ok: true; frame: FrozenFrame } | { ok: false; error: 'no-picture' | 'too-large' };

export async function grabFrame(
	video: HTMLVideoElement,
	source: AnnotationSource
): Promise<GrabResult> {
	let size = grabSize(video.videoWidth, video.videoHeight);
	if (!size) return { ok: false, error: 'no-picture' };
	const canvas = document.createElement('canvas');
	for (let attempt = 0; attempt < 3 && size; attempt++) {
		canvas.width = size.width;
		canvas.height = size.height;
		const context = canvas.getContext('2d');
		if (!context) return { ok: false, error: 'no-picture' };
		context.drawImage(video, 0, 0, size.width, size.height);
		const blob = await encodeWithin(
			(quality) => new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality))
		);
		if (blob) {
			const image = new Uint8Array(await blob.arrayBuffer());
			return { ok: true, frame: { source, width: size.width, height: size.height, image } };
		}
		// A picture too busy for any quality: fewer pixels.
		size = grabSize(size.width, size.height, Math.max(size.width, size.height) / 2);
	}
	return { ok: false, error: 'too-large' };
}
