import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { expectAdvancingFrames, startSession } from './helpers';
import ts from 'typescript';

/**
 * src/lib/peer/screen-quality.ts in a real Chromium: two peer connections in one page, the
 * answerer ordering codecs the way PeerJS lets us (in a `track` listener, before the answer is
 * created), the sender getting the mode's parameters.
 */
async function loadModule(page: Page) {
	const source = fs.readFileSync(path.resolve('src/lib/peer/screen-quality.ts'), 'utf8');
	const { outputText } = ts.transpileModule(source, {
		compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext }
	});
	await page.setContent(
		'<!doctype html><title>screen quality</title><canvas width="640" height="360"></canvas>'
	);
	await page.addScriptTag({
		type: 'module',
		content: `${outputText}\nwindow.screenQuality = { preferScreenCodecs, applyScreenMode, orderScreenCodecs };`
	});
	await page.waitForFunction(() => 'screenQuality' in window);
}

/** Negotiates a canvas stream from `sender` to `receiver` in the page; returns what was set. */
async function negotiate(page: Page, preferOnAnswerer: boolean) {
	return page.evaluate(async (prefer) => {
		type ScreenQuality = {
			preferScreenCodecs(t: RTCRtpTransceiver): string | null;
			applyScreenMode(
				s: RTCRtpSender,
				mode: 'sharp' | 'smooth'
			): Promise<{ degradationPreferenceSet: boolean }>;
		};
		const sq = (window as unknown as { screenQuality: ScreenQuality }).screenQuality;
		const canvas = document.querySelector('canvas')!;
		const context = canvas.getContext('2d')!;
		let frame = 0;
		const timer = setInterval(() => {
			context.fillStyle = `hsl(${frame++ * 7} 70% 50%)`;
			context.fillRect(0, 0, 640, 360);
		}, 33);
		const stream = canvas.captureStream(30);
		const sender = new RTCPeerConnection();
		const receiver = new RTCPeerConnection();
		sender.onicecandidate = (e) => e.candidate && void receiver.addIceCandidate(e.candidate);
		receiver.onicecandidate = (e) => e.candidate && void sender.addIceCandidate(e.candidate);
		let preferred: string | null = null;
		receiver.addEventListener('track', (event) => {
			if (prefer) preferred = sq.preferScreenCodecs(event.transceiver);
		});
		const rtpSender = sender.addTrack(stream.getVideoTracks()[0], stream);
		await sender.setLocalDescription(await sender.createOffer());
		await receiver.setRemoteDescription(sender.localDescription!);
		await receiver.setLocalDescription(await receiver.createAnswer());
		await sender.setRemoteDescription(receiver.localDescription!);

		const sharp = await sq.applyScreenMode(rtpSender, 'sharp');
		const sharpParameters = rtpSender.getParameters();
		// Wait for frames to flow so the outbound stats name the codec really used.
		let codec = '';
		for (let i = 0; i < 100 && !codec; i++) {
			await new Promise((r) => setTimeout(r, 100));
			const stats = await sender.getStats();
			stats.forEach((report) => {
				if (report.type === 'outbound-rtp' && report.kind === 'video' && report.codecId) {
					codec = stats.get(report.codecId)?.mimeType ?? '';
				}
			});
		}
		const smooth = await sq.applyScreenMode(rtpSender, 'smooth');
		const smoothParameters = rtpSender.getParameters();
		const hint = stream.getVideoTracks()[0].contentHint;
		clearInterval(timer);
		sender.close();
		receiver.close();
		return {
			preferred,
			codec,
			hint,
			sharp: {
				set: sharp.degradationPreferenceSet,
				degradationPreference: sharpParameters.degradationPreference,
				encoding: sharpParameters.encodings[0]
			},
			smooth: {
				set: smooth.degradationPreferenceSet,
				degradationPreference: smoothParameters.degradationPreference,
				encoding: smoothParameters.encodings[0]
			}
		};
	}, preferOnAnswerer);
}

test('the answerer’s codec order decides what the caller sends: VP9 for screens', async ({
	page
}) => {
	await loadModule(page);
	const withDefaults = await negotiate(page, false);
	expect(withDefaults.codec).toBe('video/VP8');
	const preferred = await negotiate(page, true);
	expect(preferred.preferred).toBe('video/VP9');
	expect(preferred.codec).toBe('video/VP9');
});

test('sharp and smooth set the sender’s parameters, switching without renegotiation', async ({
	page
}) => {
	await loadModule(page);
	const result = await negotiate(page, true);
	expect(result.sharp).toMatchObject({
		set: true,
		degradationPreference: 'maintain-resolution',
		encoding: { maxBitrate: 1_000_000, maxFramerate: 30, scaleResolutionDownBy: 1 }
	});
	expect(result.smooth).toMatchObject({
		set: true,
		degradationPreference: 'maintain-framerate',
		encoding: { maxFramerate: 30, scaleResolutionDownBy: 1 }
	});
	expect(result.hint).toBe('motion');
});

test('the agent’s Sharp text / Smooth motion choice re-encodes the customer’s screen, frames keep coming', async ({
	browser
}) => {
	type Applied = { degradationPreference?: string; maxBitrate?: number; contentHint?: string };
	const s = await startSession(browser, {
		// Records what the customer's page sets on its video senders (the browser's own API).
		prepareCustomer: async (context) => {
			await context.addInitScript(() => {
				const applied: Applied[] = [];
				(window as unknown as { applied: Applied[] }).applied = applied;
				const original = RTCRtpSender.prototype.setParameters;
				RTCRtpSender.prototype.setParameters = function (parameters, ...rest) {
					if (this.track?.kind === 'video') {
						applied.push({
							degradationPreference: parameters.degradationPreference,
							maxBitrate: parameters.encodings?.[0]?.maxBitrate,
							contentHint: this.track.contentHint
						});
					}
					return original.call(this, parameters, ...rest);
				};
			});
		}
	});
	const lastApplied = () =>
		s.customer.evaluate(() => (window as unknown as { applied: Applied[] }).applied.at(-1) ?? null);

	await s.customer.getByRole('button', { name: 'Share screen' }).click();
	await expectAdvancingFrames(s.agent, 'Customer screen');

	const quality = s.agent.getByRole('group', { name: 'Screen quality' });
	await expect(quality.getByRole('button', { name: 'Sharp text' })).toHaveAttribute(
		'aria-pressed',
		'true'
	);
	await expect
		.poll(lastApplied)
		.toMatchObject({ degradationPreference: 'maintain-resolution', contentHint: 'detail' });
	expect((await lastApplied())!.maxBitrate).toBeGreaterThanOrEqual(1_000_000);

	await quality.getByRole('button', { name: 'Smooth motion' }).click();
	await expect(quality.getByRole('button', { name: 'Smooth motion' })).toHaveAttribute(
		'aria-pressed',
		'true'
	);
	await expect
		.poll(lastApplied)
		.toMatchObject({ degradationPreference: 'maintain-framerate', contentHint: 'motion' });
	await expectAdvancingFrames(s.agent, 'Customer screen');

	await quality.getByRole('button', { name: 'Sharp text' }).click();
	await expect
		.poll(lastApplied)
		.toMatchObject({ degradationPreference: 'maintain-resolution', contentHint: 'detail' });
	await s.close();
});
