/**
 * The customer's camera share as the pages see it: the core's state (both sides), our own
 * camera (customer side), the customer's camera picture (agent side), and the actions.
 */
import type { CameraActivity, CameraShareState } from '$lib/session/camera';
import type { CameraFacing, CameraResult, SupportClient } from '../support-client';

export class CameraView {
	readonly #client: SupportClient;
	share: CameraShareState;
	/** Customer side: our camera while shared. */
	local = $state.raw<MediaStream | null>(null);
	/** Agent side: the customer's camera. */
	remote = $state.raw<MediaStream | null>(null);
	/** Customer side: whether the browser can share the screen, the camera at all. */
	canShareScreen = $state(false);
	canShareCamera = $state(false);
	/** Customer side: the device has another camera to switch to. */
	canSwitch = $state(false);
	activity = $state.raw<CameraActivity | null>(null);

	constructor(client: SupportClient) {
		this.#client = client;
		this.share = $state.raw(client.session.camera.state);
		if (typeof navigator !== 'undefined') {
			const capabilities = client.capabilities();
			this.canShareScreen = capabilities.screen;
			this.canShareCamera = capabilities.camera;
		}
		client.onChange(() => this.#sync());
		client.session.camera.events.on('activity', (activity) => (this.activity = activity));
		this.#sync();
	}

	#sync() {
		const client = this.#client;
		this.share = client.session.camera.state;
		this.local = client.localCamera;
		this.remote = client.remoteCameraStream;
		this.canSwitch = client.canSwitchCamera;
	}

	// The customer's actions.
	start(facing?: CameraFacing): Promise<CameraResult> {
		return this.#client.shareCamera(facing);
	}
	switch(): Promise<CameraResult> {
		return this.#client.switchCamera();
	}
	pause() {
		this.#client.pauseCamera('customer');
	}
	resume() {
		this.#client.resumeCamera();
	}
	stop() {
		return this.#client.stopCamera();
	}

	// The agent's requests.
	requestPause() {
		return this.#client.session.camera.requestPause();
	}
	requestSwitch() {
		return this.#client.session.camera.requestSwitch();
	}
}
