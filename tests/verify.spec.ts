import { expect, test, type Page } from '@playwright/test';
import { startSession } from './helpers';

/** Opens Verify connection and returns the safety code it shows. */
async function readSafetyCode(page: Page): Promise<string> {
	await page.getByRole('button', { name: 'Verify connection' }).click();
	const dialog = page.getByRole('dialog', { name: 'Verify connection' });
	await expect(dialog).toBeVisible();
	await expect(dialog).toContainText(
		'Read this code to each other: if both screens show the same digits, nobody is listening in between.'
	);
	const code = dialog.getByLabel('Safety code');
	await expect(code).toHaveText(/^\d{3} \d{3}$/);
	return (await code.textContent())!;
}

test('customer and agent see the same safety code', async ({ browser }) => {
	const s = await startSession(browser);
	const agentCode = await readSafetyCode(s.agent);
	const customerCode = await readSafetyCode(s.customer);
	expect(customerCode).toBe(agentCode);

	// Escape closes the dialog and gives focus back to the button that opened it.
	await s.customer.keyboard.press('Escape');
	await expect(s.customer.getByRole('dialog', { name: 'Verify connection' })).toBeHidden();
	await expect(s.customer.getByRole('button', { name: 'Verify connection' })).toBeFocused();
	await s.agent
		.getByRole('dialog', { name: 'Verify connection' })
		.getByRole('button', {
			name: 'Close'
		})
		.click();
	await expect(s.agent.getByRole('dialog', { name: 'Verify connection' })).toBeHidden();

	// A new session has new certificates, hence a new code.
	await s.close();
	const next = await startSession(browser, 'Luca');
	expect(await readSafetyCode(next.agent)).not.toBe(agentCode);
	await next.close();
});
