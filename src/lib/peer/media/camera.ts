/**
 * The camera kind: the customer's camera (a phone's back camera showing a router's lights, a
 * label), sent to every agent. Its calls are placed ahead with a blank picture when a peer is
 * dialed, beside the screen's, so sharing only swaps the camera in: a customer who shares the
 * camera at once (a phone has nothing else) waits for no negotiation (`npm run bench --
 * --only=media` measures it against a bare camera call). Encoded for motion: the frame rate
 * kept, the resolution given up first.
 */
import type { MediaKind } from './media-kind';
import { blankCanvasStream } from './placeholders';
import type { TrackEncoding } from './track-encoding';

/** The camera call's wire name. */
export const CAMERA_KIND = 'camera';

export type CameraFacing = 'user' | 'environment';

/** Up to 720p at 30 fps: plenty for a picture of a device, light on a phone's uplink. */
const CAMERA_SIZE = {
	width: { ideal: 1280, max: 1280 },
	height: { ideal: 720, max: 720 },
	frameRate: { ideal: 30 }
} satisfies MediaTrackConstraints;

/** The camera facing `facing`, where the device tells (phones do; most laptops do not). */
export function cameraCapture(facing: CameraFacing): MediaStreamConstraints {
	return { video: { facingMode: { ideal: facing }, ...CAMERA_SIZE }, audio: false };
}

/** One camera, named by its device ID (switching where facing means nothing). */
export function cameraDeviceCapture(deviceId: string): MediaStreamConstraints {
	return { video: { deviceId: { exact: deviceId }, ...CAMERA_SIZE }, audio: false };
}

/** A moving picture from a hand-held camera: fluid first, 2.5 Mbit/s at most. */
export const CAMERA_ENCODING: TrackEncoding = {
	maxBitrate: 2_500_000,
	maxFramerate: 30,
	degradationPreference: 'maintain-framerate'
};

export interface CameraKindOptions {
	/** The blank stream the calls are placed ahead with (tests pass a stand-in). */
	placeholder?: () => MediaStream | null;
}

export function customerCamera(options: CameraKindOptions = {}): MediaKind {
	return {
		wire: CAMERA_KIND,
		track: 'video',
		sentBy: ['customer'],
		allowed: () => true,
		placeholder: options.placeholder ?? blankCanvasStream,
		ahead: 'dial',
		encode: (call) => call.applyEncoding(CAMERA_ENCODING)
	};
}
