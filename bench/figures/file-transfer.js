// file transfer: raw RTCDataChannel throughput for a 256 MiB random buffer (256 KiB messages,
// backpressure 8 MiB / 1 MiB, SHA-256 checked on both sides), and the receiving page's peak
// JS heap (V8 heap + ArrayBuffer backing stores, via CDP). Ponte's own transfer of the same
// file is compared against it once file transfer is in the pages (issue 4, item 7).
import fs from 'node:fs';
import path from 'node:path';
import { benchClient } from '../lib/browser.js';

export const SIZE = 256 * 1024 * 1024;
export const CHUNK = 256 * 1024;
export const HIGH_WATER = 8 * 1024 * 1024;
export const LOW_WATER = 1024 * 1024;
/** Issue 4: Ponte ≥ 90 % of the raw data channel, receiver heap under 100 MB. */
export const RATIO_GOAL = 0.9;
export const HEAP_GOAL_BYTES = 100 * 1000 * 1000;

/** Samples a page's heap (used + ArrayBuffer backing stores) until stopped; keeps the peak. */
async function heapSampler(context, page) {
	const cdp = await context.newCDPSession(page);
	let peak = 0;
	let running = true;
	const loop = (async () => {
		while (running) {
			const usage = await cdp.send('Runtime.getHeapUsage').catch(() => null);
			if (usage) peak = Math.max(peak, usage.usedSize + (usage.backingStorageSize ?? 0));
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
	})();
	return async () => {
		running = false;
		await loop;
		await cdp.detach().catch(() => {});
		return peak;
	};
}

async function rawDataChannel(ctx) {
	const options = { root: ctx.root, baseUrl: ctx.server.url };
	const sender = await benchClient(ctx.browser, options);
	const receiver = await benchClient(ctx.browser, options);
	try {
		const senderPage = await sender.context.newPage();
		const receiverPage = await receiver.context.newPage();
		const url = `${ctx.pages.url}/__bench/datachannel.html`;
		await Promise.all([senderPage.goto(url), receiverPage.goto(url)]);
		const offer = await senderPage.evaluate(() => window.raw.offer());
		const answer = await receiverPage.evaluate((o) => window.raw.answer(o), offer);
		await senderPage.evaluate((a) => window.raw.connect(a), answer);
		await senderPage.evaluate((size) => window.raw.prepare(size), SIZE);

		const stopSampling = await heapSampler(receiver.context, receiverPage);
		const sent = await senderPage.evaluate((o) => window.raw.send(o), {
			chunk: CHUNK,
			high: HIGH_WATER,
			low: LOW_WATER
		});
		const result = await receiverPage.evaluate(() => window.raw.result());
		const peakHeap = await stopSampling();
		await Promise.all([
			senderPage.evaluate(() => window.raw.close()),
			receiverPage.evaluate(() => window.raw.close())
		]);
		if (!result.matches) throw new Error('raw data channel: SHA-256 or size mismatch');
		const seconds = (result.doneAt - sent.startedAt) / 1000;
		return {
			bytes: result.bytes,
			seconds,
			mbPerSecond: result.bytes / 1e6 / seconds,
			peakHeap,
			sha256: result.sha256
		};
	} finally {
		await Promise.all([sender.close(), receiver.close()]);
	}
}

/** Source files outside src/lib/session that import its file transfer (files.ts). */
export function filesImporters(root) {
	const found = [];
	const walk = (dir) => {
		for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
			const full = path.join(dir, entry.name);
			if (entry.isDirectory()) {
				if (full !== path.join(root, 'src/lib/session')) walk(full);
			} else if (/\.(ts|js|svelte)$/.test(entry.name) && !/\.test\.ts$/.test(entry.name)) {
				const text = fs.readFileSync(full, 'utf8');
				if (/from\s+['"][^'"]*session\/files(\.ts|\.js)?['"]/.test(text)) {
					found.push(path.relative(root, full));
				}
			}
		}
	};
	walk(path.join(root, 'src'));
	return found;
}

/**
 * Ponte's half: the same 256 MiB file sent customer → agent through the pages' "Send file",
 * saved by the agent to an Origin Private File System file. Not written until file transfer
 * is in the pages; `measure` says so instead of guessing at a UI that does not exist yet.
 */
const ponteFileTransfer = null;

export async function measure(ctx) {
	const raw = await rawDataChannel(ctx);
	const rows = [
		{
			measure: 'raw RTCDataChannel, 256 MiB, SHA-256 checked',
			value: raw.mbPerSecond,
			unit: 'MB/s',
			note: `${raw.seconds.toFixed(1)} s, 256 KiB messages, backpressure 8 MiB/1 MiB`
		},
		{
			measure: 'raw: receiving page peak heap',
			value: raw.peakHeap / 1e6,
			unit: 'MB',
			note: 'V8 heap + ArrayBuffers'
		}
	];
	const importers = filesImporters(ctx.root);
	if (!ponteFileTransfer) {
		rows.push({
			measure: 'Ponte file transfer / raw',
			value: null,
			goal: `≥ ${RATIO_GOAL * 100} %`,
			pass: importers.length ? false : null,
			note: importers.length
				? `file transfer is in the app (${importers.join(', ')}) but bench/figures/file-transfer.js has no Ponte half yet`
				: 'not yet measurable: file transfer not integrated'
		});
		return { rows, data: { raw, ponte: null, filesImporters: importers } };
	}
	const ponte = await ponteFileTransfer(ctx);
	const ratio = ponte.mbPerSecond / raw.mbPerSecond;
	rows.push(
		{ measure: 'Ponte file transfer, 256 MiB to OPFS', value: ponte.mbPerSecond, unit: 'MB/s' },
		{
			measure: 'Ponte file transfer / raw',
			value: ratio * 100,
			unit: '%',
			goal: `≥ ${RATIO_GOAL * 100} %`,
			pass: ratio >= RATIO_GOAL
		},
		{
			measure: 'Ponte: receiving page peak heap',
			value: ponte.peakHeap / 1e6,
			unit: 'MB',
			goal: `< ${HEAP_GOAL_BYTES / 1e6} MB`,
			pass: ponte.peakHeap < HEAP_GOAL_BYTES
		}
	);
	return { rows, data: { raw, ponte, ratio } };
}
