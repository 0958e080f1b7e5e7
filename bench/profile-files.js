// Temporary: profile Ponte's file transfer (CPU profiles of both pages, channel buffer samples).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CUSTOMER_SCREEN_SELECTOR, logIn } from './lib/app.js';
import { benchClient, launchBrowser, pageNow } from './lib/browser.js';
import { ensureBuild } from './lib/build.js';
import { readSecrets } from './lib/data.js';
import { startPagesServer } from './lib/pages-server.js';
import { startServer } from './lib/server.js';
import { ponteShare } from './lib/sessions.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SIZE = Number(process.env.SIZE ?? 256) * 1024 * 1024;
const PROFILE = process.env.PROFILE === '1';
const SHARE = process.env.SHARE !== '0';
const OUT = process.env.OUT ?? '/tmp/fprof';

const probe = () => {
	const Native = window.RTCPeerConnection;
	const orig = Native.prototype.createDataChannel;
	window.__files = [];
	Native.prototype.createDataChannel = function (label, init) {
		const ch = orig.call(this, label, init);
		if (label === 'files') {
			window.__files.push(ch);
			ch.__sent = 0; ch.__acked = 0;
			const send = ch.send.bind(ch);
			ch.send = (d) => { if (typeof d !== 'string') ch.__sent += d.byteLength - 22; return send(d); };
			ch.addEventListener('message', (e) => { if (typeof e.data === 'string' && e.data.includes('"ack"')) ch.__acked = JSON.parse(e.data).bytes; });
		}
		return ch;
	};
	window.__rx = { recv: 0, written: 0, writes: 0, writeMs: 0 };
	const desc = Object.getOwnPropertyDescriptor(RTCDataChannel.prototype, 'onmessage');
	Object.defineProperty(RTCDataChannel.prototype, 'onmessage', {
		get() { return desc.get.call(this); },
		set(h) {
			const ch = this;
			desc.set.call(this, h && ((e) => { if (ch.label === 'files' && typeof e.data !== 'string') window.__rx.recv += e.data.byteLength - 22; return h(e); }));
		}
	});
	if (window.FileSystemWritableFileStream) {
		const w = FileSystemWritableFileStream.prototype.write;
		FileSystemWritableFileStream.prototype.write = function (d) {
			const t = performance.now(); const n = d.byteLength ?? d.size ?? 0;
			return w.call(this, d).then((r) => { window.__rx.written += n; window.__rx.writes++; window.__rx.writeMs += performance.now() - t; return r; });
		};
	}
	setInterval(() => { if (window.__rx.recv) (window.__rxs ??= []).push([performance.now(), window.__rx.recv - window.__rx.written, window.__rx.writes, window.__rx.writeMs]); }, 20);
	window.__samples = [];
	setInterval(() => {
		for (const ch of window.__files) window.__samples.push([performance.now(), ch.bufferedAmount, ch.__sent - ch.__acked, ch.__sent]);
	}, 20);
};

async function main() {
	ensureBuild(root);
	const server = await startServer(root);
	const pages = await startPagesServer(root, 0);
	const { browser } = await launchBrowser();
	const ctx = { root, server, pages, browser, secrets: readSecrets(server.dataDir), capture: { width: 1280, height: 720 }, now: pageNow };
	try {
		ctx.screenClient = await benchClient(browser, { root, baseUrl: server.url });
		ctx.screenPage = await ctx.screenClient.context.newPage();
		await ctx.screenPage.goto(`${pages.url}/__bench/screen.html`);
		const barcode = await ctx.screenPage.evaluate(() => window.benchScreen.barcode);
		ctx.agent = await benchClient(browser, { root, baseUrl: server.url, config: { reader: { barcode, selector: CUSTOMER_SCREEN_SELECTOR } } });
		ctx.agentPage = await ctx.agent.context.newPage();
		await logIn(ctx.agentPage);
		const { agentPage } = ctx;
		await agentPage.addInitScript(() => {
			window.showSaveFilePicker = async () => {
				const root = await navigator.storage.getDirectory();
				const handle = await root.getFileHandle(`bench-${Date.now()}.bin`, { create: true });
				return { createWritable: () => handle.createWritable() };
			};
		});
		await agentPage.addInitScript(probe);
		// customers get the probe via the context: patch benchClient output
		const origNewContext = browser.newContext.bind(browser);
		browser.newContext = async (o) => { const c = await origNewContext(o); await c.addInitScript(probe); return c; };
		const share = await ponteShare(ctx, { customerName: 'Bench files', capture: ctx.capture });
		const { customerPage } = share;
		if (!SHARE) {
			await customerPage.getByRole('button', { name: /stop shar/i }).click().catch((e) => console.log('no stop', e.message));
		}
		await customerPage.evaluate(async (size) => {
			const parts = [];
			const block = new Uint8Array(4 * 1024 * 1024);
			for (let made = 0; made < size; made += block.length) {
				crypto.getRandomValues(block.subarray(0, 65536));
				for (let i = 65536; i < block.length; i += 65536) block.copyWithin(i, 0, 65536);
				parts.push(new Blob([block.slice(0, Math.min(block.length, size - made))]));
			}
			const input = [...document.querySelectorAll('input[type=file]')].find((i) => i.closest('label')?.textContent?.includes('Send file'));
			const transfer = new DataTransfer();
			transfer.items.add(new File(parts, 'bench.bin'));
			input.files = transfer.files;
			input.dispatchEvent(new Event('change', { bubbles: true }));
		}, SIZE);
		const dialog = agentPage.getByRole('dialog', { name: 'Incoming file transfer' });
		await dialog.waitFor({ timeout: 60_000 });
		const cdps = [];
		if (PROFILE) {
			for (const [name, page] of [['customer', customerPage], ['agent', agentPage]]) {
				const cdp = await page.context().newCDPSession(page);
				await cdp.send('Profiler.enable');
				await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
				await cdp.send('Profiler.start');
				cdps.push([name, cdp]);
			}
		}
		const started = Date.now();
		await dialog.getByRole('button', { name: 'Save' }).click();
		await agentPage.getByRole('region', { name: 'Transfers' }).getByText(/verified/i).first().waitFor({ timeout: 300_000 });
		const seconds = (Date.now() - started) / 1000;
		console.log(`Ponte ${SIZE / 1e6 / seconds} MB/s, ${seconds}s share=${SHARE}`);
		for (const [name, cdp] of cdps) {
			const { profile } = await cdp.send('Profiler.stop');
			fs.writeFileSync(`${OUT}/${name}.cpuprofile`, JSON.stringify(profile));
		}
		const rxs = await agentPage.evaluate(() => window.__rxs);
		const pend = rxs.map((r) => r[1]); const last = rxs[rxs.length - 1];
		console.log(`receiver pending (recv-written): mean ${(pend.reduce((a, b) => a + b, 0) / pend.length / 1e6).toFixed(2)} MB, max ${(Math.max(...pend) / 1e6).toFixed(1)}; writes ${last[2]}, mean write latency ${(last[3] / last[2]).toFixed(1)} ms`);
		const samples = await customerPage.evaluate(() => window.__samples);
		fs.writeFileSync(`${OUT}/buffered.json`, JSON.stringify(samples));
		const ba = samples.map((s) => s[1]);
		const zero = ba.filter((b) => b === 0).length;
		const low = ba.filter((b) => b < 1024 * 1024).length;
		const hi = ba.filter((b) => b > 7 * 1024 * 1024).length;
		const fl = samples.map((s) => s[2]);
		console.log(`in flight (sent-acked): mean ${(fl.reduce((a, b) => a + b, 0) / fl.length / 1e6).toFixed(2)} MB, >15MiB ${fl.filter((f) => f > 15 * 1048576).length}, <2MiB ${fl.filter((f) => f < 2 * 1048576).length}`);
		// per-second timeline
		let line = ''; const t0 = samples[0][0];
		for (let i = 0; i < samples.length; i += 50) line += `${((samples[i][0] - t0) / 1000).toFixed(0)}s:${(samples[i][3] / 1e6).toFixed(0)}MB/b${(samples[i][1] / 1e6).toFixed(1)}/f${(samples[i][2] / 1e6).toFixed(1)} `;
		console.log(line);
		console.log(`bufferedAmount samples ${ba.length}: zero ${zero}, <1MiB ${low}, >7MiB ${hi}, mean ${(ba.reduce((a, b) => a + b, 0) / ba.length / 1e6).toFixed(2)} MB`);
		await share.close();
	} finally {
		await browser.close();
		await pages.close();
		await server.stop();
	}
}
main().catch((e) => { console.error(e); process.exit(2); });
