// latency & quality: the customer shares bench/pages/screen.html (a frame counter drawn as
// black/white blocks, plus motion); the agent page reads the counter back from every
// presented frame. Glass-to-glass = the agent's expected display time of a frame − the time
// the sender drew that counter, on the clock every page of the browser shares (corrected by
// each page's measured offset). Then the screen shows 11 px text and a decoded frame is
// compared with a screenshot of the source: SSIM and PSNR of the text region's luma.
import { CUSTOMER_SCREEN_SELECTOR } from '../lib/app.js';
import { bareShare, clockOffset, ponteShare } from '../lib/sessions.js';
import { crop, percentile, psnr, ssim } from '../lib/stats.js';

export const LATENCY_GOALS = { p50: 60, p95: 120 };
/** Legible: 11 px text's SSIM against the source, 3 s after it appears. */
export const TEXT_SSIM_GOAL = 0.9;
export const SIZES = [
	{ width: 1280, height: 720, label: '720p' },
	{ width: 1920, height: 1080, label: '1080p' }
];

/** Bandwidth estimation starts low and ramps up: measure after it settles a little. */
const WARM_UP_MS = 3000;
const MEASURE_MS = 6000;
const TEXT_SAMPLES_MS = [1000, 3000];

/**
 * Who shares and how. `ponte` carries the goals; the others run bare PeerJS pages to show
 * what src/lib/peer/screen-quality.ts does before and after the app uses it.
 * Choose with --screen=ponte,sharp,… (default: ponte,sharp).
 */
export const VARIANTS = {
	ponte: { label: 'Ponte', via: 'ponte' },
	sharp: { label: 'bare+sharp', via: 'bare', mode: 'sharp' },
	'sharp-vp8': {
		label: 'bare+sharp VP8',
		via: 'bare',
		mode: 'sharp',
		codecOrder: ['video/VP8', 'video/VP9', 'video/H264', 'video/AV1']
	},
	smooth: { label: 'bare+smooth', via: 'bare', mode: 'smooth' },
	// A thin path (300 kbit/s cap): where screen-content coding tools should pay off.
	'sharp-thin': { label: 'bare+sharp 300k', via: 'bare', mode: 'sharp', maxBitrate: 300_000 },
	'sharp-vp8-thin': {
		label: 'bare+sharp VP8 300k',
		via: 'bare',
		mode: 'sharp',
		codecOrder: ['video/VP8', 'video/VP9', 'video/H264', 'video/AV1'],
		maxBitrate: 300_000
	},
	browser: { label: 'bare defaults', via: 'bare', mode: null }
};
export const DEFAULT_VARIANTS = ['ponte', 'sharp'];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function summariseStats(before, after, type) {
	const first = before.find((s) => s.type === type);
	const last = after.find((s) => s.type === type);
	if (!first || !last) return null;
	const seconds = (last.timestamp - first.timestamp) / 1000;
	const frames =
		type === 'inbound-rtp'
			? last.framesDecoded - first.framesDecoded
			: last.framesEncoded - first.framesEncoded;
	return {
		codec: last.codec,
		frameWidth: last.frameWidth,
		frameHeight: last.frameHeight,
		fps: frames / seconds,
		bitrate: ((last.bytes - first.bytes) * 8) / seconds,
		qualityLimitationReason: last.qualityLimitationReason ?? null,
		implementation: last.encoderImplementation ?? last.decoderImplementation ?? null
	};
}

async function measureLatency(ctx, share, size) {
	const { agentPage, customerPage } = share;
	await sleep(WARM_UP_MS);
	await agentPage.evaluate((width) => {
		const bench = window.__ponteBench;
		bench.sourceWidth = width;
		bench.frames.length = 0;
		bench.decoding = true;
	}, size.width);
	const drawnBefore = await ctx.screenPage.evaluate(() => window.benchScreen.frames());
	const [inBefore, outBefore] = await Promise.all([
		agentPage.evaluate(() => window.__ponteBench.videoStats()),
		customerPage.evaluate(() => window.__ponteBench.videoStats())
	]);
	const startedAt = Date.now();
	await sleep(MEASURE_MS);
	const frames = await agentPage.evaluate(() => {
		const bench = window.__ponteBench;
		bench.decoding = false;
		return bench.frames.splice(0);
	});
	const seconds = (Date.now() - startedAt) / 1000;
	const drawnFps =
		((await ctx.screenPage.evaluate(() => window.benchScreen.frames())) - drawnBefore) / seconds;
	const [inAfter, outAfter] = await Promise.all([
		agentPage.evaluate(() => window.__ponteBench.videoStats()),
		customerPage.evaluate(() => window.__ponteBench.videoStats())
	]);

	const valid = frames.filter((f) => f.counter >= 0);
	const drawnAt = await ctx.screenPage.evaluate(
		(counters) => window.benchScreen.drawnAt(counters),
		valid.map((f) => f.counter)
	);
	const [agentClock, screenClock] = [
		await clockOffset(agentPage),
		await clockOffset(ctx.screenPage)
	];
	// Shared-clock times corrected by each page's measured offset from this process's clock.
	const timed = valid
		.map((f, i) => ({
			drawn: drawnAt[i] - screenClock.offset,
			received: f.received === null ? null : f.received - agentClock.offset,
			shown: f.expectedDisplay - agentClock.offset
		}))
		.filter((t, i) => drawnAt[i] > 0 && Number.isFinite(t.shown));
	const latencies = timed.map((t) => t.shown - t.drawn);
	const withReceive = timed.filter((t) => t.received !== null);
	const parts = withReceive.length
		? {
				drawToReceive: percentile(
					withReceive.map((t) => t.received - t.drawn),
					50
				),
				receiveToShown: percentile(
					withReceive.map((t) => t.shown - t.received),
					50
				)
			}
		: null;
	const sizes = new Map();
	for (const f of frames)
		sizes.set(`${f.width}×${f.height}`, (sizes.get(`${f.width}×${f.height}`) ?? 0) + 1);
	return {
		framesPresented: frames.length,
		presentedFps: frames.length / seconds,
		framesDecodedCounter: valid.length,
		drawnFps,
		p50: percentile(latencies, 50),
		p95: percentile(latencies, 95),
		min: Math.min(...latencies),
		max: Math.max(...latencies),
		latencies,
		parts,
		receivedSizes: Object.fromEntries(sizes),
		inbound: summariseStats(inBefore, inAfter, 'inbound-rtp'),
		outbound: summariseStats(outBefore, outAfter, 'outbound-rtp'),
		clockOffsets: { agent: agentClock, screen: screenClock }
	};
}

async function measureText(ctx, share, selector) {
	const { agentPage } = share;
	const region = await ctx.screenPage.evaluate(() => window.benchScreen.setMode('text'));
	const switchedAt = Date.now();
	try {
		await sleep(200);
		const png = (await ctx.screenPage.screenshot({ type: 'png' })).toString('base64');
		const viewport = ctx.screenPage.viewportSize();
		const samples = [];
		for (const after of TEXT_SAMPLES_MS) {
			await sleep(Math.max(0, switchedAt + after - Date.now()));
			const frame = await agentPage.evaluate((s) => window.__ponteBench.grabFrame(s), selector);
			const source = await agentPage.evaluate(
				({ png, width, height }) => window.__ponteBench.decodePng(png, width, height),
				{ png, width: frame.width, height: frame.height }
			);
			// The region in the decoded frame's pixels (the same when nothing was scaled).
			const scale = frame.width / viewport.width;
			const box = {
				x: Math.round(region.x * scale),
				y: Math.round(region.y * scale),
				w: Math.floor(region.w * scale),
				h: Math.floor(region.h * scale)
			};
			const decoded = crop(Buffer.from(frame.luma, 'base64'), frame.width, box);
			const original = crop(Buffer.from(source.luma, 'base64'), frame.width, box);
			samples.push({
				after,
				width: frame.width,
				height: frame.height,
				ssim: ssim(decoded, original, box.w, box.h),
				psnr: psnr(decoded, original)
			});
		}
		return samples;
	} finally {
		await ctx.screenPage.evaluate(() => window.benchScreen.setMode('motion'));
	}
}

/** One share at one size; `text: false` skips the legibility samples (latency only). */
export async function screenRun(ctx, size, variant, { text: withText = true } = {}) {
	await ctx.screenPage.setViewportSize({ width: size.width, height: size.height });
	await ctx.screenPage.evaluate(() => window.benchScreen.setMode('motion'));
	const capture = { width: size.width, height: size.height };
	const share =
		variant.via === 'ponte'
			? await ponteShare(ctx, { customerName: `Viewer ${size.label}`, capture })
			: await bareShare(ctx, {
					capture,
					mode: variant.mode,
					codecOrder: variant.codecOrder,
					maxBitrate: variant.maxBitrate
				});
	const selector = variant.via === 'ponte' ? CUSTOMER_SCREEN_SELECTOR : 'video#remote';
	try {
		// A customer in another browser shares the screen its tab is on: bring the screen to front.
		await ctx.afterShare?.(share);
		const latency = await measureLatency(ctx, share, size);
		const text = withText ? await measureText(ctx, share, selector) : [];
		// A figure that measures more over the same share (bench/figures/recording.js).
		await ctx.beforeClose?.(share);
		return { size, variant, applied: share.applied ?? null, latency, text };
	} finally {
		await share.close();
	}
}

function describeReceived(latency) {
	const inbound = latency.inbound;
	if (!inbound) return 'no inbound stats';
	return `${inbound.frameWidth}×${inbound.frameHeight}, ${inbound.codec?.replace('video/', '')}, ${(inbound.bitrate / 1e6).toFixed(2)} Mbit/s${latency.outbound?.qualityLimitationReason && latency.outbound.qualityLimitationReason !== 'none' ? `, limited by ${latency.outbound.qualityLimitationReason}` : ''}`;
}

export async function measure(ctx) {
	const names = ctx.options.screen ?? DEFAULT_VARIANTS;
	for (const name of names) {
		if (!VARIANTS[name])
			throw new Error(`--screen: unknown variant ${name} (${Object.keys(VARIANTS)})`);
	}
	const runs = [];
	// Another browser's customer (bench/figures/firefox.js) may measure fewer sizes, no text.
	const sizes = ctx.screenSizes ?? SIZES;
	for (const name of names) {
		for (const size of sizes) {
			runs.push(await screenRun(ctx, size, VARIANTS[name], { text: ctx.screenText ?? true }));
			ctx.progress(`${VARIANTS[name].label} ${size.label}`);
		}
	}

	const rows = [];
	for (const run of runs) {
		const isPonte = run.variant.via === 'ponte';
		const prefix = `${run.variant.label} ${run.size.label}`;
		const goals = isPonte && run.size.label === '720p';
		const final = run.text[run.text.length - 1];
		const early = run.text[0];
		const textRows = final
			? [
					{
						measure: `${prefix} 11 px text SSIM at ${final.after / 1000} s`,
						value: final.ssim,
						digits: 3,
						...(isPonte ? { goal: `≥ ${TEXT_SSIM_GOAL}`, pass: final.ssim >= TEXT_SSIM_GOAL } : {}),
						note: `PSNR ${final.psnr.toFixed(1)} dB; at ${early.after / 1000} s: SSIM ${early.ssim.toFixed(3)}, PSNR ${early.psnr.toFixed(1)} dB`
					}
				]
			: [];
		rows.push(
			{
				measure: `${prefix} glass-to-glass p50`,
				value: run.latency.p50,
				unit: 'ms',
				...(goals
					? { goal: `≤ ${LATENCY_GOALS.p50} ms`, pass: run.latency.p50 <= LATENCY_GOALS.p50 }
					: {}),
				note: `${run.latency.latencies.length} frames read`
			},
			{
				measure: `${prefix} glass-to-glass p95`,
				value: run.latency.p95,
				unit: 'ms',
				...(goals
					? { goal: `≤ ${LATENCY_GOALS.p95} ms`, pass: run.latency.p95 <= LATENCY_GOALS.p95 }
					: {})
			},
			{
				measure: `${prefix} received frame rate`,
				value: run.latency.inbound?.fps ?? null,
				unit: 'fps',
				note: describeReceived(run.latency)
			},
			...textRows
		);
	}
	const details = runs
		.filter((run) => run.latency.parts)
		.map((run) => ({
			label: `${run.variant.label} ${run.size.label}: drawn → last packet received ${run.latency.parts.drawToReceive.toFixed(0)} ms, → shown ${run.latency.parts.receiveToShown.toFixed(0)} ms (medians); sender drew ${run.latency.drawnFps.toFixed(0)} fps, agent showed ${run.latency.presentedFps.toFixed(0)} fps`
		}));
	return { rows, details, data: { runs } };
}
