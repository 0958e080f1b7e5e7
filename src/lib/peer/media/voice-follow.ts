/**
 * The microphone follows the voice call: on while we are in it, muted when we mute, sent only
 * to the peers in the call with us, off when we leave. If the microphone cannot be had (the
 * browser or the user refuses it), we leave the call again and the page is told why.
 */
import type { CaptureFailure } from '$lib/session/capture-failure';
import type { VoiceCall } from '$lib/session/voice';

/** What the voice call needs of the peer client's media. */
export interface VoiceMedia {
	readonly microphone: MediaStream | null;
	startMicrophone(): Promise<{ ok: true } | { ok: false; error: string }>;
	stopMicrophone(): Promise<void> | void;
	setMicrophoneMuted(muted: boolean): void;
	setVoiceRecipients(peerIds: ReadonlySet<string> | null): void;
}

export type MicrophoneFailure = CaptureFailure | 'disabled' | 'ended' | string;

export function followVoice(
	voice: Pick<VoiceCall, 'events' | 'joined' | 'state' | 'audiblePeers' | 'hangUp'>,
	media: VoiceMedia,
	onFailure: (reason: MicrophoneFailure) => void
): () => void {
	let starting: Promise<void> | null = null;
	let closed = false;

	const apply = () => {
		if (closed) return;
		if (voice.joined) {
			if (!media.microphone && !starting) {
				starting = media.startMicrophone().then((result) => {
					starting = null;
					if (!result.ok) {
						// Without a microphone we would only listen while the others think we talk.
						voice.hangUp();
						onFailure(result.error);
						return;
					}
					// We may have left while the browser asked for the microphone.
					apply();
				});
				return;
			}
			if (starting) return;
			media.setMicrophoneMuted(voice.state.muted);
			media.setVoiceRecipients(voice.audiblePeers);
		} else {
			media.setVoiceRecipients(new Set());
			if (media.microphone && !starting) void media.stopMicrophone();
		}
	};

	const off = voice.events.on('change', apply);
	return () => {
		closed = true;
		off();
	};
}
