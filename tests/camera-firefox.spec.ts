// One camera flow across browsers: a Firefox customer shares its fake camera with a Chromium
// agent, whose Customer camera advances; the agent pauses it, only the customer resumes it.
import { expectAdvancingFrames } from './helpers';
import { expect, firefoxCustomer, test } from './firefox';

test.describe.configure({ timeout: 120_000 });
const SLOW = { timeout: 30_000 };

test("a Firefox customer shares its camera: the Chromium agent's Customer camera advances, pause and resume", async ({
	browser,
	firefox
}) => {
	const { agent, customer, close } = await firefoxCustomer(browser, firefox);

	await customer.click('button', 'Share camera');
	await customer.waitForText('Your camera is shared with');
	await expectAdvancingFrames(agent, 'Customer camera', SLOW);
	await expect(agent.getByText('Camera shared')).toBeVisible(SLOW);

	await agent.getByRole('button', { name: 'Pause camera' }).click();
	await customer.waitFor('button', 'Resume camera');
	await expect(agent.getByText('Camera paused: only the customer can resume it')).toBeVisible(SLOW);
	await customer.click('button', 'Resume camera');
	await expect(agent.getByText('Camera shared')).toBeVisible(SLOW);
	await expectAdvancingFrames(agent, 'Customer camera', SLOW);

	await customer.click('button', 'Stop camera');
	await expect(agent.getByLabel('Customer camera')).toBeHidden(SLOW);
	await close();
});
