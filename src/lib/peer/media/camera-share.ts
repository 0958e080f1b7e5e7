/**
 * The customer's camera: captured on request, sent through the camera sender (its calls are
 * placed ahead, so sharing is a track swap), switched between the front and back cameras (or,
 * where cameras tell no facing, the next one), paused (the track disabled: the agent's picture
 * goes black, the call stays), stopped by the user or by the browser ending the capture.
 */
import type { CaptureFailure } from '$lib/session/capture-failure';
import { cameraDeviceCapture, type CameraFacing } from './camera';
import { cameraDeviceIds, captureCamera, captureUserMedia, type CaptureResult } from './capture';
import type { MediaSender } from './media-sender';

export type CameraResult =
	{ ok: true } | { ok: false; error: 'ended' | 'not-sharing' | CaptureFailure };

/** The browser's camera API (tests pass stand-ins). */
export interface CameraDevices {
	/** The camera facing `facing`, where the device tells. */
	capture(facing: CameraFacing): Promise<CaptureResult>;
	/** One camera by its device ID. */
	captureDevice(deviceId: string): Promise<CaptureResult>;
	/** The cameras' device IDs (complete once a camera was allowed). */
	deviceIds(): Promise<string[]>;
}

const browserCameras: CameraDevices = {
	capture: (facing) => captureCamera(facing),
	captureDevice: (deviceId) => captureUserMedia(cameraDeviceCapture(deviceId)),
	deviceIds: () => cameraDeviceIds()
};

export interface CameraShareOptions {
	/** The camera sender (null: this client does not send a camera, an agent). */
	sender: Pick<MediaSender, 'start' | 'stop'> | null;
	ended(): boolean;
	cameras?: CameraDevices;
	/** Told on every change of what this holds (the client's 'change'). */
	changed(): void;
}

function facingOf(track: MediaStreamTrack | undefined): CameraFacing | null {
	const facing = track?.getSettings?.().facingMode;
	return facing === 'user' || facing === 'environment' ? facing : null;
}

function deviceOf(track: MediaStreamTrack | undefined): string | null {
	return track?.getSettings?.().deviceId || null;
}

/** The camera after `current` in the list, round; null when there is no other. */
function nextCamera(ids: readonly string[], current: string | null): string | null {
	const others = ids.filter((id) => id !== '');
	if (!current || others.length < 2) return null;
	return others[(others.indexOf(current) + 1) % others.length];
}

export class CameraShare {
	readonly #options: CameraShareOptions;
	readonly #cameras: CameraDevices;
	#stream: MediaStream | null = null;
	#facing: CameraFacing | null = null;
	#paused = false;
	#several = false;
	/** One capture at a time (a share, a switch): a second request gets the first's result. */
	#busy: Promise<CameraResult> | null = null;
	#generation = 0;

	constructor(options: CameraShareOptions) {
		this.#options = options;
		this.#cameras = options.cameras ?? browserCameras;
	}

	get stream(): MediaStream | null {
		return this.#stream;
	}

	/** Which way the camera faces, if it tells (phones do; most laptop cameras do not). */
	get facing(): CameraFacing | null {
		return this.#facing;
	}

	get paused(): boolean {
		return this.#paused;
	}

	/** Whether there is another camera to switch to. */
	get canSwitch(): boolean {
		return this.#several;
	}

	get #track(): MediaStreamTrack | undefined {
		return this.#stream?.getVideoTracks()[0];
	}

	#once(task: () => Promise<CameraResult>): Promise<CameraResult> {
		this.#busy ??= task().finally(() => (this.#busy = null));
		return this.#busy;
	}

	/** Captures the camera facing `facing` (the back one unless told) and sends it. */
	share(facing: CameraFacing = 'environment'): Promise<CameraResult> {
		return this.#once(async () => {
			if (this.#options.ended()) return { ok: false, error: 'ended' };
			if (!this.#options.sender) return { ok: false, error: 'unsupported' };
			if (this.#stream) return this.#facing === facing ? { ok: true } : this.#switch(facing);
			const generation = this.#generation;
			const captured = await this.#cameras.capture(facing);
			if (captured.ok) return this.#install(captured.stream, generation);
			this.#options.changed();
			return captured;
		});
	}

	/**
	 * Switches to the other camera: the other facing, or the next camera where the device
	 * tells no facing (or answered with the same one). The current track stops first: phones
	 * cannot open a second camera while one is open. If the other cannot be opened, the one
	 * we had is opened again and the error returned.
	 */
	switch(): Promise<CameraResult> {
		return this.#once(() => {
			if (!this.#stream) return Promise.resolve({ ok: false, error: 'not-sharing' });
			return this.#switch(this.#facing === 'environment' ? 'user' : 'environment');
		});
	}

	async #switch(facing: CameraFacing): Promise<CameraResult> {
		const generation = this.#generation;
		const oldDevice = deviceOf(this.#track);
		const tellsFacing = this.#facing !== null;
		this.#stream?.getTracks().forEach((t) => t.stop());
		const next = nextCamera(await this.#cameras.deviceIds(), oldDevice);
		let captured =
			tellsFacing || !next
				? await this.#cameras.capture(facing)
				: await this.#cameras.captureDevice(next);
		if (captured.ok && next && deviceOf(captured.stream.getVideoTracks()[0]) === oldDevice) {
			// `facingMode` was ignored: the same camera again.
			captured.stream.getTracks().forEach((t) => t.stop());
			captured = await this.#cameras.captureDevice(next);
		}
		if (captured.ok) return this.#install(captured.stream, generation);
		// Back to the camera we had, so the agent keeps a picture; else nothing is shared.
		const restored = oldDevice
			? await this.#cameras.captureDevice(oldDevice)
			: await this.#cameras.capture(this.#facing ?? facing);
		const again = restored.ok ? await this.#install(restored.stream, generation) : restored;
		if (!again.ok) await this.stop();
		return { ok: false, error: captured.error };
	}

	/** Sends a new capture (swapped into the calls, no renegotiation). */
	async #install(stream: MediaStream, generation: number): Promise<CameraResult> {
		const sender = this.#options.sender;
		if (!sender || this.#options.ended() || generation !== this.#generation) {
			stream.getTracks().forEach((t) => t.stop());
			return { ok: false, error: this.#options.ended() ? 'ended' : 'aborted' };
		}
		const track = stream.getVideoTracks()[0];
		if (track) {
			track.contentHint = 'motion';
			track.enabled = !this.#paused;
			track.addEventListener('ended', () => {
				if (this.#stream === stream) void this.stop();
			});
		}
		this.#stream = stream;
		this.#facing = facingOf(track);
		sender.start(stream);
		this.#options.changed();
		// Once a camera is allowed the browser lists them all: whether to offer a switch.
		const several = (await this.#cameras.deviceIds()).length > 1;
		if (several !== this.#several && this.#stream === stream) {
			this.#several = several;
			this.#options.changed();
		}
		return { ok: true };
	}

	/** The agent's picture goes black (the track disabled); the call and the camera stay. */
	pause() {
		this.#setPaused(true);
	}

	resume() {
		this.#setPaused(false);
	}

	#setPaused(paused: boolean) {
		if (!this.#stream || this.#paused === paused) return;
		this.#paused = paused;
		for (const track of this.#stream.getVideoTracks()) track.enabled = !paused;
		this.#options.changed();
	}

	/** Stops the camera: the calls stay, blank. */
	async stop(): Promise<void> {
		this.#generation++;
		const stream = this.#stream;
		if (!stream) return;
		this.#stream = null;
		this.#facing = null;
		this.#paused = false;
		await this.#options.sender?.stop();
		this.#options.changed();
	}

	/** The session ended: the sender stopped the tracks; nothing is held any more. */
	close() {
		this.#generation++;
		this.#stream = null;
		this.#facing = null;
		this.#paused = false;
	}
}
