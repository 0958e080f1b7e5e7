// Session recording (#19): the owner agent's browser records the composed view (a canvas the
// customer's screen is drawn onto, VP8 + Opus at 1.5 Mbit/s, a chunk every 3 s) and uploads it.
// Against recording off in the same run, interleaved so drift hits both alike, at 1080p (the
// recording's most expensive size):
//  - the customer-to-agent glass-to-glass p50 (screen.js's reader, on the viewer's own video);
//  - the agent page's main-thread time (CDP Performance.getMetrics TaskDuration: the canvas
//    draws) and the whole browser's CPU time (SystemInfo.getProcessInfo, every process: the
//    VP8 encoder runs off the main thread, the canvas in the GPU process), per second of the
//    measuring window;
//  - bytes uploaded per minute: a longer recorded share, its stored chunks over its length.
// The shared screen is bench/pages/screen.html in motion mode (a counter and a moving box on
// every frame): harder to compress than a desktop, so the bytes are an upper end.
import { openDatabase } from '../lib/data.js';
import { median } from '../lib/stats.js';
import { webmVideoFrames } from '../lib/webm-frames.js';
import { SIZES, VARIANTS, screenRun } from './screen.js';

/** The bound on the recorded video (1.5 Mbit/s), with audio and container on top. */
const VIDEO_BITS_PER_SECOND = 1_500_000;
const BYTES_GOAL_PER_MINUTE = ((VIDEO_BITS_PER_SECOND + 64_000) / 8) * 60 * 1.15;
const FRAME_MS = 1000 / 30;
const RECORD_FOR_MS = 45_000;
const RUNS = 2;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every group records (the bench's administrator is in Default), or none does. */
function setRecording(ctx, on) {
	ctx.db ??= openDatabase(ctx.server.dataDir);
	ctx.db.prepare('UPDATE groups SET record_sessions = ?').run(on ? 1 : 0);
}

async function waitForRecording(agentPage) {
	await agentPage
		.getByRole('status')
		.filter({ hasText: /^\s*Recording\s*$/ })
		.waitFor({ timeout: 20_000 });
}

/** The agent page's main-thread time and the browser's CPU time so far, in seconds. */
async function cpuNow(probe) {
	const [{ metrics }, { processInfo }] = await Promise.all([
		probe.page.send('Performance.getMetrics'),
		probe.browser.send('SystemInfo.getProcessInfo')
	]);
	return {
		at: performance.now(),
		task: metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0,
		browser: processInfo.reduce((sum, p) => sum + p.cpuTime, 0)
	};
}

/** One 1080p share, recording on or off: its latency, and the CPU over its measuring window. */
async function run(ctx, size, recording) {
	setRecording(ctx, recording);
	const probe = {
		page: await ctx.agentPage.context().newCDPSession(ctx.agentPage),
		browser: await ctx.browser.newBrowserCDPSession()
	};
	await probe.page.send('Performance.enable');
	let start = null;
	let end = null;
	const measured = {
		...ctx,
		afterShare: async (share) => {
			if (recording) await waitForRecording(share.agentPage);
			start = await cpuNow(probe);
		},
		beforeClose: async () => {
			end = await cpuNow(probe);
		}
	};
	try {
		const result = await screenRun(measured, size, VARIANTS.ponte, { text: false });
		const seconds = (end.at - start.at) / 1000;
		return {
			recording,
			latency: result.latency,
			mainThreadPerSecond: (end.task - start.task) / seconds,
			browserCpuPerSecond: (end.browser - start.browser) / seconds
		};
	} finally {
		await probe.page.detach().catch(() => {});
		await probe.browser.detach().catch(() => {});
	}
}

/** A recorded 1080p share of RECORD_FOR_MS, ended by the agent: what its chunks weigh. */
async function uploadRate(ctx, size) {
	setRecording(ctx, true);
	let sessionId = null;
	const recorded = {
		...ctx,
		afterShare: async (share) => {
			sessionId = share.agentPage.url().split('/').pop();
			await waitForRecording(share.agentPage);
		},
		beforeClose: async (share) => {
			await sleep(RECORD_FOR_MS);
			const agent = share.agentPage;
			await agent.getByRole('button', { name: 'End session' }).click();
			await agent
				.getByRole('dialog', { name: 'End the session?' })
				.getByRole('button', { name: 'Yes' })
				.click();
			await agent.getByText('Session ended').waitFor({ timeout: 20_000 });
		}
	};
	await screenRun(recorded, size, VARIANTS.ponte, { text: false });
	const segment = () =>
		ctx.db
			.prepare(
				`SELECT s.duration_ms AS durationMs, s.ended_by AS endedBy, s.chunk_count AS chunks
				   FROM recording_segments s JOIN recordings r ON r.id = s.recording_id
				  WHERE r.session_id = ? ORDER BY s.segment DESC LIMIT 1`
			)
			.get(sessionId);
	const deadline = Date.now() + 20_000;
	while (segment()?.endedBy !== 'browser' && Date.now() < deadline) await sleep(200);
	const ended = segment();
	if (ended?.endedBy !== 'browser')
		throw new Error('the recorded segment was not ended by the browser');
	const { bytes, stored } = ctx.db
		.prepare(
			`SELECT COALESCE(SUM(c.size), 0) AS bytes, COUNT(*) AS stored
			   FROM recording_chunks c JOIN recordings r ON r.id = c.recording_id
			  WHERE r.session_id = ? AND c.status != 'pending'`
		)
		.get(sessionId);
	return {
		file: await recordedFrames(ctx, sessionId),
		bytes,
		stored,
		chunks: ended.chunks,
		durationMs: ended.durationMs,
		bytesPerMinute: bytes / (ended.durationMs / 60_000)
	};
}

/** What the assembled recording holds: its frames over its time, counted in the file. */
async function recordedFrames(ctx, sessionId) {
	const file = `/agent/reports/${sessionId}/recording/0`;
	// The file is there once the server has assembled the segment.
	const deadline = Date.now() + 60_000;
	for (;;) {
		const response = await ctx.agentPage.request.get(file);
		if (response.ok()) {
			const frames = webmVideoFrames(Buffer.from(await response.body()));
			return { ...frames, sizes: [...frames.sizes] };
		}
		if (Date.now() > deadline)
			throw new Error(`the recording was not served (${response.status()})`);
		await sleep(1000);
	}
}

export async function measure(ctx) {
	const size = SIZES.find((s) => s.label === '1080p');
	const off = [];
	const on = [];
	try {
		for (let i = 0; i < RUNS; i++) {
			off.push(await run(ctx, size, false));
			on.push(await run(ctx, size, true));
			ctx.progress(`recording off/on ${i + 1}/${RUNS}`);
		}
		const upload = await uploadRate(ctx, size);
		ctx.progress(`recorded ${(upload.durationMs / 1000).toFixed(0)} s of 1080p`);

		const p50Off = median(off.map((r) => r.latency.p50));
		const p50On = median(on.map((r) => r.latency.p50));
		const added = p50On - p50Off;
		const mainOff = median(off.map((r) => r.mainThreadPerSecond));
		const mainOn = median(on.map((r) => r.mainThreadPerSecond));
		const cpuOff = median(off.map((r) => r.browserCpuPerSecond));
		const cpuOn = median(on.map((r) => r.browserCpuPerSecond));
		const mbPerMinute = upload.bytesPerMinute / 1e6;
		return {
			rows: [
				{ measure: '1080p screen glass-to-glass p50, recording off', value: p50Off, unit: 'ms' },
				{ measure: '1080p screen glass-to-glass p50, recording on', value: p50On, unit: 'ms' },
				{
					measure: 'p50 added by recording',
					value: added,
					unit: 'ms',
					goal: `≤ ${FRAME_MS.toFixed(0)} ms (one frame)`,
					pass: added <= FRAME_MS,
					note: `${RUNS} runs each, interleaved`
				},
				{
					measure: 'agent page main thread, recording off',
					value: mainOff * 100,
					unit: '% of a core',
					digits: 1
				},
				{
					measure: 'agent page main thread, recording on',
					value: mainOn * 100,
					unit: '% of a core',
					digits: 1,
					note: 'CDP TaskDuration: the canvas draws'
				},
				{
					measure: 'whole browser CPU, recording off',
					value: cpuOff * 100,
					unit: '% of a core',
					digits: 0
				},
				{
					measure: 'whole browser CPU, recording on',
					value: cpuOn * 100,
					unit: '% of a core',
					digits: 0,
					note: `+${((cpuOn - cpuOff) * 100).toFixed(0)} points: encoder, canvas, both pages and the GPU process`
				},
				{
					measure: '1080p recording uploaded per minute',
					value: mbPerMinute,
					unit: 'MB',
					digits: 2,
					goal: `≤ ${(BYTES_GOAL_PER_MINUTE / 1e6).toFixed(1)} MB (1.5 Mbit/s video + audio)`,
					pass: upload.bytesPerMinute <= BYTES_GOAL_PER_MINUTE,
					note: `${upload.stored}/${upload.chunks} chunks, ${(upload.bytes / 1e6).toFixed(1)} MB in ${(upload.durationMs / 1000).toFixed(1)} s of a moving screen`
				},
				{
					measure: 'frame rate in the 1080p recording',
					value: upload.file.frames / (upload.durationMs / 1000),
					unit: 'fps',
					note: `${upload.file.frames} frames in the assembled file; key frames ${upload.file.sizes.join(', ')}`
				}
			],
			data: { off, on, upload }
		};
	} finally {
		setRecording(ctx, false);
	}
}
