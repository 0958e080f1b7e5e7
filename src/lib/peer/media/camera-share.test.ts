import { describe, expect, it } from 'vitest';
import type { CameraFacing } from './camera';
import { CameraShare, type CameraDevices } from './camera-share';
import type { CaptureResult } from './capture';
import { FakeTrack, fakeStream, fakeTrackOf } from './media-test-fakes';

/**
 * Cameras by device ID, each facing a way or telling none (a laptop's). `capture(facing)`
 * returns the first camera facing that way, else the first one (facing ignored).
 */
function cameras(list: { id: string; facing?: CameraFacing }[], failing = new Set<string>()) {
	const opened: string[] = [];
	const open = (id: string): CaptureResult => {
		if (failing.has(id)) return { ok: false, error: 'busy' };
		opened.push(id);
		const camera = list.find((c) => c.id === id)!;
		const settings: MediaTrackSettings = { deviceId: id };
		if (camera.facing) settings.facingMode = camera.facing;
		return { ok: true, stream: fakeStream(new FakeTrack('video', settings)) };
	};
	const devices: CameraDevices = {
		capture: async (facing) => open((list.find((c) => c.facing === facing) ?? list[0]).id),
		captureDevice: async (id) => open(id),
		deviceIds: async () => list.map((c) => c.id)
	};
	return { devices, opened };
}

function cameraShare(devices: CameraDevices) {
	const started: MediaStream[] = [];
	let stops = 0;
	let changes = 0;
	const share = new CameraShare({
		sender: {
			start: (stream) => started.push(stream),
			stop: async () => {
				stops++;
			}
		},
		ended: () => false,
		cameras: devices,
		changed: () => changes++
	});
	return { share, started, stops: () => stops, changes: () => changes };
}

const phone = () =>
	cameras([
		{ id: 'front', facing: 'user' },
		{ id: 'back', facing: 'environment' }
	]);

describe('CameraShare', () => {
	it('shares the back camera by default, encoded for motion', async () => {
		const { devices, opened } = phone();
		const { share, started } = cameraShare(devices);
		expect(await share.share()).toEqual({ ok: true });
		expect(opened).toEqual(['back']);
		expect(started).toEqual([share.stream]);
		expect(fakeTrackOf(share.stream!).contentHint).toBe('motion');
		expect(share.facing).toBe('environment');
		expect(share.canSwitch).toBe(true);
	});

	it('switches facing: the old track stops first, the new one is swapped in', async () => {
		const { devices, opened } = phone();
		const { share, started } = cameraShare(devices);
		await share.share('environment');
		const back = fakeTrackOf(share.stream!);
		expect(await share.switch()).toEqual({ ok: true });
		expect(back.stopped).toBe(true);
		expect(opened).toEqual(['back', 'front']);
		expect(share.facing).toBe('user');
		expect(started).toHaveLength(2);
		expect(await share.share('environment')).toEqual({ ok: true });
		expect(share.facing).toBe('environment');
	});

	it('cycles the cameras where they tell no facing', async () => {
		const { devices, opened } = cameras([{ id: 'built-in' }, { id: 'usb' }, { id: 'document' }]);
		const { share } = cameraShare(devices);
		await share.share('user');
		expect(share.facing).toBe(null);
		await share.switch();
		await share.switch();
		await share.switch();
		expect(opened).toEqual(['built-in', 'usb', 'document', 'built-in']);
	});

	it('moves on to the next camera when facingMode was ignored', async () => {
		// A camera that tells its facing but is the only one answering a facing request.
		const { devices, opened } = cameras([{ id: 'front', facing: 'user' }, { id: 'other' }]);
		const { share } = cameraShare(devices);
		await share.share('user');
		await share.switch();
		expect(opened).toEqual(['front', 'front', 'other']);
		expect(fakeTrackOf(share.stream!).settings.deviceId).toBe('other');
	});

	it('opens the camera it had again when the other will not open', async () => {
		const { devices, opened } = cameras(
			[
				{ id: 'front', facing: 'user' },
				{ id: 'back', facing: 'environment' }
			],
			new Set(['front'])
		);
		const { share, started } = cameraShare(devices);
		await share.share('environment');
		expect(await share.switch()).toEqual({ ok: false, error: 'busy' });
		expect(opened).toEqual(['back', 'back']);
		expect(share.facing).toBe('environment');
		expect(started).toHaveLength(2);
	});

	it('pauses by disabling the track (kept across a switch), and stops', async () => {
		const { devices } = phone();
		const { share, stops } = cameraShare(devices);
		share.pause();
		expect(share.paused).toBe(false);
		await share.share();
		share.pause();
		expect(share.paused).toBe(true);
		expect(fakeTrackOf(share.stream!).enabled).toBe(false);
		await share.switch();
		expect(fakeTrackOf(share.stream!).enabled).toBe(false);
		share.resume();
		expect(fakeTrackOf(share.stream!).enabled).toBe(true);

		await share.stop();
		expect(stops()).toBe(1);
		expect(share.stream).toBe(null);
		expect(share.paused).toBe(false);
		expect(await share.switch()).toEqual({ ok: false, error: 'not-sharing' });
	});

	it('stops when the browser ends the capture', async () => {
		const { devices } = phone();
		const { share, stops } = cameraShare(devices);
		await share.share();
		fakeTrackOf(share.stream!).end();
		await Promise.resolve();
		expect(share.stream).toBe(null);
		expect(stops()).toBe(1);
	});

	it('an agent has no camera to share', async () => {
		const share = new CameraShare({ sender: null, ended: () => false, changed: () => {} });
		expect(await share.share()).toEqual({ ok: false, error: 'unsupported' });
	});
});
