/** How the voice call's news and the microphone's failures read. */
import { m } from '$lib/paraglide/messages';
import type { MicrophoneFailure } from '$lib/peer/media/voice-follow';
import type { VoiceActivity } from '$lib/session/voice';

/** Why we could not join the call, or null when there is nothing to tell. */
export function microphoneFailureText(reason: MicrophoneFailure): string | null {
	switch (reason) {
		case 'cancelled':
			return m.voice_mic_denied();
		case 'system-permission':
			return m.voice_mic_system();
		case 'policy':
			return m.voice_mic_policy();
		case 'no-source':
			return m.voice_mic_none();
		case 'busy':
			return m.voice_mic_busy();
		case 'unsupported':
			return m.voice_mic_unsupported();
		case 'insecure':
			return m.voice_mic_insecure();
		case 'disabled':
			return m.voice_mic_disabled();
		// The session ended meanwhile: the page says so already.
		case 'ended':
			return null;
		default:
			return m.voice_mic_failed();
	}
}

/**
 * What the live region says about something that happened in the call. Someone else's new call
 * is said by the ringing notice instead, and our own clicks by the buttons that change.
 */
export function voiceNews(activity: VoiceActivity): string {
	const { kind, name, mine } = activity;
	if (mine) {
		switch (kind) {
			case 'started':
				return m.voice_calling_out();
			case 'joined':
				return m.voice_news_connected();
			case 'left':
				return m.voice_news_left();
			case 'ended':
				return m.voice_news_ended();
			case 'muted':
				return m.voice_news_you_muted();
			case 'unmuted':
				return m.voice_news_you_unmuted();
			default:
				return '';
		}
	}
	switch (kind) {
		case 'joined':
			return m.voice_news_joined({ name });
		case 'declined':
			return m.voice_news_declined({ name });
		case 'left':
			return m.voice_news_left_other({ name });
		case 'muted':
			return m.voice_news_muted({ name });
		case 'unmuted':
			return m.voice_news_unmuted({ name });
		case 'ended':
			return m.voice_news_ended();
		default:
			return '';
	}
}
