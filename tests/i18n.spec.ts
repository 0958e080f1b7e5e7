import fs from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { logIn, newClient, newSession } from './helpers';

/** Where to keep screenshots of the Italian pages, when asked for (never in the repository). */
const SHOTS = process.env.PONTE_I18N_SHOTS;

let addressCounter = 0;

/** A customer whose browser prefers Italian, on its own client address (rate limits). */
async function italianCustomer(browser: Browser): Promise<Page> {
	addressCounter++;
	const context = await browser.newContext({
		locale: 'it-IT',
		extraHTTPHeaders: { 'x-forwarded-for': `10.251.${process.pid & 255}.${addressCounter % 250}` }
	});
	return context.newPage();
}

/** The Italian pages pass axe as the English ones do (lang included). */
async function expectAccessible(page: Page, state: string) {
	const results = await new AxeBuilder({ page })
		.withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
		.analyze();
	expect
		.soft(
			results.violations.map((v) => `${v.id}: ${v.help}`),
			state
		)
		.toEqual([]);
}

async function shoot(page: Page, name: string) {
	if (!SHOTS) return;
	fs.mkdirSync(SHOTS, { recursive: true });
	for (const [width, height] of [
		[1280, 800],
		[360, 740]
	]) {
		await page.setViewportSize({ width, height });
		await page.screenshot({
			path: path.join(SHOTS, `${name}-${width}x${height}.png`),
			fullPage: true
		});
	}
	await page.setViewportSize({ width: 1280, height: 720 });
}

test('an Italian browser sees the customer flow in Italian, errors included', async ({
	browser
}) => {
	const customer = await italianCustomer(browser);
	await customer.goto('/');
	await expect(customer.locator('html')).toHaveAttribute('lang', 'it');
	await expect(customer).toHaveTitle('Partecipa a una sessione di supporto · Ponte');
	await expect(
		customer.getByRole('heading', { name: 'Partecipa a una sessione di supporto' })
	).toBeVisible();
	await expect(customer.getByRole('combobox', { name: 'Lingua' })).toHaveValue('it');
	await expect(customer.getByText('Il codice di 9 cifre che ti ha dato')).toBeVisible();
	await expectAccessible(customer, 'Italian join page');
	await shoot(customer, 'join');

	// A wrong code: the server's refusal reads in Italian.
	await customer.getByLabel('Codice sessione').fill('000 000 000');
	await customer.getByLabel('Il tuo nome').fill('Giulia Bianchi');
	await customer.getByRole('button', { name: 'Partecipa' }).click();
	await expect(customer.getByRole('alert')).toHaveText(
		"Questo codice non è valido o è scaduto. Verifica le 9 cifre con l'agente dell'assistenza."
	);
	await expect(customer.getByLabel('Codice sessione')).toHaveAttribute('aria-invalid', 'true');

	// An English-speaking agent opens a session; the customer joins it in Italian.
	const agentContext = await newClient(browser);
	const agent = await agentContext.newPage();
	await logIn(agent);
	const { code } = await newSession(agent);
	await customer.getByLabel('Codice sessione').fill(code);
	await customer.getByRole('button', { name: 'Partecipa' }).click();
	await expect(customer).toHaveURL(/\/session$/);
	await expect(customer.getByText(/^Connessione sicura/)).toBeVisible();
	await expect(agent.getByRole('heading', { name: 'Session with Giulia Bianchi' })).toBeVisible();

	await expect(customer).toHaveTitle('Sessione di supporto · Ponte');
	await expect(
		customer.getByRole('heading', { name: /^Administrator di .* è qui per aiutarti$/ })
	).toBeVisible();
	await expect(customer.getByText(/^Prosegui solo se hai contattato tu /)).toBeVisible();
	const toolbar = customer.getByRole('region', { name: 'Barra degli strumenti del cliente' });
	await expect(toolbar.getByText('Administrator non può vedere il tuo schermo')).toBeVisible();
	await expect(toolbar.getByRole('button', { name: 'Condividi schermo' })).toBeEnabled();
	await expect(toolbar.getByRole('button', { name: 'Chat' })).toBeVisible();
	await expect(toolbar.getByLabel('Invia file')).toBeEnabled();
	await expect(toolbar.getByRole('button', { name: 'Verifica connessione' })).toBeVisible();
	await expect(toolbar.getByRole('button', { name: 'Termina sessione' })).toBeVisible();
	await expect(customer.getByRole('region', { name: 'Trasferimenti' })).toContainText(
		'Ancora nessun trasferimento di file.'
	);

	// Chat, with its own error and the agent's arrival in Italian.
	const log = customer.getByRole('log', { name: 'Chat' });
	await expect(log).toContainText('Administrator ha raggiunto la sessione');
	await customer.getByRole('button', { name: 'Invia', exact: true }).click();
	await expect(customer.getByRole('alert')).toHaveText('Scrivi prima un messaggio.');
	await customer.getByLabel('Messaggio').fill('Buongiorno, la stampante non funziona');
	await customer.getByRole('button', { name: 'Invia', exact: true }).click();
	await expect(agent.getByRole('log', { name: 'Chat' })).toContainText(
		'Buongiorno, la stampante non funziona'
	);
	await agent.getByLabel('Message').fill('Ciao Giulia, ora controllo.');
	await agent.getByRole('button', { name: 'Send', exact: true }).click();
	await expect(log).toContainText('Ciao Giulia, ora controllo.');
	await expect(log).toContainText('Tu');

	// Sharing the screen.
	await toolbar.getByRole('button', { name: 'Condividi schermo' }).click();
	await expect(toolbar.getByRole('button', { name: 'Interrompi condivisione' })).toBeVisible();
	await expect(toolbar.getByText('Stai condividendo lo schermo')).toBeVisible();
	await expect(customer.getByText(/^Il tuo schermo è condiviso: l'agente vede/)).toBeVisible();
	await expectAccessible(customer, 'Italian session');
	await shoot(customer, 'session');

	// The safety-code dialog.
	await toolbar.getByRole('button', { name: 'Verifica connessione' }).click();
	const verify = customer.getByRole('dialog', { name: 'Verifica connessione' });
	await expect(verify.getByText('Codice di sicurezza')).toBeVisible();
	await verify.getByRole('button', { name: 'Chiudi' }).click();

	// Ending: the confirmation and the ended page.
	await toolbar.getByRole('button', { name: 'Termina sessione' }).click();
	const confirm = customer.getByRole('dialog', { name: 'Terminare la sessione?' });
	await expect(confirm.getByRole('button', { name: 'No' })).toBeFocused();
	await expect(confirm.getByRole('button', { name: 'Segnala un abuso' })).toBeVisible();
	await confirm.getByRole('button', { name: 'Sì' }).click();
	await expect(customer.getByRole('heading', { name: 'La sessione è terminata' })).toBeVisible();
	await expect(customer.getByText(/^Hai terminato la sessione\./)).toBeVisible();
	await expect(customer.getByRole('link', { name: "Partecipa a un'altra sessione" })).toBeVisible();
	await expect(agent.getByText('Session ended')).toBeVisible();
	await expectAccessible(customer, 'Italian ended page');
	await shoot(customer, 'ended');

	// The server renders the ended page in Italian too.
	await customer.reload();
	await expect(customer.getByRole('heading', { name: 'La sessione è terminata' })).toBeVisible();
	await customer.getByRole('button', { name: 'Segnala un abuso' }).click();
	await expect(customer.getByLabel('Che cosa è successo?')).toBeFocused();
	await expect(customer.getByRole('button', { name: 'Invia segnalazione' })).toBeVisible();

	await agentContext.close();
	await customer.context().close();
});

test('the switcher changes the language in place during a live session, and it is remembered', async ({
	browser
}) => {
	const agentContext = await newClient(browser);
	const customerContext = await newClient(browser);
	const agent = await agentContext.newPage();
	const customer = await customerContext.newPage();
	await logIn(agent);
	const { code } = await newSession(agent);
	await customer.goto('/');
	await expect(customer.locator('html')).toHaveAttribute('lang', 'en');
	await customer.getByLabel('Session code').fill(code);
	await customer.getByLabel('Your name').fill('Luca Verdi');
	await customer.getByRole('button', { name: 'Join' }).click();
	await expect(customer.getByText(/^Connected securely/)).toBeVisible();
	await expect(customer.getByRole('button', { name: 'Share screen' })).toBeVisible();

	// A reload would forget this and drop the live connection.
	await customer.evaluate(() => ((window as unknown as { stillHere: boolean }).stillHere = true));
	await customer.getByLabel('Message').fill('Before the switch');

	// Reached with the keyboard, like every other control.
	const switcher = customer.getByRole('combobox', { name: 'Language' });
	await switcher.focus();
	await expect(switcher).toBeFocused();
	await switcher.selectOption('it');

	await expect(customer.getByRole('button', { name: 'Condividi schermo' })).toBeVisible();
	await expect(customer.getByRole('button', { name: 'Termina sessione' })).toBeVisible();
	await expect(customer.getByText(/^Connessione sicura/)).toBeVisible();
	await expect(customer.locator('html')).toHaveAttribute('lang', 'it');
	await expect(customer.getByRole('combobox', { name: 'Lingua' })).toHaveValue('it');
	await expect(customer).toHaveTitle('Sessione di supporto · Ponte');
	expect(
		await customer.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere)
	).toBe(true);
	// What was typed is still there, and the connection still carries the chat.
	await expect(customer.getByLabel('Messaggio')).toHaveValue('Before the switch');
	await customer.getByRole('button', { name: 'Invia', exact: true }).click();
	await expect(agent.getByRole('log', { name: 'Chat' })).toContainText('Before the switch');
	await agent.getByLabel('Message').fill('Still connected');
	await agent.getByRole('button', { name: 'Send', exact: true }).click();
	await expect(customer.getByRole('log', { name: 'Chat' })).toContainText('Still connected');
	// The agent's own page stays in English.
	await expect(agent.getByRole('heading', { name: 'Session with Luca Verdi' })).toBeVisible();

	// The choice is a cookie: the join page, reloaded, is Italian from the server on.
	await customer.goto('/');
	await expect(
		customer.getByRole('heading', { name: 'Partecipa a una sessione di supporto' })
	).toBeVisible();
	await customer.reload();
	await expect(customer.locator('html')).toHaveAttribute('lang', 'it');
	await expect(
		customer.getByRole('heading', { name: 'Partecipa a una sessione di supporto' })
	).toBeVisible();
	await expect(customer.getByRole('button', { name: 'Partecipa' })).toBeVisible();

	// And back to English, in place.
	await customer.getByRole('combobox', { name: 'Lingua' }).selectOption('en');
	await expect(customer.getByRole('heading', { name: 'Join a support session' })).toBeVisible();
	await expect(customer.locator('html')).toHaveAttribute('lang', 'en');

	await agentContext.close();
	await customerContext.close();
});

test('a network that blocks signaling: the customer is told what to do, in Italian', async ({
	browser
}) => {
	const agentContext = await newClient(browser);
	const agent = await agentContext.newPage();
	await logIn(agent);
	const { code } = await newSession(agent);
	const customer = await italianCustomer(browser);
	// A firewall that lets the page load but closes the signaling socket at once.
	await customer.routeWebSocket(/\/peerjs/, (socket) => socket.close());
	await customer.goto('/');
	await customer.getByLabel('Codice sessione').fill(code);
	await customer.getByLabel('Il tuo nome').fill('Giulia');
	await customer.getByRole('button', { name: 'Partecipa' }).click();
	const status = customer.getByRole('status').filter({ hasText: 'server di segnalazione' });
	await expect(status).toContainText('Controlla la connessione a Internet');
	// The browser's own English message is kept for logs, not shown.
	await expect(status).not.toContainText(/Lost connection|socket/i);
	await shoot(customer, 'it-signaling-blocked');
	await customer.context().close();
	await agentContext.close();
});
