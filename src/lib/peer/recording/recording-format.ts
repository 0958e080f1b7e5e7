/**
 * What the recorder records, and how: WebM (the server takes nothing else; its player fixes
 * the cues and duration of exactly this container), VP8 and Opus where the browser has them.
 * VP8 before VP9: it encodes in about half the CPU time on the agent's machine, which is also
 * decoding the customer's screen, and at 1.5 Mbit/s the difference in picture is small.
 */

export const RECORDING_TYPES = [
	'video/webm;codecs=vp8,opus',
	'video/webm;codecs=vp9,opus',
	'video/webm;codecs=vp8',
	'video/webm'
] as const;

/** The bound the issue sets: at most 1.5 Mbit/s of video, at 1080p too. */
export const VIDEO_BITS_PER_SECOND = 1_500_000;
/** Voices, mixed: Opus is clear speech well below this. */
export const AUDIO_BITS_PER_SECOND = 64_000;
/** A chunk every 3 s: what a closed tab or a server restart can lose is at most this much. */
export const TIMESLICE_MS = 3_000;

/** The largest picture recorded (a bigger screen is scaled down to fit). */
export const MAX_RECORDING_SIZE = { width: 1920, height: 1080 } as const;

/** The first of RECORDING_TYPES this browser records, or null. */
export function pickRecordingType(isTypeSupported: (type: string) => boolean): string | null {
	for (const type of RECORDING_TYPES) {
		try {
			if (isTypeSupported(type)) return type;
		} catch {
			// A browser that throws for a type it does not know: try the next.
		}
	}
	return null;
}

/**
 * The recorded picture's size for a source of `width` x `height`: the same shape, no larger
 * than `max`, and even on both sides (VP8 encoders want whole 2x2 blocks).
 */
export function recordingSize(
	width: number,
	height: number,
	max: { width: number; height: number } = MAX_RECORDING_SIZE
): { width: number; height: number } {
	if (!(width > 0) || !(height > 0)) return { width: 1280, height: 720 };
	const scale = Math.min(1, max.width / width, max.height / height);
	const even = (n: number) => Math.max(2, Math.round((n * scale) / 2) * 2);
	return { width: even(width), height: even(height) };
}

/** Where a `source`-sized picture goes inside `target`, whole and centred (object-fit: contain). */
export function containRect(
	source: { width: number; height: number },
	target: { width: number; height: number }
): { x: number; y: number; width: number; height: number } {
	if (!(source.width > 0) || !(source.height > 0)) return { x: 0, y: 0, ...target };
	const scale = Math.min(target.width / source.width, target.height / source.height);
	const width = source.width * scale;
	const height = source.height * scale;
	return { x: (target.width - width) / 2, y: (target.height - height) / 2, width, height };
}
