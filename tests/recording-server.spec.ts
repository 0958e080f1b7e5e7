import fs from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { adminPage, auditRows, newAgentAccount, startSessionAs } from './admin-helpers';
import { logIn, newClient } from './helpers';

// The server half of session recording, through its HTTP API: the recording agent's browser is
// stood in for by requests made with its page's cookies, the chunks a real MediaRecorder made.
const FIXTURE = path.resolve('src/lib/server/fixtures/recording');
const CHUNKS = fs
	.readdirSync(FIXTURE)
	.map((name) => Number(/^chunk-(\d+)\.webm$/.exec(name)?.[1]))
	.filter((index) => Number.isInteger(index))
	.sort((a, b) => a - b)
	.map((index) => fs.readFileSync(path.join(FIXTURE, `chunk-${index}.webm`)));

test('a recording plays for its agent, seekable; an agent of another group gets 403, ranges too', async ({
	browser
}) => {
	const { page: admin, context: adminContext } = await adminPage(browser);
	const stamp = Date.now();
	for (const [name, record] of [
		[`Recorded ${stamp}`, true],
		[`Elsewhere ${stamp}`, false]
	] as const) {
		await admin.goto('/admin/groups');
		await admin.getByLabel('Group name').fill(name);
		if (record) await admin.getByLabel('Record sessions').check();
		await admin.getByRole('button', { name: 'Create group' }).click();
		await expect(admin.getByRole('heading', { name })).toBeVisible();
	}
	const recorder = await newAgentAccount(browser, admin, {
		name: 'Rita',
		group: `Recorded ${stamp}`
	});
	const outsider = await newAgentAccount(browser, admin, {
		name: 'Otto',
		group: `Elsewhere ${stamp}`
	});
	const s = await startSessionAs(browser, recorder, 'Carla');
	const api = s.agent.request;
	const base = `/api/sessions/${s.sessionId}/recording`;

	const started = await api.post(`${base}/segments`, {
		data: { mimeType: 'video/webm;codecs=vp8,opus' }
	});
	expect(started.status()).toBe(201);
	const { segment } = (await started.json()) as { segment: number };
	// Out of order, as retries arrive.
	for (const index of [1, 0, 2, 3, 5, 4]) {
		const stored = await api.put(`${base}/segments/${segment}/chunks/${index}`, {
			data: CHUNKS[index],
			headers: { 'content-type': 'video/webm' }
		});
		expect(stored.status()).toBe(200);
	}
	const ended = await api.post(`${base}/segments/${segment}/end`, {
		data: { chunks: CHUNKS.length, durationMs: 6000 }
	});
	expect(await ended.json()).toEqual({ missing: [] });

	const file = `/agent/reports/${s.sessionId}/recording/${segment}`;
	await expect.poll(async () => (await api.get(file)).status(), { timeout: 15_000 }).toBe(200);
	const partial = await api.get(file, { headers: { range: 'bytes=0-99' } });
	expect(partial.status()).toBe(206);
	expect(partial.headers()['content-range']).toMatch(/^bytes 0-99\/\d+$/);

	// In the report's player: a duration (the fixed cues and duration), and seekable.
	await s.agent.goto(`/agent/reports/${s.sessionId}`);
	const video = s.agent.getByLabel('Session recording');
	await expect(video).toBeVisible();
	await expect
		.poll(() => video.evaluate((v: HTMLVideoElement) => v.duration), { timeout: 15_000 })
		.toBeGreaterThan(5);
	expect(await video.evaluate((v: HTMLVideoElement) => v.duration)).toBeLessThan(7);
	await expect(s.agent.getByRole('link', { name: 'Download recording' })).toBeVisible();
	const seeked = await video.evaluate(
		(v: HTMLVideoElement) =>
			new Promise<number>((resolve) => {
				v.addEventListener('seeked', () => resolve(v.currentTime), { once: true });
				v.currentTime = 3;
			})
	);
	expect(seeked).toBeCloseTo(3, 1);
	const axe = await new AxeBuilder({ page: s.agent })
		.withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
		.analyze();
	expect(axe.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);

	// An agent of another group: 403 on the file, whole or a range of it.
	const otherContext = await newClient(browser);
	const other = await otherContext.newPage();
	await logIn(other, outsider.email, outsider.password);
	expect((await other.request.get(file)).status()).toBe(403);
	expect((await other.request.get(file, { headers: { range: 'bytes=0-99' } })).status()).toBe(403);
	expect((await other.request.get(`${file}?download=1`)).status()).toBe(403);
	// Nor may it add to the recording.
	expect(
		(
			await other.request.put(`${base}/segments/${segment}/chunks/9`, {
				data: CHUNKS[0],
				headers: { 'content-type': 'video/webm' }
			})
		).status()
	).toBe(403);
	expect(auditRows('recording.viewed', s.sessionId).length).toBeGreaterThanOrEqual(1);

	// Deleting it is an administrator's, once the session has ended: not its agent's.
	const deleteAction = `/agent/reports/${s.sessionId}?/deleteRecording`;
	const asAgent = await api.post(deleteAction, {
		form: {},
		headers: { origin: new URL(s.agent.url()).origin }
	});
	expect(asAgent.status()).toBe(403);
	await expect(s.agent.getByRole('button', { name: 'Delete recording' })).toHaveCount(0);
	await admin.goto(`/agent/reports/${s.sessionId}`);
	await expect(admin.getByLabel('Session recording')).toBeVisible();
	// While the session runs, not even an administrator is offered it.
	await expect(admin.getByRole('button', { name: 'Delete recording' })).toHaveCount(0);
	await s.customer.getByRole('button', { name: 'End session' }).click();
	await s.customer
		.getByRole('dialog', { name: 'End the session?' })
		.getByRole('button', { name: 'Yes' })
		.click();
	await expect(s.customer.getByRole('heading', { name: 'The session has ended' })).toBeVisible();
	await admin.reload();
	await admin.getByRole('button', { name: 'Delete recording' }).click();
	const confirm = admin.getByRole('dialog', { name: 'Delete this recording?' });
	// The safe answer first: Cancel keeps it.
	await confirm.getByRole('button', { name: 'Cancel' }).click();
	await expect(admin.getByLabel('Session recording')).toBeVisible();
	await admin.getByRole('button', { name: 'Delete recording' }).click();
	await confirm.getByRole('button', { name: 'Delete recording' }).click();
	await expect(
		admin.getByRole('status').filter({ hasText: 'The recording was deleted.' })
	).toBeVisible();
	await expect(admin.getByLabel('Session recording')).toHaveCount(0);
	expect((await api.get(file)).status()).toBe(404);
	const deleted = auditRows('recording.deleted', s.sessionId);
	expect(deleted).toHaveLength(1);
	expect(JSON.parse(deleted[0].detail!)).toMatchObject({ reason: 'administrator' });
	expect(deleted[0].actor_id).not.toBeNull();

	await otherContext.close();
	await s.close();
	await adminContext.close();
});
