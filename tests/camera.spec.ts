// The customer's camera (issue 18): shared to the agent with advancing frames, paused by the
// agent and resumed only by the customer, stopped; a snapshot in the report, byte for byte;
// a phone-sized touch customer whose browser cannot share its screen gets the camera first.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { expectAdvancingFrames, startSession } from './helpers';

const SHOTS = '/tmp/shots';

test('the customer shares the camera; the agent pauses it, only the customer resumes it', async ({
	browser
}) => {
	const s = await startSession(browser, 'Carla Camera');
	await s.customer.getByRole('button', { name: 'Share camera' }).click();
	await expect(s.customer.getByText('Your camera is shared with')).toBeVisible();
	await expectAdvancingFrames(s.agent, 'Customer camera');
	await expect(s.agent.getByText('Camera shared')).toBeVisible();
	// The camera instead of the screen: neither side reads as if nothing were shared.
	await expect(s.agent.getByText('Connected · Carla Camera is sharing the camera')).toBeVisible();
	await expect(
		s.customer.getByText('Sharing your camera: Administrator cannot see your screen')
	).toBeVisible();
	// One fake camera in Chromium: nothing to switch to.
	await expect(s.customer.getByRole('button', { name: 'Switch camera' })).toHaveCount(0);
	await expect(s.agent.getByRole('button', { name: 'Switch camera' })).toBeDisabled();

	await s.agent.getByRole('button', { name: 'Pause camera' }).click();
	await expect(s.customer.getByText(/paused your camera/)).toBeVisible();
	await expect(s.agent.getByText('Camera paused: only the customer can resume it')).toBeVisible();
	await expect(s.agent.getByRole('button', { name: 'Pause camera' })).toBeDisabled();
	// The paused track sends black frames or none; the customer resumes.
	await s.customer.getByRole('button', { name: 'Resume camera' }).click();
	await expect(s.agent.getByText('Camera shared')).toBeVisible();
	await expectAdvancingFrames(s.agent, 'Customer camera');
	await s.agent.screenshot({ path: `${SHOTS}/camera-agent.png` });

	await s.customer.getByRole('button', { name: 'Stop camera' }).click();
	await expect(s.agent.getByLabel('Customer camera')).toBeHidden();
	await expect(s.customer.getByRole('button', { name: 'Share camera' })).toBeVisible();
	await s.close();
});

test('Take snapshot saves the camera frame into the report, byte for byte', async ({ browser }) => {
	const s = await startSession(browser, 'Sandro Snapshot');
	await s.customer.getByRole('button', { name: 'Share camera' }).click();
	await expectAdvancingFrames(s.agent, 'Customer camera');
	const upload = s.agent.waitForResponse(
		(r) =>
			r.request().method() === 'POST' && /\/snapshots\?source=camera&annotated=0$/.test(r.url())
	);
	await s.agent.getByRole('button', { name: 'Take snapshot' }).click();
	const response = await upload;
	expect(response.status()).toBe(201);
	const stored = (await response.json()) as { size: number; sha256: string };
	// The camera's own size: the fake device's 640×480 frame (PNG IHDR width and height).
	const cameraSize = await s.agent
		.getByLabel('Customer camera')
		.evaluate((v: HTMLVideoElement) => [v.videoWidth, v.videoHeight]);
	await expect(s.agent.getByText('Snapshot saved to the report.')).toBeVisible();

	await s.agent.goto(`/agent/reports/${s.sessionId}`);
	const snapshots = s.agent.getByRole('region', { name: 'Snapshots' });
	await expect(snapshots).toContainText('Camera');
	const download = s.agent.waitForEvent('download');
	await snapshots.getByRole('link', { name: /^Download the snapshot taken at / }).click();
	const file = fs.readFileSync((await (await download).path())!);
	const digest = (bytes: Buffer) => crypto.createHash('sha256').update(bytes).digest('hex');
	expect(file.length).toBe(stored.size);
	expect(digest(file)).toBe(stored.sha256);
	expect(file.subarray(1, 4).toString()).toBe('PNG');
	expect([file.readUInt32BE(16), file.readUInt32BE(20)]).toEqual(cameraSize);
	await s.close();
});

test('on a phone without screen sharing the camera comes first, and survives a rotation', async ({
	browser
}) => {
	const s = await startSession(browser, {
		customerName: 'Paola Phone',
		customerDevice: { viewport: { width: 360, height: 740 }, hasTouch: true, isMobile: true },
		prepareCustomer: async (context) => {
			await context.addInitScript(() => {
				// Android Chrome and iOS Safari have no getDisplayMedia.
				Object.defineProperty(navigator.mediaDevices, 'getDisplayMedia', { value: undefined });
			});
		}
	});
	const { customer, agent } = s;
	await expect(customer.getByRole('button', { name: 'Share screen' })).toHaveCount(0);
	await expect(customer.getByText(/cannot share its screen/)).toBeVisible();
	const share = customer.getByRole('button', { name: 'Share camera' });
	const box = (await share.boundingBox())!;
	expect(box.height).toBeGreaterThanOrEqual(44);
	await share.tap();
	await expectAdvancingFrames(agent, 'Customer camera');
	// Nothing wider than the phone.
	expect(await customer.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
		360
	);
	await customer.screenshot({ path: `${SHOTS}/camera-phone.png`, fullPage: true });

	await customer.setViewportSize({ width: 740, height: 360 });
	await customer.evaluate(() => window.dispatchEvent(new Event('orientationchange')));
	// Back and forth to the background.
	await customer.evaluate(() => {
		Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
		document.dispatchEvent(new Event('visibilitychange'));
		Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true });
		document.dispatchEvent(new Event('visibilitychange'));
	});
	await expect(customer.getByText(/Connected securely/)).toBeVisible();
	await expectAdvancingFrames(agent, 'Customer camera');
	await s.close();
});

/**
 * A phone's two cameras, each a painted canvas of its own colour that says which way it faces
 * (Chromium's fake device is one camera that faces nowhere). Every other capture is the real one.
 */
async function twoCameras(context: BrowserContext) {
	await context.addInitScript(() => {
		const cameras = {
			'front-camera': { facing: 'user', colour: '#d00000' },
			'back-camera': { facing: 'environment', colour: '#0060d0' }
		} as const;
		type Id = keyof typeof cameras;
		const realGetUserMedia = MediaDevices.prototype.getUserMedia;
		const realEnumerate = MediaDevices.prototype.enumerateDevices;
		const paint = (id: Id) => {
			const canvas = document.createElement('canvas');
			canvas.width = 640;
			canvas.height = 480;
			const g = canvas.getContext('2d')!;
			let frame = 0;
			setInterval(() => {
				g.fillStyle = cameras[id].colour;
				g.fillRect(0, 0, 640, 480);
				g.fillStyle = '#ffffff';
				g.fillRect((frame++ * 8) % 640, 0, 8, 24);
			}, 33);
			const track = canvas.captureStream(30).getVideoTracks()[0];
			const settings = track.getSettings.bind(track);
			track.getSettings = () => ({ ...settings(), deviceId: id, facingMode: cameras[id].facing });
			return new MediaStream([track]);
		};
		MediaDevices.prototype.enumerateDevices = async function () {
			const others = (await realEnumerate.call(this)).filter((d) => d.kind !== 'videoinput');
			const groupId = 'phone';
			return [
				...others,
				...(Object.keys(cameras) as Id[]).map(
					(deviceId) =>
						({ deviceId, groupId, kind: 'videoinput', label: deviceId }) as MediaDeviceInfo
				)
			];
		};
		MediaDevices.prototype.getUserMedia = async function (constraints) {
			const video = constraints?.video;
			if (!video) return realGetUserMedia.call(this, constraints);
			const asked = typeof video === 'object' ? video : {};
			const exact = (asked.deviceId as { exact?: string } | undefined)?.exact;
			const facing = (asked.facingMode as { ideal?: string } | undefined)?.ideal;
			const id: Id =
				exact === 'front-camera' || exact === 'back-camera'
					? exact
					: facing === 'user'
						? 'front-camera'
						: 'back-camera';
			return paint(id);
		};
	});
}

/** The colour at the middle of the agent's Customer camera: 'red', 'blue' or something else. */
function cameraColour(page: Page) {
	return page.getByLabel('Customer camera').evaluate((video: HTMLVideoElement) => {
		const canvas = document.createElement('canvas');
		canvas.width = video.videoWidth;
		canvas.height = video.videoHeight;
		const g = canvas.getContext('2d')!;
		g.drawImage(video, 0, 0);
		const [r, , b] = g.getImageData(canvas.width / 2, canvas.height / 2, 1, 1).data;
		return r > 150 && b < 80 ? 'red' : b > 150 && r < 80 ? 'blue' : `rgb ${r},${b}`;
	});
}

test('Switch camera: the customer and the agent switch between a front and a back camera', async ({
	browser
}) => {
	const s = await startSession(browser, {
		customerName: 'Sara Switch',
		prepareCustomer: twoCameras
	});
	await s.customer.getByRole('button', { name: 'Share camera' }).click();
	await expectAdvancingFrames(s.agent, 'Customer camera');
	// The back camera first: what a customer points at a device.
	await expect(s.agent.getByText('Camera shared · rear camera')).toBeVisible();
	await expect.poll(() => cameraColour(s.agent)).toBe('blue');
	// The customer's own preview plays too.
	await expectAdvancingFrames(s.customer, 'Your camera');

	await s.customer.getByRole('button', { name: 'Switch camera' }).click();
	await expect(s.agent.getByText('Camera shared · front camera')).toBeVisible();
	await expect.poll(() => cameraColour(s.agent)).toBe('red');
	await expectAdvancingFrames(s.agent, 'Customer camera');
	await expectAdvancingFrames(s.customer, 'Your camera');

	// The agent asks; the customer's page switches back.
	await s.agent.getByRole('button', { name: 'Switch camera' }).click();
	await expect(s.agent.getByText('Camera shared · rear camera')).toBeVisible();
	await expect.poll(() => cameraColour(s.agent)).toBe('blue');
	await expectAdvancingFrames(s.agent, 'Customer camera');
	await s.close();
});
