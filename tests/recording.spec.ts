// Session recording, the browser half (issue #19): the owner agent's browser records what its
// viewer shows and every voice, uploads it in chunks, and the report plays it. The customer is
// told before anything is shared; a server killed mid-recording loses at most one chunk; a
// hand-over gives one recording with two segments.
import fs from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import {
	expect,
	test,
	type Browser,
	type BrowserContext,
	type Locator,
	type Page
} from '@playwright/test';
import { CHROMIUM_ARGS } from '../playwright.config';
import {
	adminPage,
	newAgentAccount,
	query,
	startSessionAs,
	type Credentials
} from './admin-helpers';
import { frameOnPage } from './annotation-helpers';
import { expectAdvancingFrames, logIn, newClient } from './helpers';
import { writeVoiceTone } from './voice-audio';
import { webmVideoFrames } from '../bench/lib/webm-frames.js';
import { OwnServer, ownSession } from './own-server';

// The fake microphone plays a voice-like tone, so the recording has a voice to hear.
const TONE = writeVoiceTone('test-results/recording/voice-tone.wav');
test.use({
	launchOptions: {
		executablePath: process.env.PONTE_CHROMIUM,
		args: [...CHROMIUM_ARGS, `--use-file-for-fake-audio-capture=${TONE}`]
	}
});
test.describe.configure({ timeout: 180_000 });

/** Pictures of the pages to look at (not compared): test-results/recording/shots. */
async function shoot(page: Page, name: string) {
	await page.screenshot({ path: `test-results/recording/shots/${name}.png`, fullPage: true });
}

interface SegmentRow {
	segment: number;
	owner_id: string;
	started_at: number;
	ended_at: number | null;
	ended_by: string | null;
	chunk_count: number | null;
	duration_ms: number | null;
	file_duration_ms: number | null;
}

function segments(sessionId: string, db = query): SegmentRow[] {
	return db<SegmentRow>(
		`SELECT s.segment, s.owner_id, s.started_at, s.ended_at, s.ended_by, s.chunk_count,
		        s.duration_ms, s.file_duration_ms
		   FROM recording_segments s JOIN recordings r ON r.id = s.recording_id
		  WHERE r.session_id = ? ORDER BY s.segment`,
		sessionId
	);
}

/** The chunk indexes the server has stored for each segment. */
function storedChunks(sessionId: string, db = query): Map<number, number[]> {
	const rows = db<{ segment: number; chunk_index: number }>(
		`SELECT c.segment, c.chunk_index FROM recording_chunks c
		   JOIN recordings r ON r.id = c.recording_id
		  WHERE r.session_id = ? AND c.status != 'pending' ORDER BY c.segment, c.chunk_index`,
		sessionId
	);
	const bySegment = new Map<number, number[]>();
	for (const row of rows) {
		bySegment.set(row.segment, [...(bySegment.get(row.segment) ?? []), row.chunk_index]);
	}
	return bySegment;
}

async function recordedGroup(admin: Page): Promise<string> {
	const name = `Recorded ${Date.now()}`;
	await admin.goto('/admin/groups');
	await admin.getByLabel('Group name').fill(name);
	await admin.getByLabel('Record sessions').check();
	await admin.getByRole('button', { name: 'Create group' }).click();
	await expect(admin.getByRole('heading', { name })).toBeVisible();
	return name;
}

/** Notes, in the customer's page, whether the recording notice was on screen when a share began. */
async function watchNoticeAtShare(context: BrowserContext) {
	await context.addInitScript(() => {
		const w = window as unknown as { __noticeAtShare: boolean[] };
		w.__noticeAtShare = [];
		const seen = () => {
			const heading = document.getElementById('recording-notice-heading');
			return !!heading && heading.checkVisibility() && /recorded/.test(heading.textContent ?? '');
		};
		const original = navigator.mediaDevices.getDisplayMedia.bind(navigator.mediaDevices);
		navigator.mediaDevices.getDisplayMedia = (constraints) => {
			w.__noticeAtShare.push(seen());
			return original(constraints);
		};
	});
}

const recordingIndicator = (page: Page) =>
	page.getByRole('status').filter({ hasText: /^\s*(Recording|In registrazione)\s*$/ });

async function say(page: Page, text: string) {
	await page.getByLabel('Message').fill(text);
	await page.getByRole('button', { name: 'Send', exact: true }).click();
}

async function endSession(agent: Page) {
	await agent.getByRole('button', { name: 'End session' }).click();
	await agent
		.getByRole('dialog', { name: 'End the session?' })
		.getByRole('button', { name: 'Yes' })
		.click();
	await expect(agent.getByText('Session ended')).toBeVisible();
}

/** The loudest RMS level (0–1) of the report player's sound over `ms` played from `from` (s). */
function playerVoiceEnergy(page: Page, from: number, ms = 1500): Promise<number> {
	return page.getByLabel('Session recording').evaluate(
		async (video: HTMLVideoElement, { from, ms }) => {
			const stream = (video as HTMLVideoElement & { captureStream(): MediaStream }).captureStream();
			const context = new AudioContext();
			await context.resume();
			const analyser = context.createAnalyser();
			analyser.fftSize = 2048;
			video.currentTime = from;
			await new Promise((resolve) => video.addEventListener('seeked', resolve, { once: true }));
			await video.play();
			await new Promise<void>((resolve) => {
				const wait = () => (stream.getAudioTracks().length > 0 ? resolve() : setTimeout(wait, 50));
				wait();
			});
			context.createMediaStreamSource(stream).connect(analyser);
			const samples = new Float32Array(analyser.fftSize);
			let loudest = 0;
			const until = performance.now() + ms;
			while (performance.now() < until) {
				await new Promise((resolve) => setTimeout(resolve, 50));
				analyser.getFloatTimeDomainData(samples);
				let sum = 0;
				for (const sample of samples) sum += sample * sample;
				loudest = Math.max(loudest, Math.sqrt(sum / samples.length));
			}
			video.pause();
			await context.close();
			return loudest;
		},
		{ from, ms }
	);
}

test('a recorded session: told before sharing, screen, voice and chat play back in the report, marks seek', async ({
	browser
}) => {
	const { page: admin, context: adminContext } = await adminPage(browser);
	const group = await recordedGroup(admin);
	const rita = await newAgentAccount(browser, admin, { name: 'Rita', group });
	await adminContext.close();

	const s = await startSessionAs(browser, rita, 'Carla', { prepareCustomer: watchNoticeAtShare });
	const { agent, customer, sessionId } = s;

	// The customer is told, with who sees it and for how long, before anything is shared.
	const notice = customer.getByRole('region', { name: 'This session is recorded' });
	await expect(notice).toBeVisible();
	await expect(notice).toContainText(
		'agents who take part in this session can watch the recording for 30 days'
	);
	// Told, the customer's page lets the agent record: both sides say it runs.
	await expect(recordingIndicator(agent)).toBeVisible();
	await expect(recordingIndicator(customer)).toBeVisible();
	await shoot(customer, 'customer-notice');
	for (const page of [customer, agent]) {
		const results = await new AxeBuilder({ page })
			.withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
			.analyze();
		expect(results.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
	}

	await customer.getByRole('button', { name: 'Share screen' }).click();
	await expectAdvancingFrames(agent, 'Customer screen');
	const screen = await agent
		.getByLabel('Customer screen')
		.evaluate((v: HTMLVideoElement) => `${v.videoWidth}×${v.videoHeight}`);
	expect(
		await customer.evaluate(
			() => (window as unknown as { __noticeAtShare: boolean[] }).__noticeAtShare
		)
	).toEqual([true]);

	// Voice both ways.
	await agent.getByRole('button', { name: 'Start voice' }).click();
	await customer.getByRole('button', { name: 'Answer' }).click();
	await expect(agent.getByRole('list', { name: 'In voice call' })).toContainText('Carla');

	await say(customer, 'Can you see the error?');
	await expect(agent.getByRole('log', { name: 'Chat' })).toContainText('Can you see the error?');
	await say(agent, 'Yes, I see it');
	await shoot(agent, 'agent-recording');

	// A few chunks reach the server while the session runs (one every 3 s).
	await expect
		.poll(() => storedChunks(sessionId).get(0)?.length ?? 0, { timeout: 30_000 })
		.toBeGreaterThanOrEqual(4);
	await endSession(agent);

	// The agent's browser ended its segment itself, with every chunk it made.
	await expect
		.poll(() => segments(sessionId)[0]?.ended_by ?? null, { timeout: 20_000 })
		.toBe('browser');
	// One segment: the recorder ran from the notice to the end without a break.
	expect(segments(sessionId)).toHaveLength(1);
	const [segment] = segments(sessionId);
	const stored = storedChunks(sessionId).get(0) ?? [];
	expect(stored).toEqual([...Array(segment.chunk_count).keys()]);
	const recordedSeconds = (segment.ended_at! - segment.started_at) / 1000;

	// The report plays it: its length is the session's recorded time (within 2 s).
	await agent.goto(`/agent/reports/${sessionId}`);
	const video = agent.getByLabel('Session recording');
	await expect(video).toBeVisible({ timeout: 30_000 });
	await expect
		.poll(() => video.evaluate((v: HTMLVideoElement) => v.duration), { timeout: 30_000 })
		.toBeGreaterThan(0);
	const duration = await video.evaluate((v: HTMLVideoElement) => v.duration);
	expect(Math.abs(duration - recordedSeconds)).toBeLessThanOrEqual(2);
	const chat = query<{ at: number }>(
		"SELECT at FROM session_events WHERE session_id = ? AND type = 'chat' ORDER BY at LIMIT 1",
		sessionId
	)[0];
	const expected = (chat.at - segment.started_at) / 1000;
	// The voices are in it: from the chat on, both were in the call.
	expect(await playerVoiceEnergy(agent, expected + 0.5)).toBeGreaterThan(0.01);

	// A mark on the timeline plays the recording from that moment.
	await agent
		.getByRole('list', { name: 'Recording timeline' })
		.getByRole('button', { name: /Can you see the error\?/ })
		.click();
	await expect
		.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime))
		.toBeGreaterThanOrEqual(expected - 0.5);
	expect(await video.evaluate((v: HTMLVideoElement) => v.currentTime)).toBeLessThan(expected + 2);
	await shoot(agent, 'report-player');

	// What the composed view held: frames over the recorded time, counted in the file.
	const file = await agent.request.get(`/agent/reports/${sessionId}/recording/0`);
	const frames = webmVideoFrames(Buffer.from(await file.body()));
	const fps = frames.frames / duration;
	// The customer's screen at its own size (the recording began on the 720p "not sharing" frame).
	expect([...frames.sizes]).toContain(screen);
	// A picture all along: at least one frame a second (the timer's floor is four).
	expect(frames.frames).toBeGreaterThan(duration);
	console.log(
		`recording: ${frames.frames} frames (${fps.toFixed(1)} fps, key frames ${[...frames.sizes].join(', ')}), ${stored.length} chunks, player ${duration.toFixed(2)} s for ${recordedSeconds.toFixed(2)} s recorded (the browser measured ${segment.duration_ms} ms)`
	);
	await s.close();
});

/** How many strongly red pixels the report player's picture has in a box around (fx, fy). */
function redPixelsAt(video: Locator, seconds: number, fx: number, fy: number) {
	return video.evaluate(
		async (v: HTMLVideoElement, { seconds, fx, fy }) => {
			v.pause();
			v.currentTime = seconds;
			await new Promise((resolve) => v.addEventListener('seeked', resolve, { once: true }));
			const canvas = document.createElement('canvas');
			canvas.width = v.videoWidth;
			canvas.height = v.videoHeight;
			const context = canvas.getContext('2d')!;
			context.drawImage(v, 0, 0);
			const half = Math.round(v.videoHeight * 0.05);
			const x = Math.round(fx * v.videoWidth) - half;
			const y = Math.round(fy * v.videoHeight) - half;
			const { data } = context.getImageData(x, y, half * 2, half * 2);
			let red = 0;
			for (let i = 0; i < data.length; i += 4) {
				if (data[i] > 150 && data[i + 1] < 90 && data[i + 2] < 90) red++;
			}
			return red;
		},
		{ seconds, fx, fy }
	);
}

test('the agent’s annotation is in the recording: its marks are in the picture while it lasts', async ({
	browser
}) => {
	const { page: admin, context: adminContext } = await adminPage(browser);
	const group = await recordedGroup(admin);
	const rita = await newAgentAccount(browser, admin, { name: 'Rita Marks', group });
	await adminContext.close();
	const s = await startSessionAs(browser, rita, 'Carla');
	const { agent, customer, sessionId } = s;
	await expect(recordingIndicator(agent)).toBeVisible();
	await customer.getByRole('button', { name: 'Share screen' }).click();
	await expectAdvancingFrames(agent, 'Customer screen');
	await expect
		.poll(() => storedChunks(sessionId).get(0)?.length ?? 0, { timeout: 30_000 })
		.toBeGreaterThanOrEqual(1);

	// A red numbered marker in the middle of the frozen frame, left for a few chunks.
	await agent.getByRole('button', { name: 'Annotate', exact: true }).click();
	const surface = agent.getByRole('application', { name: 'Drawing surface' });
	await expect(surface).toBeVisible();
	const frame = await frameOnPage(surface);
	await agent.getByRole('button', { name: 'Number marker', exact: true }).click();
	await agent.getByRole('button', { name: 'Red', exact: true }).click();
	const at = frame.at(0.5, 0.5);
	await agent.mouse.click(at.x, at.y);
	await expect(customer.locator('[data-tool=marker]')).toHaveCount(1);
	const chunksWithMarks = (storedChunks(sessionId).get(0)?.length ?? 0) + 2;
	await expect
		.poll(() => storedChunks(sessionId).get(0)?.length ?? 0, { timeout: 30_000 })
		.toBeGreaterThanOrEqual(chunksWithMarks);
	await agent.getByRole('button', { name: 'Stop annotating' }).click();
	await expect(surface).toHaveCount(0);
	// The screen again, for a while: the marks must be gone from the picture.
	const chunksAfter = (storedChunks(sessionId).get(0)?.length ?? 0) + 2;
	await expect
		.poll(() => storedChunks(sessionId).get(0)?.length ?? 0, { timeout: 30_000 })
		.toBeGreaterThanOrEqual(chunksAfter);
	await endSession(agent);
	await expect
		.poll(() => segments(sessionId)[0]?.ended_by ?? null, { timeout: 20_000 })
		.toBe('browser');

	const [segment] = segments(sessionId);
	const moments = query<{ type: string; at: number }>(
		`SELECT type, at FROM session_events WHERE session_id = ?
		    AND type IN ('annotation.started', 'annotation.stopped') ORDER BY at`,
		sessionId
	);
	expect(moments.map((event) => event.type)).toEqual(['annotation.started', 'annotation.stopped']);
	const [started, stopped] = moments.map((event) => (event.at - segment.started_at) / 1000);

	await agent.goto(`/agent/reports/${sessionId}`);
	const video = agent.getByLabel('Session recording');
	await expect
		.poll(() => video.evaluate((v: HTMLVideoElement) => v.duration), { timeout: 30_000 })
		.toBeGreaterThan(stopped);
	// The annotation's marks on the timeline play from that moment.
	await agent
		.getByRole('list', { name: 'Recording timeline' })
		.getByRole('button', { name: /started annotating/ })
		.first()
		.click();
	await expect
		.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime))
		.toBeGreaterThanOrEqual(started - 0.5);
	// Red where the marker was while the agent annotated; not before it, nor after it.
	expect(await redPixelsAt(video, started - 1.5, 0.5, 0.5)).toBeLessThan(20);
	expect(await redPixelsAt(video, (started + stopped) / 2 + 0.5, 0.5, 0.5)).toBeGreaterThan(200);
	expect(await redPixelsAt(video, stopped + 2, 0.5, 0.5)).toBeLessThan(20);
	await s.close();
});

async function agentConsole(browser: Browser, credentials: Credentials) {
	const context = await newClient(browser);
	const page = await context.newPage();
	await logIn(page, credentials.email, credentials.password);
	return { page, context };
}

test('a hand-over: the old owner ends its segment, the new owner records the next; one recording', async ({
	browser
}) => {
	const { page: admin, context: adminContext } = await adminPage(browser);
	const group = await recordedGroup(admin);
	const first = await newAgentAccount(browser, admin, { name: 'Rita First', group });
	const second = await newAgentAccount(browser, admin, { name: 'Bruno Second', group });
	await adminContext.close();

	const s = await startSessionAs(browser, first, 'Elena');
	const b = await agentConsole(browser, second);
	await b.page.goto('/agent');
	await expect(recordingIndicator(s.agent)).toBeVisible();
	await s.customer.getByRole('button', { name: 'Share screen' }).click();
	await expectAdvancingFrames(s.agent, 'Customer screen');

	await s.agent.getByRole('button', { name: 'Invite agent' }).click();
	const dialog = s.agent.getByRole('dialog', { name: 'Invite an agent' });
	await dialog.getByRole('button', { name: 'Invite Bruno Second' }).click();
	await dialog.getByRole('button', { name: 'Close' }).click();
	await b.page
		.getByRole('region', { name: 'Invitations' })
		.getByRole('button', { name: 'Accept' })
		.click();
	await expectAdvancingFrames(b.page, 'Customer screen');
	// The colleague sees the owner's recorder run, and records nothing itself.
	await expect(recordingIndicator(b.page)).toBeVisible();
	await expect
		.poll(() => storedChunks(s.sessionId).get(0)?.length ?? 0, { timeout: 30_000 })
		.toBeGreaterThanOrEqual(2);
	expect(segments(s.sessionId)).toHaveLength(1);

	await s.agent.getByRole('button', { name: 'Hand over' }).click();
	const handOver = s.agent.getByRole('dialog', { name: 'Hand the session over' });
	await handOver.getByLabel('New owner').selectOption({ label: 'Bruno Second' });
	await handOver.getByRole('button', { name: 'Hand over and leave' }).click();
	await expect(s.agent.getByText('Handed over to Bruno Second')).toBeVisible();

	// The new owner records segment 1; the old owner's segment 0 was ended by its browser.
	await expect.poll(() => segments(s.sessionId).length, { timeout: 30_000 }).toBe(2);
	await expect
		.poll(() => storedChunks(s.sessionId).get(1)?.length ?? 0, { timeout: 30_000 })
		.toBeGreaterThanOrEqual(2);
	await expect(recordingIndicator(s.customer)).toBeVisible();
	// The customer ends it: the new owner's browser still sends what its recorder held, and
	// ends its segment itself, with every chunk it made.
	await s.customer.getByRole('button', { name: 'End session' }).click();
	await s.customer
		.getByRole('dialog', { name: 'End the session?' })
		.getByRole('button', { name: 'Yes' })
		.click();
	await expect(b.page.getByText('Session ended')).toBeVisible();
	await expect
		.poll(() => segments(s.sessionId).map((row) => row.ended_by), { timeout: 20_000 })
		.toEqual(['browser', 'browser']);
	const rows = segments(s.sessionId);
	expect(new Set(rows.map((row) => row.owner_id)).size).toBe(2);
	expect(
		query<{ n: number }>(
			'SELECT COUNT(*) AS n FROM recordings WHERE session_id = ?',
			s.sessionId
		)[0].n
	).toBe(1);
	const chunks = storedChunks(s.sessionId);
	for (const row of rows) {
		expect(chunks.get(row.segment)).toEqual([...Array(row.chunk_count).keys()]);
	}

	// The report plays both parts, in order.
	await b.page.goto(`/agent/reports/${s.sessionId}`);
	await expect(b.page.getByText('Part 1 of 2')).toBeVisible({ timeout: 30_000 });
	// The new owner's part, sent after the end, is put together meanwhile: the page shows it then.
	await expect(
		b.page.getByRole('group', { name: 'Parts of the recording' }).getByRole('button')
	).toHaveCount(2, { timeout: 30_000 });
	await s.close();
	await b.context.close();
});

test('a browser without MediaRecorder: the agent is told at once, the report says why; no indicator', async ({
	browser
}) => {
	const { page: admin, context: adminContext } = await adminPage(browser);
	const group = await recordedGroup(admin);
	const rita = await newAgentAccount(browser, admin, { name: 'Rita Old', group });
	await adminContext.close();
	const agentContext = await newClient(browser);
	await agentContext.addInitScript(() => {
		delete (window as unknown as Record<string, unknown>).MediaRecorder;
	});
	const agent = await agentContext.newPage();
	await logIn(agent, rita.email, rita.password);
	await agent.goto('/agent');
	await agent.getByRole('button', { name: 'New session' }).click();
	// Before any customer: the session must be recorded, and this browser cannot.
	await expect(agent.getByRole('alert')).toHaveText(/this browser cannot record it/);
	const sessionId = agent.url().split('/').pop()!;
	await expect
		.poll(() =>
			query<{ data: string }>(
				"SELECT data FROM session_events WHERE session_id = ? AND type = 'recording-problem'",
				sessionId
			).map((row) => JSON.parse(row.data).reason)
		)
		.toEqual(['unsupported']);
	await expect(recordingIndicator(agent)).toHaveCount(0);
	await agentContext.close();
});

test('kill -9 mid-recording: the agent keeps recording, at most one chunk is lost; 31 days on, retention deletes it', async ({
	browser
}) => {
	const server = new OwnServer(58);
	try {
		await server.start();
		// Every group records (the administrator's included).
		server.database().prepare('UPDATE groups SET record_sessions = 1').run();
		const agentContext = await newClient(browser);
		const customerContext = await newClient(browser);
		const agent = await agentContext.newPage();
		const customer = await customerContext.newPage();
		const sessionId = await ownSession(server, agent, customer, 'Kira');
		await expect(recordingIndicator(agent)).toBeVisible();
		await customer.getByRole('button', { name: 'Share screen' }).click();
		await expectAdvancingFrames(agent, 'Customer screen');
		const db = server.query;
		await expect
			.poll(() => storedChunks(sessionId, db).get(0)?.length ?? 0, { timeout: 30_000 })
			.toBeGreaterThanOrEqual(2);

		await server.kill();
		// The recorder goes on; its chunks wait in IndexedDB (at least two made while down).
		await expect
			.poll(() => pendingChunks(agent, sessionId), { timeout: 30_000 })
			.toBeGreaterThanOrEqual(2);
		await server.start();

		// Back, the browser sends what waited; chunks keep coming after it.
		await expect.poll(() => pendingChunks(agent, sessionId), { timeout: 60_000 }).toBe(0);
		const before = storedChunks(sessionId, db).get(0)?.length ?? 0;
		await expect
			.poll(() => storedChunks(sessionId, db).get(0)?.length ?? 0, { timeout: 30_000 })
			.toBeGreaterThan(before);
		await endSession(agent);
		await expect
			.poll(() => segments(sessionId, db)[0]?.ended_by ?? null, { timeout: 20_000 })
			.toBe('browser');
		const [segment] = segments(sessionId, db);
		const stored = storedChunks(sessionId, db).get(0) ?? [];
		const missing = [...Array(segment.chunk_count).keys()].filter((i) => !stored.includes(i));
		console.log(
			`kill -9 mid-recording: ${segment.chunk_count} chunks made, ${stored.length} stored, missing ${JSON.stringify(missing)}`
		);
		expect(missing.length).toBeLessThanOrEqual(1);

		// Retention: kept 30 days from the session's end. The clock moves 31 days on (every time
		// the server keeps moves back, while it is down); started again, its sweep deletes it.
		await expect
			.poll(
				() =>
					db<{ n: number }>('SELECT COUNT(*) AS n FROM recordings WHERE expires_at IS NOT NULL')[0]
						.n
			)
			.toBe(1);
		const [recording] = db<{ id: string }>(
			'SELECT id FROM recordings WHERE session_id = ?',
			sessionId
		);
		const folder = path.join(server.dataDir, 'recordings', recording.id);
		expect(fs.existsSync(folder)).toBe(true);
		await server.kill();
		const days31 = 31 * 24 * 60 * 60_000;
		const writable = server.database();
		writable
			.prepare('UPDATE support_sessions SET ended_at = ended_at - ? WHERE id = ?')
			.run(days31, sessionId);
		writable
			.prepare('UPDATE recordings SET expires_at = expires_at - ? WHERE id = ?')
			.run(days31, recording.id);
		writable.close();
		await server.start();
		await expect
			.poll(() => db('SELECT id FROM recordings WHERE id = ?', recording.id).length, {
				timeout: 30_000
			})
			.toBe(0);
		expect(fs.existsSync(folder)).toBe(false);
		const deleted = db<{ actor_id: string | null; detail: string }>(
			"SELECT actor_id, detail FROM audit_log WHERE action = 'recording.deleted' AND target = ?",
			sessionId
		);
		expect(deleted.map((row) => [row.actor_id, JSON.parse(row.detail).reason])).toEqual([
			[null, 'retention']
		]);
		await agent.goto(`${server.origin}/agent/reports/${sessionId}`);
		await expect(agent.getByLabel('Session recording')).toHaveCount(0);
		expect(
			(await agent.request.get(`${server.origin}/agent/reports/${sessionId}/recording/0`)).status()
		).toBe(404);
		await agentContext.close();
		await customerContext.close();
	} finally {
		await server.stop();
	}
});

/** Chunks the agent's page keeps in IndexedDB for this session (not yet acknowledged). */
function pendingChunks(agent: Page, sessionId: string): Promise<number> {
	return agent.evaluate(
		(id) =>
			new Promise<number>((resolve, reject) => {
				const open = indexedDB.open('ponte-recording');
				open.onerror = () => reject(open.error);
				open.onsuccess = () => {
					const db = open.result;
					const read = db.transaction('queue', 'readonly').objectStore('queue').getAllKeys();
					read.onerror = () => reject(read.error);
					read.onsuccess = () => {
						db.close();
						const keys = read.result as unknown[][];
						resolve(keys.filter((key) => key[0] === 'chunk' && key[1] === id).length);
					};
				};
			}),
		sessionId
	);
}
