import { describe, expect, it } from 'vitest';
import {
	cameraDeviceIds,
	captureCamera,
	captureMicrophone,
	hasSeveralCameras,
	mediaCapabilities
} from './capture';
import { fakeStream } from './media-test-fakes';

function domError(name: string, message = '') {
	return Object.assign(new Error(message), { name });
}

/** A getUserMedia that records its constraints and answers with `answer`. */
function devices(answer: () => Promise<MediaStream>, list: Partial<MediaDeviceInfo>[] = []) {
	const asked: MediaStreamConstraints[] = [];
	return {
		asked,
		environment: {
			secureContext: true,
			mediaDevices: {
				getUserMedia: (constraints?: MediaStreamConstraints) => {
					asked.push(constraints ?? {});
					return answer();
				},
				enumerateDevices: async () => list as MediaDeviceInfo[]
			}
		}
	};
}

describe('capture', () => {
	it('asks for the microphone cleaned up for speech, without video', async () => {
		const stream = fakeStream('audio');
		const { asked, environment } = devices(async () => stream);
		expect(await captureMicrophone(environment)).toEqual({ ok: true, stream });
		expect(asked).toEqual([
			{
				audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
				video: false
			}
		]);
	});

	it('asks for the camera facing a way, up to 720p at 30 fps', async () => {
		const { asked, environment } = devices(async () => fakeStream('video'));
		await captureCamera('environment', environment);
		expect(asked[0]).toEqual({
			video: {
				facingMode: { ideal: 'environment' },
				width: { ideal: 1280, max: 1280 },
				height: { ideal: 720, max: 720 },
				frameRate: { ideal: 30 }
			},
			audio: false
		});
	});

	it('names failures as the screen’s are', async () => {
		const failing = (error: Error) => devices(() => Promise.reject(error)).environment;
		expect(
			await captureMicrophone(failing(domError('NotAllowedError', 'Permission denied')))
		).toEqual({ ok: false, error: 'cancelled' });
		expect(await captureMicrophone(failing(domError('NotFoundError')))).toEqual({
			ok: false,
			error: 'no-source'
		});
		expect(await captureCamera('user', failing(domError('NotReadableError')))).toEqual({
			ok: false,
			error: 'busy'
		});
		expect(await captureMicrophone({ secureContext: false })).toEqual({
			ok: false,
			error: 'insecure'
		});
		expect(await captureMicrophone({ secureContext: true, mediaDevices: {} })).toEqual({
			ok: false,
			error: 'unsupported'
		});
	});

	it('counts the cameras', async () => {
		const { environment } = devices(
			async () => fakeStream(),
			[
				{ kind: 'audioinput', deviceId: 'mic' },
				{ kind: 'videoinput', deviceId: 'front' },
				{ kind: 'videoinput', deviceId: 'back' }
			]
		);
		expect(await cameraDeviceIds(environment)).toEqual(['front', 'back']);
		expect(await hasSeveralCameras(environment)).toBe(true);
		expect(await hasSeveralCameras({ mediaDevices: {} })).toBe(false);
	});

	it('tells what this browser can capture', () => {
		const getUserMedia = async () => fakeStream();
		expect(mediaCapabilities({ getUserMedia, getDisplayMedia: getUserMedia })).toEqual({
			screen: true,
			camera: true,
			microphone: true
		});
		// A phone: no screen capture.
		expect(mediaCapabilities({ getUserMedia })).toEqual({
			screen: false,
			camera: true,
			microphone: true
		});
		// Plain http: `mediaDevices` is hidden.
		expect(mediaCapabilities(undefined)).toEqual({
			screen: false,
			camera: false,
			microphone: false
		});
	});
});
