// Voice and camera (#18). Three figures, each against its own baseline in the same run:
//  - join → the agent's first frame of the customer's camera, against a bare PeerJS camera
//    call (same pages server, same painted-canvas camera, same browser);
//  - the screen's glass-to-glass p50 with a voice call running, against the same session
//    measure without one (goal: at most one frame, 33 ms at 30 fps, more);
//  - the audio path's delay from the agent's getStats: jitter buffer delay per emitted sample
//    plus half the round trip (goal ≤ 100 ms on loopback).
// The bench's Chromium has no media devices (a fake device would replace the captured tab):
// bench/pages/instrument.js stands in a painted canvas for the camera and a tone for the
// microphone, on Ponte's pages and the bare ones alike.
import { CUSTOMER_SCREEN_SELECTOR, logIn } from '../lib/app.js';
import { benchClient } from '../lib/browser.js';
import { bareShare, ponteShare } from '../lib/sessions.js';
import { median } from '../lib/stats.js';
import { SIZES, VARIANTS, screenRun } from './screen.js';

export const CAMERA_GOAL_RATIO = 1.5;
export const AUDIO_DELAY_GOAL_MS = 100;
const FRAME_MS = 1000 / 30;
const CAMERA_SELECTOR = 'video[aria-label="Customer camera"]';

/** An agent whose reader follows the customer's screen and camera, with a fake microphone. */
async function mediaAgent(ctx) {
	const agent = await benchClient(ctx.browser, {
		root: ctx.root,
		baseUrl: ctx.server.url,
		config: {
			fakeMedia: true,
			reader: { ...ctx.readerConfig, selector: `${CUSTOMER_SCREEN_SELECTOR}, ${CAMERA_SELECTOR}` }
		}
	});
	const agentPage = await agent.context.newPage();
	await logIn(agentPage);
	return { agent, agentPage };
}

async function ponteCamera(ctx, name) {
	const share = await ponteShare(ctx, {
		customerName: name,
		autoShareLabel: 'Share camera',
		fakeMedia: true
	});
	try {
		return share.firstFrame - share.t0;
	} finally {
		await share.close();
	}
}

async function bareCamera(ctx) {
	const share = await bareShare(ctx, { camera: true });
	try {
		return share.firstFrame - share.called;
	} finally {
		await share.close();
	}
}

/** The agent's received audio: jitter buffer delay per emitted sample and the round trip. */
function audioPath(page) {
	return page.evaluate(async () => {
		let best = null;
		for (const pc of window.__ponteBench.peerConnections) {
			if (pc.connectionState !== 'connected') continue;
			const stats = await pc.getStats();
			let inbound = null;
			let pair = null;
			stats.forEach((report) => {
				if (report.type === 'inbound-rtp' && report.kind === 'audio') inbound = report;
				if (report.type === 'candidate-pair' && report.nominated && report.state === 'succeeded') {
					pair = report;
				}
			});
			if (!inbound?.jitterBufferEmittedCount) continue;
			const found = {
				jitterMs: (inbound.jitterBufferDelay / inbound.jitterBufferEmittedCount) * 1000,
				rttMs: pair?.currentRoundTripTime != null ? pair.currentRoundTripTime * 1000 : null,
				packets: inbound.packetsReceived,
				energy: inbound.totalAudioEnergy ?? null
			};
			if (!best || found.packets > best.packets) best = found;
		}
		return best;
	});
}

/** The agent starts a voice call, the customer answers, both hear each other. */
async function startVoice(share) {
	const { agentPage, customerPage } = share;
	await agentPage.getByRole('button', { name: 'Start voice' }).click();
	await customerPage.getByRole('button', { name: 'Answer' }).click();
	await agentPage.getByRole('button', { name: 'End voice' }).waitFor();
	await customerPage.getByRole('button', { name: 'End voice' }).waitFor();
	// The customer's tone reaches the agent.
	const deadline = Date.now() + 10_000;
	while (Date.now() < deadline) {
		const path = await audioPath(agentPage);
		if (path && path.packets > 50) return;
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
	throw new Error('the agent received no audio from the customer within 10 s');
}

export async function measure(ctx) {
	const { agent, agentPage } = await mediaAgent(ctx);
	const mediaCtx = { ...ctx, agent, agentPage, fakeMedia: true };
	try {
		const runs = ctx.options.runs;
		await ponteCamera(mediaCtx, 'Warm Up');
		await bareCamera(mediaCtx);
		const ponte = [];
		const bare = [];
		for (let run = 0; run < runs; run++) {
			ponte.push(await ponteCamera(mediaCtx, `Camera ${run + 1}`));
			bare.push(await bareCamera(mediaCtx));
			ctx.progress(`camera ${run + 1}/${runs}`);
		}
		const cameraMedian = median(ponte);
		const bareMedian = median(bare);
		const ratio = cameraMedian / bareMedian;

		// Screen latency without and with voice, interleaved so drift hits both alike.
		const size = SIZES.find((s) => s.label === '720p');
		const without = [];
		const withVoice = [];
		const paths = [];
		for (let run = 0; run < 2; run++) {
			without.push((await screenRun(mediaCtx, size, VARIANTS.ponte, { text: false })).latency);
			let path = null;
			const voiced = {
				...mediaCtx,
				afterShare: async (share) => {
					await startVoice(share);
					voiced.share = share;
				}
			};
			const result = await screenRun(voiced, size, VARIANTS.ponte, { text: false });
			withVoice.push(result.latency);
			path = await audioPath(voiced.share.agentPage).catch(() => null);
			if (path) paths.push(path);
			ctx.progress(`voice on a live screen ${run + 1}/2`);
		}
		const p50Without = median(without.map((l) => l.p50));
		const p50With = median(withVoice.map((l) => l.p50));
		const added = p50With - p50Without;
		const jitter = paths.length ? median(paths.map((p) => p.jitterMs)) : null;
		const rtt = paths.length ? median(paths.map((p) => p.rttMs ?? 0)) : null;
		const audioDelay = jitter === null ? null : jitter + rtt / 2;
		return {
			rows: [
				{
					measure: 'Join click → agent first camera frame (median)',
					value: cameraMedian,
					unit: 'ms',
					note: `${runs} runs`
				},
				{
					measure: 'bare PeerJS camera call → first frame (median)',
					value: bareMedian,
					unit: 'ms'
				},
				{
					measure: 'camera join / bare camera call',
					value: ratio,
					unit: '×',
					goal: `≤ ${CAMERA_GOAL_RATIO}×`,
					pass: ratio <= CAMERA_GOAL_RATIO
				},
				{ measure: '720p screen glass-to-glass p50, no voice', value: p50Without, unit: 'ms' },
				{ measure: '720p screen glass-to-glass p50, voice call on', value: p50With, unit: 'ms' },
				{
					measure: 'p50 added by the voice call',
					value: added,
					unit: 'ms',
					goal: `≤ ${FRAME_MS.toFixed(0)} ms (one frame)`,
					pass: added <= FRAME_MS
				},
				{
					measure: 'audio path delay (jitter buffer + RTT/2)',
					value: audioDelay,
					unit: 'ms',
					goal: `≤ ${AUDIO_DELAY_GOAL_MS} ms`,
					pass: audioDelay !== null && audioDelay <= AUDIO_DELAY_GOAL_MS,
					note:
						jitter === null
							? 'no audio stats'
							: `jitter buffer ${jitter.toFixed(1)} ms, RTT ${rtt.toFixed(1)} ms`
				}
			],
			data: { ponte, bare, ratio, without, withVoice, paths }
		};
	} finally {
		await agent.close();
	}
}
