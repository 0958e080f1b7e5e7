/**
 * Capturing the microphone and the camera (`getUserMedia`), with failures named as the
 * screen's are (`classifyCaptureError`: denied reads 'cancelled', no device 'no-source', plain
 * http 'insecure', a browser without it 'unsupported'), and what this browser can capture at
 * all, for the UI to offer (Safari on a phone has no `getDisplayMedia`: the camera comes first).
 */
import { classifyCaptureError, type CaptureFailure } from '$lib/session/capture-failure';
import { cameraCapture, type CameraFacing } from './camera';
import { MICROPHONE_CAPTURE } from './voice';

export type CaptureResult =
	{ ok: true; stream: MediaStream } | { ok: false; error: CaptureFailure };

/** The browser's capture API and context (tests pass stand-ins). */
export interface CaptureEnvironment {
	mediaDevices?: Partial<Pick<MediaDevices, 'getUserMedia' | 'enumerateDevices'>>;
	secureContext?: boolean;
}

function browserEnvironment(): CaptureEnvironment {
	return {
		mediaDevices: globalThis.navigator?.mediaDevices,
		secureContext: globalThis.isSecureContext
	};
}

export async function captureUserMedia(
	constraints: MediaStreamConstraints,
	environment: CaptureEnvironment = browserEnvironment()
): Promise<CaptureResult> {
	const { mediaDevices, secureContext } = environment;
	// Browsers hide `mediaDevices` outside a secure context.
	if (!mediaDevices?.getUserMedia) {
		return { ok: false, error: secureContext === false ? 'insecure' : 'unsupported' };
	}
	try {
		return { ok: true, stream: await mediaDevices.getUserMedia(constraints) };
	} catch (error) {
		return { ok: false, error: classifyCaptureError(error, { secureContext }) };
	}
}

/** The microphone, with echo cancellation, noise suppression and gain control. */
export function captureMicrophone(environment?: CaptureEnvironment): Promise<CaptureResult> {
	return captureUserMedia(MICROPHONE_CAPTURE, environment);
}

/** The camera facing `facing` (where the device tells), up to 720p at 30 fps. */
export function captureCamera(
	facing: CameraFacing,
	environment?: CaptureEnvironment
): Promise<CaptureResult> {
	return captureUserMedia(cameraCapture(facing), environment);
}

/**
 * The device IDs of the cameras. Before the user has allowed a camera, browsers list at most
 * one, without an ID: ask again after a capture.
 */
export async function cameraDeviceIds(
	environment: CaptureEnvironment = browserEnvironment()
): Promise<string[]> {
	try {
		const devices = (await environment.mediaDevices?.enumerateDevices?.()) ?? [];
		return devices.filter((d) => d.kind === 'videoinput').map((d) => d.deviceId);
	} catch {
		return [];
	}
}

/** Whether there is a camera to switch to (true answers only once a camera was allowed). */
export async function hasSeveralCameras(environment?: CaptureEnvironment): Promise<boolean> {
	return (await cameraDeviceIds(environment)).length > 1;
}

export interface MediaCapabilities {
	screen: boolean;
	camera: boolean;
	microphone: boolean;
}

/** What this browser can capture (none outside a secure context, where `mediaDevices` is hidden). */
export function mediaCapabilities(
	mediaDevices: Partial<MediaDevices> | undefined = globalThis.navigator?.mediaDevices
): MediaCapabilities {
	const userMedia = typeof mediaDevices?.getUserMedia === 'function';
	return {
		screen: typeof mediaDevices?.getDisplayMedia === 'function',
		camera: userMedia,
		microphone: userMedia
	};
}
