/**
 * The voice call as the pages see it: the core's call state, our microphone, and the voices
 * we hear (only the peers in the call with us), mirrored as runes on every change.
 */
import type { VoiceActivity, VoiceCallState } from '$lib/session/voice';
import type { MicrophoneFailure } from '../media/voice-follow';
import type { SupportClient } from '../support-client';

export class VoiceView {
	readonly #client: SupportClient;
	call: VoiceCallState;
	/** The session allows voice (the group's Voice setting). */
	available = $state(false);
	/** Our captured microphone while in the call. */
	microphone = $state.raw<MediaStream | null>(null);
	/** Why we could not join (the microphone was refused, or there is none). */
	failure = $state<MicrophoneFailure | null>(null);
	/** The voices to play: the peers in the call with us, by peer ID. */
	// eslint-disable-next-line svelte/prefer-svelte-reactivity -- replaced whole, never mutated
	voices = $state.raw<ReadonlyMap<string, MediaStream>>(new Map());
	/** The last thing that happened, for the live region. */
	activity = $state.raw<VoiceActivity | null>(null);

	constructor(client: SupportClient) {
		this.#client = client;
		this.call = $state.raw(client.session.voice.state);
		client.onChange(() => this.#sync());
		client.session.voice.events.on('activity', (activity) => (this.activity = activity));
		this.#sync();
	}

	#sync() {
		const client = this.#client;
		const voice = client.session.voice;
		this.call = voice.state;
		this.available = voice.available;
		this.microphone = client.microphone;
		this.failure = client.microphoneFailure;
		const audible = voice.audiblePeers;
		// eslint-disable-next-line svelte/prefer-svelte-reactivity -- replaced whole, never mutated
		const voices: ReadonlyMap<string, MediaStream> = new Map(
			[...client.remoteVoices].filter(([peerId]) => audible.has(peerId))
		);
		if (!sameVoices(this.voices, voices)) this.voices = voices;
	}

	/** Starts a call, or joins the one going on (the microphone is asked for on this click). */
	start() {
		return this.#client.session.voice.start();
	}
	answer() {
		return this.#client.session.voice.answer();
	}
	decline() {
		return this.#client.session.voice.decline();
	}
	hangUp() {
		return this.#client.session.voice.hangUp();
	}
	setMuted(muted: boolean) {
		return this.#client.session.voice.setMuted(muted);
	}
}

function sameVoices(a: ReadonlyMap<string, MediaStream>, b: ReadonlyMap<string, MediaStream>) {
	if (a.size !== b.size) return false;
	for (const [id, stream] of a) if (b.get(id) !== stream) return false;
	return true;
}
