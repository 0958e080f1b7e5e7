/**
 * The voice kind: each side's microphone, sent by the customer and by every agent, to the
 * customer and to the other agents (in a multi-agent session they hear each other). Its calls
 * are placed ahead with silence once a peer's join is done, so answering a call only swaps the
 * microphone in; which peers get it is the core's call (the sender's recipients). Opus with
 * in-band FEC.
 */
import type { MediaKind } from './media-kind';
import { releaseSilentAudio, silentAudioStream } from './placeholders';
import { ensureOpusFec } from './sdp';

/** The voice call's wire name. */
export const VOICE_KIND = 'voice';

/** What we ask `getUserMedia` for: the microphone, cleaned up for speech. */
export const MICROPHONE_CAPTURE = {
	audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
	video: false
} satisfies MediaStreamConstraints;

export interface VoiceKindOptions {
	/** The silent stream the calls are placed ahead with (tests pass a stand-in). */
	placeholder?: () => MediaStream | null;
	releasePlaceholder?: (stream: MediaStream) => void;
}

export function voice(options: VoiceKindOptions = {}): MediaKind {
	return {
		wire: VOICE_KIND,
		track: 'audio',
		sentBy: ['customer', 'agent'],
		sendsTo: ['customer', 'agent'],
		allowed: (features) => features.voice,
		placeholder: options.placeholder ?? silentAudioStream,
		releasePlaceholder: options.releasePlaceholder ?? releaseSilentAudio,
		ahead: 'after-join',
		sdp: ensureOpusFec
	};
}
