/**
 * The agent's side of the recording, for the viewer: the RecordingController fed by the
 * session (features, the customer told, an agent gone), the composer drawing what the viewer
 * shows, the voices mixed, and the state the page renders (the indicator, the alert).
 */
import type { AgentSessionServer } from '$lib/peer/session-server';
import type { SessionView } from '$lib/peer/session-view.svelte';
import { browserRecorders } from '$lib/peer/recording/browser-recorder';
import { ViewComposer, type ComposedPicture } from '$lib/peer/recording/composer';
import { idbChunkStore } from '$lib/peer/recording/idb-chunk-store';
import { VoiceMix } from '$lib/peer/recording/voice-mix';
import type { ChunkStore } from '$lib/session/recording/chunk-store';
import { memoryChunkStore } from '$lib/session/recording/chunk-store';
import { RecordingController, type RecordingState } from '$lib/session/recording/controller';
import { RecordingUploader } from '$lib/session/recording/uploader';
import { paintMarks } from '$lib/components/annotation/compose';

export interface AgentRecordingOptions {
	view: SessionView;
	server: AgentSessionServer;
	sessionId: string;
	/** This agent owned the session when the page loaded. */
	owner: boolean;
	store?: ChunkStore;
}

/** What the agent is told when forced recording cannot run (worded by the page). */
export type RecordingTrouble =
	| { kind: 'failed'; reason: Extract<RecordingState, { kind: 'failed' }>['reason'] }
	| { kind: 'uploads-failing' };

export class AgentRecording {
	state = $state.raw<RecordingState>({ kind: 'off' });
	uploadsFailing = $state(false);

	readonly #view: SessionView;
	readonly #controller: RecordingController;
	#composer: ViewComposer | null = null;
	#mix: VoiceMix | null = null;
	#picture: ComposedPicture = { kind: 'nothing', text: '' };
	/** The running segment records the voices (the audio context ran when it started). */
	#segmentHasVoices = false;
	readonly #off: (() => void)[] = [];
	#ended = false;

	constructor(options: AgentRecordingOptions) {
		this.#view = options.view;
		const client = options.view.client;
		let store = options.store;
		if (!store) {
			store = typeof indexedDB === 'undefined' ? memoryChunkStore() : idbChunkStore();
		}
		const uploader = new RecordingUploader({
			server: options.server,
			store,
			sessionId: options.sessionId
		});
		this.#controller = new RecordingController({
			server: options.server,
			uploader,
			recorder: browserRecorders({
				tracks: () => this.#tracks(),
				idle: () => this.#composer?.stop()
			}),
			conditions: { record: client.features.record, owner: options.owner }
		});
	}

	/** What the agent must be told, if anything. */
	get trouble(): RecordingTrouble | null {
		if (this.state.kind === 'failed') return { kind: 'failed', reason: this.state.reason };
		if (this.uploadsFailing && this.state.kind === 'recording') return { kind: 'uploads-failing' };
		return null;
	}

	/** Takes over what a previous page left, and follows the session from now on. */
	start() {
		const client = this.#view.client;
		const controller = this.#controller;
		const session = client.session;
		this.#off.push(
			controller.events.on('change', () => {
				this.state = controller.state;
				this.uploadsFailing = controller.uploadsFailing;
				session.recording.setRecording(controller.recording);
			}),
			client.onChange(() => this.#follow()),
			session.recording.events.on('agent-gone', () => controller.agentGone())
		);
		void controller.start().then(() => this.#follow());
	}

	/** What the viewer shows now (the composer draws the same). */
	show(picture: ComposedPicture) {
		this.#picture = picture;
		this.#composer?.show(picture);
	}

	/** Before handing over or leaving: our segment ends and reaches the server first. */
	stepDown() {
		return this.#controller.stepDown();
	}

	/** The hand-over failed: we own the session still. */
	stayed() {
		this.#controller.stayed();
	}

	/** Before we end the session: the last chunks go while the server still takes them. */
	sessionEnded() {
		this.#ended = true;
		return this.#controller.sessionEnded();
	}

	dispose() {
		for (const off of this.#off) off();
		this.#controller.dispose();
		this.#composer?.dispose();
		this.#mix?.close();
		this.#view.client.session.recording.setRecording(false);
	}

	#follow() {
		const client = this.#view.client;
		const session = client.session;
		if (session.state.status === 'ended') {
			if (!this.#ended) {
				this.#ended = true;
				void this.#controller.sessionEnded();
			}
			return;
		}
		this.#controller.update({ record: client.features.record });
		if (session.recording.customerTold) this.#controller.customerTold();
		this.#mixVoices();
	}

	/** The voices we hear (the peers in the call with us) and our microphone while in it. */
	#mixVoices() {
		if (!this.#mix) return;
		const voice = this.#view.voice;
		const streams = [...voice.voices.values()];
		if (voice.microphone) streams.push(voice.microphone);
		this.#mix.setStreams(streams);
	}

	/** The tracks a segment records, made on the first one. */
	#tracks(): MediaStreamTrack[] {
		this.#composer ??= new ViewComposer({ paintMarks });
		this.#composer.show(this.#picture);
		this.#composer.start();
		this.#mix ??= new VoiceMix(() => {
			// Voices can be recorded now: the next segment has them.
			if (!this.#segmentHasVoices) void this.#controller.restart();
		});
		this.#mixVoices();
		this.#segmentHasVoices = this.#mix.running;
		return this.#segmentHasVoices
			? [this.#composer.track, this.#mix.track]
			: [this.#composer.track];
	}
}
