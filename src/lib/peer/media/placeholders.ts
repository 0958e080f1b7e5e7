/**
 * Streams that send nothing, for calls placed ahead of the real capture: the call connects
 * with one of these, and starting only swaps the real track in (`replaceTrack`). Browser only;
 * null where the API is missing (Node, an old browser), and then the kind is called on start.
 */

/** A video track that sends nothing: a canvas that is never painted. */
export function blankCanvasStream(): MediaStream | null {
	if (typeof document === 'undefined') return null;
	const canvas = document.createElement('canvas');
	canvas.width = canvas.height = 2;
	return canvas.captureStream?.(0) ?? null;
}

/** The AudioContext behind each silent stream, closed with it. */
const audioContexts = new WeakMap<MediaStream, AudioContext>();

/**
 * An audio track that sends silence: an AudioContext's stream destination with nothing
 * connected. Made without a click, the context stays suspended (autoplay policy) and its track
 * carries no samples, which is all a placeholder has to do.
 */
export function silentAudioStream(): MediaStream | null {
	if (typeof AudioContext === 'undefined') return null;
	try {
		const context = new AudioContext();
		const stream = context.createMediaStreamDestination().stream;
		audioContexts.set(stream, context);
		return stream;
	} catch {
		return null;
	}
}

/** Stops a silent stream's track and closes its AudioContext. */
export function releaseSilentAudio(stream: MediaStream) {
	stream.getTracks().forEach((track) => track.stop());
	const context = audioContexts.get(stream);
	audioContexts.delete(stream);
	if (context && context.state !== 'closed') void context.close().catch(() => {});
}
