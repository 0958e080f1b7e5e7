import { expect, test, type BrowserContext } from '@playwright/test';
import { database, startSession } from './helpers';

const MAC =
	'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko)';

/**
 * The screen picker fails as the page says: `window.__captureError = [message, name]` makes
 * getDisplayMedia reject with that DOMException, as the browser does when the OS refuses.
 */
async function failingCapture(context: BrowserContext) {
	await context.addInitScript((userAgent: string) => {
		const w = window as unknown as { __captureError: [string, string] };
		w.__captureError = ['Permission denied by system', 'NotAllowedError'];
		Object.defineProperty(navigator, 'userAgent', { get: () => userAgent });
		navigator.mediaDevices.getDisplayMedia = async () => {
			throw new DOMException(...w.__captureError);
		};
	}, MAC);
}

function declinedEvents(sessionId: string) {
	const db = database();
	try {
		return (
			db
				.prepare(
					"SELECT data FROM session_events WHERE session_id = ? AND type = 'screen.declined' ORDER BY at"
				)
				.all(sessionId) as { data: string }[]
		).map((row) => JSON.parse(row.data) as Record<string, unknown>);
	} finally {
		db.close();
	}
}

test('the computer blocking screen capture: the customer is told how to allow it, the agent why', async ({
	browser
}) => {
	const s = await startSession(browser, { prepareCustomer: failingCapture });
	await s.customer.getByRole('button', { name: 'Share screen' }).click();
	await expect(s.customer.getByRole('alert')).toHaveText(
		'Your Mac blocked screen sharing. Open System Settings → Privacy & Security → Screen Recording, turn on your browser, then reload this page and share again.'
	);
	await expect(
		s.agent.getByText("Maria Rossi's computer blocked screen sharing (system permission).")
	).toBeVisible();
	await expect.poll(() => declinedEvents(s.sessionId)).toEqual([{ reason: 'system-permission' }]);

	// The customer's own Cancel keeps today's wording on both sides.
	await s.customer.evaluate(() => {
		(window as unknown as { __captureError: [string, string] }).__captureError = [
			'Permission denied',
			'NotAllowedError'
		];
	});
	await s.customer.getByRole('button', { name: 'Share screen' }).click();
	await expect(s.customer.getByRole('alert')).toHaveText(
		'Screen sharing was not started. You can share whenever you are ready.'
	);
	await expect(s.agent.getByText('Maria Rossi did not share their screen.')).toBeVisible();
	await expect
		.poll(() => declinedEvents(s.sessionId))
		.toEqual([{ reason: 'system-permission' }, {}]);

	// The report reads the reason in words.
	await s.agent.goto(`/agent/reports/${s.sessionId}`);
	await expect(
		s.agent.getByText("Screen sharing failed on the customer's computer (system permission)", {
			exact: true
		})
	).toBeVisible();
	await s.close();
});
