// Records a short WebM in headless Chromium, as the agent's browser does (canvas.captureStream and
// an AudioContext tone into MediaRecorder, vp8 + opus, a timeslice), and writes each chunk
// MediaRecorder hands over as its own file: the fixture the recording unit tests ingest. A key
// frame every chunk, as the agent's recorder asks for (videoKeyFrameIntervalDuration); with
// `--no-keyframes`, only the first (src/lib/server/fixtures/recording-delta: clusters that open
// with a delta frame, what MediaRecorder makes by default).
// Usage: node scripts/make-recording-fixture.js [outDir] [seconds] [--no-keyframes]
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { findChromium } from './find-chromium.js';

const args = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const keyframes = !process.argv.includes('--no-keyframes');
const outDir = path.resolve(args[0] ?? 'src/lib/server/fixtures/recording');
const seconds = Number(args[1] ?? 6);

const browser = await chromium.launch({
	executablePath: await findChromium({ install: false }),
	args: ['--autoplay-policy=no-user-gesture-required']
});
try {
	const page = await browser.newPage();
	await page.setContent('<canvas width="160" height="120"></canvas>');
	const chunks = await page.evaluate(
		async ({ ms, keyframes }) => {
			const canvas = document.querySelector('canvas');
			// Opaque, as the agent's composed view is: a canvas with alpha records its video in BlockGroups.
			const g = canvas.getContext('2d', { alpha: false });
			let frame = 0;
			const draw = setInterval(() => {
				g.fillStyle = `hsl(${(frame * 7) % 360} 70% 50%)`;
				g.fillRect(0, 0, 160, 120);
				g.fillStyle = '#fff';
				g.font = '20px sans-serif';
				g.fillText(String(frame++), 10, 60);
			}, 1000 / 15);
			const audio = new AudioContext();
			const tone = audio.createOscillator();
			const sink = audio.createMediaStreamDestination();
			tone.connect(sink);
			tone.start();
			const stream = new MediaStream([
				...canvas.captureStream(15).getVideoTracks(),
				...sink.stream.getAudioTracks()
			]);
			const recorder = new MediaRecorder(stream, {
				mimeType: 'video/webm;codecs=vp8,opus',
				videoBitsPerSecond: 100_000,
				audioBitsPerSecond: 16_000,
				...(keyframes ? { videoKeyFrameIntervalDuration: 1000 } : {})
			});
			const parts = [];
			recorder.ondataavailable = (event) => parts.push(event.data);
			const stopped = new Promise((resolve) => (recorder.onstop = resolve));
			recorder.start(1000);
			await new Promise((resolve) => setTimeout(resolve, ms));
			recorder.stop();
			await stopped;
			clearInterval(draw);
			const out = [];
			for (const part of parts) {
				const bytes = new Uint8Array(await part.arrayBuffer());
				let text = '';
				for (const byte of bytes) text += String.fromCharCode(byte);
				out.push(btoa(text));
			}
			return out;
		},
		{ ms: seconds * 1000, keyframes }
	);
	fs.rmSync(outDir, { recursive: true, force: true });
	fs.mkdirSync(outDir, { recursive: true });
	chunks.forEach((chunk, index) => {
		fs.writeFileSync(path.join(outDir, `chunk-${index}.webm`), Buffer.from(chunk, 'base64'));
	});
	console.log(`${chunks.length} chunks written to ${outDir}`);
} finally {
	await browser.close();
}
