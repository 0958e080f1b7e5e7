/**
 * Our microphone in a voice call: captured on request, sent through the voice sender (its
 * calls are placed ahead, so starting is a track swap), muted by disabling the track (the call
 * stays and carries silence), stopped when the user hangs up, the session forbids voice or the
 * browser ends the capture. Which peers hear it is set from outside (the core's call state).
 */
import type { CaptureFailure } from '$lib/session/capture-failure';
import { captureMicrophone, type CaptureResult } from './capture';
import type { MediaSender } from './media-sender';

export type MicrophoneResult =
	{ ok: true } | { ok: false; error: 'disabled' | 'ended' | CaptureFailure };

export interface VoiceMediaOptions {
	/** The voice sender (null: this client does not send voice). */
	sender: Pick<MediaSender, 'start' | 'stop' | 'setRecipients'> | null;
	/** Whether the session allows voice now. */
	allowed(): boolean;
	ended(): boolean;
	capture?(): Promise<CaptureResult>;
	/** Told on every change of what this holds (the client's 'change'). */
	changed(): void;
}

export class VoiceMedia {
	readonly #options: VoiceMediaOptions;
	#stream: MediaStream | null = null;
	#muted = false;
	#starting: Promise<MicrophoneResult> | null = null;
	/** Counts stops: a capture that resolves after one is dropped, not sent. */
	#generation = 0;

	constructor(options: VoiceMediaOptions) {
		this.#options = options;
	}

	/** The microphone we send, while on. */
	get stream(): MediaStream | null {
		return this.#stream;
	}

	get muted(): boolean {
		return this.#muted;
	}

	/** Captures the microphone and sends it (the same result to calls made while it starts). */
	start(): Promise<MicrophoneResult> {
		this.#starting ??= this.#start().finally(() => (this.#starting = null));
		return this.#starting;
	}

	async #start(): Promise<MicrophoneResult> {
		const { sender, allowed, ended } = this.#options;
		if (ended()) return { ok: false, error: 'ended' };
		if (!sender || !allowed()) return { ok: false, error: 'disabled' };
		if (this.#stream) return { ok: true };
		const generation = this.#generation;
		const captured = await (this.#options.capture ?? captureMicrophone)();
		if (!captured.ok) {
			this.#options.changed();
			return captured;
		}
		const { stream } = captured;
		// Stopped while the browser asked ('aborted'), or the session changed meanwhile.
		const refused = ended()
			? 'ended'
			: !allowed()
				? 'disabled'
				: generation !== this.#generation
					? 'aborted'
					: null;
		if (refused) {
			stream.getTracks().forEach((t) => t.stop());
			return { ok: false, error: refused };
		}
		this.#stream = stream;
		for (const track of stream.getAudioTracks()) {
			track.enabled = !this.#muted;
			// The device unplugged or the permission revoked: the call goes on without us.
			track.addEventListener('ended', () => {
				if (this.#stream === stream) void this.stop();
			});
		}
		sender.start(stream);
		this.#options.changed();
		return { ok: true };
	}

	/** Stops the microphone: the calls stay and carry silence; the next start is unmuted. */
	async stop(): Promise<void> {
		this.#generation++;
		const stream = this.#stream;
		this.#muted = false;
		if (!stream) return;
		this.#stream = null;
		await this.#options.sender?.stop();
		this.#options.changed();
	}

	/** Mutes or unmutes (the track disabled sends silence; nothing is renegotiated). */
	setMuted(muted: boolean) {
		this.#muted = muted;
		for (const track of this.#stream?.getAudioTracks() ?? []) track.enabled = !muted;
		this.#options.changed();
	}

	/** Sends the microphone only to `peerIds` (null: to every peer voice goes to). */
	setRecipients(peerIds: ReadonlySet<string> | null) {
		this.#options.sender?.setRecipients(peerIds);
	}

	/** The session ended: the sender stopped the tracks; nothing is held any more. */
	close() {
		this.#generation++;
		this.#stream = null;
		this.#muted = false;
	}
}
