// One voice flow across browsers: a Firefox customer (its fake microphone) with a Chromium
// agent (the generated tone). Each side measures the other's voice on its remote track.
import { CHROMIUM_ARGS } from '../playwright.config';
import { expect, firefoxCustomer, test } from './firefox';
import { remoteVoiceEnergy, writeVoiceTone } from './voice-audio';

const TONE = writeVoiceTone('test-results/voice/voice-tone.wav');
test.use({
	launchOptions: {
		executablePath: process.env.PONTE_CHROMIUM,
		args: [...CHROMIUM_ARGS, `--use-file-for-fake-audio-capture=${TONE}`]
	}
});
test.describe.configure({ timeout: 120_000 });
const SLOW = { timeout: 30_000 };

test('a Firefox customer answers a Chromium agent: the agent hears them, Firefox plays the agent, mute silences', async ({
	browser,
	firefox
}) => {
	const { agent, customer, close } = await firefoxCustomer(browser, firefox);

	await agent.getByRole('button', { name: 'Start voice' }).click();
	await customer.waitForText('Administrator is calling');
	await customer.click('button', 'Answer');
	await customer.waitFor('button', 'End voice');
	await expect(agent.getByRole('button', { name: 'End voice' })).toBeVisible(SLOW);

	const energy: Record<string, number> = {};
	await expect
		.poll(async () => (energy.agentHears = await remoteVoiceEnergy(agent)), SLOW)
		.toBeGreaterThan(0.02);
	// Firefox plays the agent's voice: a live track in a playing <audio>. Its level is not
	// measured: an AudioContext the test makes stays 'suspended' in Firefox under WebDriver BiDi
	// (no user activation), even created in the Answer click; the analyser then reads zeros.
	await customer.waitForFunction(
		() =>
			[...document.querySelectorAll<HTMLAudioElement>('audio[data-voice-peer]')].some(
				(audio) =>
					!audio.paused &&
					(audio.srcObject as MediaStream | null)
						?.getAudioTracks()
						.some((track) => track.readyState === 'live')
			),
		SLOW
	);

	await customer.click('button', 'Mute');
	await customer.waitFor('button', 'Unmute');
	await expect
		.poll(async () => (energy.agentHearsMuted = await remoteVoiceEnergy(agent)), SLOW)
		.toBeLessThan(0.003);

	await customer.click('button', 'End voice');
	await expect(agent.getByRole('button', { name: 'End voice' })).toBeHidden(SLOW);
	console.log(`Firefox voice energy (RMS): ${JSON.stringify(energy)}`);
	await close();
});
