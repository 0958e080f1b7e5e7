// Voice calls (issue #18): either side starts, the other is rung and answers; each page hears
// the other (audio energy measured on the remote track), mute silences it, End voice ends it,
// the report lists it; a group with Voice off offers nothing and signaling refuses the call.
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { CHROMIUM_ARGS } from '../playwright.config';
import {
	adminPage,
	newAgentAccount,
	query,
	rawSignalingClient,
	startSessionAs,
	ticketClaims
} from './admin-helpers';
import { routeData } from './helpers';
import { remoteVoiceEnergy, writeVoiceTone } from './voice-audio';

// The fake microphone plays a steady generated voice-like tone instead of Chromium's beeps.
const TONE = writeVoiceTone('test-results/voice/voice-tone.wav');
test.use({
	launchOptions: {
		executablePath: process.env.PONTE_CHROMIUM,
		args: [...CHROMIUM_ARGS, `--use-file-for-fake-audio-capture=${TONE}`]
	}
});
test.describe.configure({ timeout: 120_000 });

/** RMS above this is a voice heard; below SILENT, nothing (a muted track sends zeros). */
const HEARD = 0.02;
const SILENT = 0.003;
const SHOTS = '/tmp/shots';
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

const measured: Record<string, number> = {};

async function expectHeard(page: Page, label: string) {
	await expect
		.poll(async () => (measured[label] = await remoteVoiceEnergy(page)), { timeout: 20_000 })
		.toBeGreaterThan(HEARD);
}

async function expectSilent(page: Page, label: string) {
	await expect
		.poll(async () => (measured[label] = await remoteVoiceEnergy(page)), { timeout: 20_000 })
		.toBeLessThan(SILENT);
}

async function expectAxeClean(page: Page) {
	const results = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
	expect(results.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
}

test.afterAll(() => {
	console.log(`voice energy (RMS): ${JSON.stringify(measured)}`);
});

test('voice both ways: ring, answer, hear each other, mute silences, end; the report lists it', async ({
	browser
}) => {
	const { page: admin, context } = await adminPage(browser);
	const marco = await newAgentAccount(browser, admin, { name: 'Marco' });
	const s = await startSessionAs(browser, marco, 'Maria Rossi');
	const { agent, customer } = s;

	await agent.getByRole('button', { name: 'Start voice' }).click();
	const ringing = customer.getByRole('alert').filter({ hasText: 'Marco is calling' });
	await expect(ringing).toBeVisible();
	await expect(customer.getByRole('button', { name: 'Decline' })).toBeVisible();
	await customer.screenshot({ path: `${SHOTS}/voice-ringing.png`, fullPage: true });
	await expectAxeClean(customer);
	await customer.getByRole('button', { name: 'Answer' }).click();

	for (const page of [agent, customer]) {
		await expect(page.getByRole('button', { name: 'End voice' })).toBeVisible();
		await expect(page.getByRole('button', { name: 'Mute', exact: true })).toBeVisible();
	}
	await expect(agent.getByRole('list', { name: 'In voice call' })).toContainText('Maria Rossi');
	await expect(customer.getByRole('list', { name: 'In voice call' })).toContainText('Marco');
	await expect(
		agent.getByRole('status').filter({ hasText: 'Maria Rossi joined the voice call' })
	).toBeAttached();

	// Both ways: each page hears the other's microphone.
	await expectHeard(agent, 'agent hears customer');
	await expectHeard(customer, 'customer hears agent');
	// The speaking indicator sees it too.
	await expect(agent.getByText('speaking', { exact: true })).toHaveCount(2);
	await agent.screenshot({ path: `${SHOTS}/voice-agent.png`, fullPage: true });
	await customer.screenshot({ path: `${SHOTS}/voice-customer.png`, fullPage: true });
	await expectAxeClean(agent);
	await expectAxeClean(customer);

	// Mute silences the customer for the agent (and only that way); Unmute brings it back.
	await customer.getByRole('button', { name: 'Mute', exact: true }).click();
	await expect(customer.getByRole('button', { name: 'Unmute' })).toBeVisible();
	await expect(agent.getByRole('list', { name: 'In voice call' })).toContainText('(muted)');
	await expectSilent(agent, 'agent hears muted customer');
	await expectHeard(customer, 'customer still hears agent');
	await customer.getByRole('button', { name: 'Unmute' }).click();
	await expectHeard(agent, 'agent hears unmuted customer');

	// A phone-sized page keeps every control in reach.
	await customer.setViewportSize({ width: 360, height: 740 });
	await expect(customer.getByRole('button', { name: 'End voice' })).toBeInViewport();
	await customer.screenshot({ path: `${SHOTS}/voice-customer-phone.png`, fullPage: true });

	await agent.getByRole('button', { name: 'End voice' }).click();
	for (const page of [agent, customer]) {
		await expect(page.getByRole('button', { name: 'End voice' })).toBeHidden();
		await expect(page.locator('audio[data-voice-peer]')).toHaveCount(0);
	}
	await expect(agent.getByRole('button', { name: 'Start voice' })).toBeVisible();
	await expect(customer.getByRole('button', { name: /^(Start|Join) voice$/ })).toBeVisible();

	// The report: who started, joined, muted, unmuted and ended.
	await expect
		.poll(
			() =>
				query<{ type: string }>(
					'SELECT type FROM session_events WHERE session_id = ? ORDER BY seq',
					s.sessionId
				)
					.map((e) => e.type)
					.filter((type) => type.startsWith('voice.')),
			{ timeout: 20_000 }
		)
		.toEqual(
			expect.arrayContaining([
				'voice.started',
				'voice.joined',
				'voice.muted',
				'voice.unmuted',
				'voice.ended'
			])
		);
	await s.close();
	await context.close();
});

test('the customer calls: the agent answers and hears them', async ({ browser }) => {
	const { page: admin, context } = await adminPage(browser);
	const luca = await newAgentAccount(browser, admin, { name: 'Luca' });
	const s = await startSessionAs(browser, luca, 'Anna');
	await s.customer.getByRole('button', { name: 'Start voice' }).click();
	await expect(s.agent.getByRole('alert').filter({ hasText: 'Anna is calling' })).toBeVisible();
	await s.agent.getByRole('button', { name: 'Answer' }).click();
	await expectHeard(s.agent, 'agent hears calling customer');
	await expectHeard(s.customer, 'calling customer hears agent');
	await s.customer.getByRole('button', { name: 'End voice' }).click();
	await expect(s.agent.getByRole('button', { name: 'End voice' })).toBeHidden();
	await s.close();
	await context.close();
});

test('a group with Voice off: nothing offers a call, and signaling refuses one', async ({
	browser
}) => {
	const { page: admin, context } = await adminPage(browser);
	const groupName = `No voice ${Date.now()}`;
	await admin.goto('/admin/groups');
	await admin.getByLabel('Group name').fill(groupName);
	await admin.getByLabel('Voice', { exact: true }).uncheck();
	await admin.getByRole('button', { name: 'Create group' }).click();
	await expect(admin.getByRole('heading', { name: groupName })).toBeVisible();
	const quiet = await newAgentAccount(browser, admin, { name: 'Quiet', group: groupName });
	const s = await startSessionAs(browser, quiet, 'Carla');

	await expect(s.agent.getByText('Voice calls are turned off for this session.')).toBeVisible();
	for (const page of [s.agent, s.customer]) {
		await expect(page.getByRole('button', { name: /voice/i })).toHaveCount(0);
	}
	const viewer = (await routeData(s.agent, `/agent/sessions/${s.sessionId}`)) as {
		identity: { peerId: string; ticket: string };
	};
	const customerData = (await routeData(s.customer, '/session')) as {
		peerId: string;
		ticket: string;
		features: { voice: boolean };
	};
	expect(ticketClaims(viewer.identity.ticket).features.voice).toBe(false);
	expect(customerData.features.voice).toBe(false);
	expect(ticketClaims(customerData.ticket).features.voice).toBe(false);

	// The pages go; a bare client with the agent's valid ticket offers a voice call anyway.
	await s.close();
	const forger = await rawSignalingClient(viewer.identity.peerId, viewer.identity.ticket);
	const victim = await rawSignalingClient(customerData.peerId, customerData.ticket);
	forger.send({
		type: 'OFFER',
		dst: customerData.peerId,
		payload: {
			type: 'media',
			connectionId: 'mc_forged_voice',
			metadata: { kind: 'voice' },
			sdp: { type: 'offer', sdp: 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n' }
		}
	});
	// A control channel is relayed: once it arrives, the voice offer would have too.
	forger.send({
		type: 'OFFER',
		dst: customerData.peerId,
		payload: {
			type: 'data',
			label: 'control',
			connectionId: 'dc_control',
			serialization: 'json',
			sdp: {}
		}
	});
	await expect
		.poll(() =>
			victim.received
				.filter((m) => m.type === 'OFFER')
				.map((m) => m.payload?.label ?? m.payload?.type)
		)
		.toEqual(['control']);
	forger.close();
	victim.close();
	await context.close();
});
