import fs from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { adminPage, newAgentAccount, type Credentials } from './admin-helpers';
import { join, newClient } from './helpers';

/**
 * The agent console in Italian: an agent whose browser prefers Italian gets it everywhere; the
 * language they choose in the console is kept on their account and follows them to any browser.
 * With PONTE_I18N_SHOTS=<dir>, screenshots of the Italian pages land there (1280×800).
 */
const SHOTS = process.env.PONTE_I18N_SHOTS;
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

let counter = 0;

/** A browser context that prefers Italian, with its own client address (rate limits). */
async function italianClient(browser: Browser) {
	counter++;
	const address = `10.${(process.pid >> 8) & 255}.${(process.pid & 255) ^ 77}.${counter % 250}`;
	return browser.newContext({
		locale: 'it-IT',
		viewport: { width: 1280, height: 800 },
		extraHTTPHeaders: { 'x-forwarded-for': address }
	});
}

async function shot(page: Page, name: string) {
	if (!SHOTS) return;
	fs.mkdirSync(SHOTS, { recursive: true });
	await page.screenshot({ path: `${SHOTS}/${name}.png` });
}

async function expectNoAxeViolations(page: Page) {
	const results = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
	expect(results.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
}

async function logInItalian(page: Page, agent: Credentials) {
	await page.goto('/login');
	await expect(page.getByRole('heading', { name: 'Accedi' })).toBeVisible();
	await page.getByLabel('Email').fill(agent.email);
	await page.getByLabel('Password').fill(agent.password);
	await page.getByRole('button', { name: 'Accedi' }).click();
	await expect(page).toHaveURL(/\/agent$/);
}

test('an Italian agent: console, viewer and report in Italian; English preference sticks', async ({
	browser
}) => {
	test.setTimeout(120_000);
	const admin = await adminPage(browser);
	const agent = await newAgentAccount(browser, admin.page, { name: 'Giulia Bianchi' });
	await admin.context.close();

	// The browser prefers Italian and the account has no preference: the console is Italian.
	const context = await italianClient(browser);
	const page = await context.newPage();
	await logInItalian(page, agent);
	await expect(page.locator('html')).toHaveAttribute('lang', 'it');
	await expect(page.getByRole('heading', { level: 1, name: 'Sessioni' })).toBeVisible();
	const nav = page.getByRole('navigation', { name: 'Console' });
	await expect(nav.getByRole('link', { name: 'Report' })).toBeVisible();
	await expect(nav.getByRole('link', { name: 'Dispositivi' })).toBeVisible();
	await expect(page.getByRole('button', { name: 'Esci' })).toBeVisible();
	await expect(page.getByLabel('Lingua')).toHaveValue('it');
	await expect(page.getByRole('heading', { name: 'In attesa' })).toBeVisible();
	await expectNoAxeViolations(page);
	await shot(page, 'console');

	// A new session: the viewer waits for the customer, in Italian.
	await page.getByRole('button', { name: 'Nuova sessione' }).click();
	await expect(page).toHaveURL(/\/agent\/sessions\/[\w-]+$/);
	const code = ((await page.getByLabel('Codice sessione').textContent()) ?? '').replace(/\s/g, '');
	expect(code).toMatch(/^\d{9}$/);
	await expect(page.getByRole('status').filter({ hasText: 'In attesa del cliente' })).toBeVisible();
	await expect(page.getByRole('button', { name: 'Copia link' })).toBeVisible();
	await expect(page.getByText(/Dettalo al cliente: apre .+ e lo digita\./)).toBeVisible();

	const customerContext = await newClient(browser);
	const customer = await customerContext.newPage();
	await join(customer, code, 'Maria Rossi');
	await expect(customer).toHaveURL(/\/session$/);
	await expect(page.getByRole('heading', { name: 'Sessione con Maria Rossi' })).toBeVisible();
	const controls = page.getByRole('toolbar', { name: 'Controlli del visualizzatore' });
	await expect(controls.getByRole('button', { name: 'Adatta alla finestra' })).toBeVisible();
	await expect(controls.getByRole('button', { name: 'Schermo intero' })).toBeVisible();
	await expect(controls.getByRole('button', { name: 'Termina sessione' })).toBeEnabled();
	await expect(page.getByRole('complementary', { name: 'Chat con il cliente' })).toBeVisible();
	await expect(page.getByRole('button', { name: 'Disattiva suono chat' })).toBeVisible();
	await expectNoAxeViolations(page);
	await shot(page, 'viewer');
	const sessionId = page.url().split('/').pop()!;

	// The report, its print header and its exports are Italian too.
	await page.goto('/agent/reports');
	await expect(page.getByRole('heading', { level: 1, name: 'Report' })).toBeVisible();
	await expect(page.getByRole('columnheader', { name: 'Cliente' })).toBeVisible();
	await expect(page.getByRole('columnheader', { name: 'Durata' })).toBeVisible();
	await page.getByRole('link', { name: 'Maria Rossi' }).click();
	await expect(page).toHaveURL(new RegExp(`/agent/reports/${sessionId}$`));
	await expect(
		page.getByRole('heading', { level: 1, name: 'Sessione con Maria Rossi' })
	).toBeVisible();
	await expect(page.getByRole('heading', { name: 'Cronologia' })).toBeVisible();
	await expect(page.getByRole('heading', { name: 'Partecipanti' })).toBeVisible();
	await expect(page.getByRole('button', { name: 'Stampa' })).toBeVisible();
	const timeline = page.getByRole('list', { name: 'Cronologia' });
	await expect(timeline).toContainText('Sessione creata da Giulia Bianchi');
	await expect(timeline).toContainText('Maria Rossi si è collegato con il codice');
	await page.emulateMedia({ media: 'print' });
	await expect(page.getByText(/Report di sessione Ponte · stampato il/)).toBeVisible();
	await page.emulateMedia({ media: 'screen' });
	await expectNoAxeViolations(page);
	await shot(page, 'report');

	const csvHref = await page.getByRole('link', { name: 'Esporta CSV' }).getAttribute('href');
	const csv = await page.evaluate((href) => fetch(href!).then((r) => r.text()), csvHref);
	expect(csv.replace(/^\uFEFF/, '').split('\r\n')[0]).toBe(
		'ora,sessione,evento,tipo,registrato_da,descrizione,dati'
	);
	expect(csv).toContain('Maria Rossi si è collegato con il codice');

	// The agent picks English: the page switches in place and the account keeps it.
	const saved = page.waitForResponse(
		(r) => r.url().endsWith('/api/agent/locale') && r.request().method() === 'POST'
	);
	await page.getByLabel('Lingua').selectOption({ label: 'English' });
	expect((await saved).ok()).toBe(true);
	await expect(
		page.getByRole('heading', { level: 1, name: 'Session with Maria Rossi' })
	).toBeVisible();
	await expect(page.getByRole('heading', { name: 'Timeline' })).toBeVisible();
	await expect(page.locator('html')).toHaveAttribute('lang', 'en');
	const english = await page.evaluate((href) => fetch(href!).then((r) => r.text()), csvHref);
	expect(english.replace(/^\uFEFF/, '').split('\r\n')[0]).toBe(
		'time,session,event,type,recorded_by,description,data'
	);

	await page.getByRole('button', { name: 'Log out' }).click();
	await expect(page).toHaveURL(/\/login$/);
	await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();
	await customerContext.close();
	await context.close();

	// Another browser that prefers Italian: the account's choice wins once logged in.
	const other = await italianClient(browser);
	const otherPage = await other.newPage();
	await logInItalian(otherPage, agent);
	await expect(otherPage.getByRole('heading', { level: 1, name: 'Sessions' })).toBeVisible();
	await expect(otherPage.getByRole('button', { name: 'New session' })).toBeVisible();
	await expect(otherPage.getByLabel('Language')).toHaveValue('en');
	await other.close();
});

test('administration pages in Italian', async ({ browser }) => {
	const context = await italianClient(browser);
	const page = await context.newPage();
	// The administrator has no saved language: the browser's Italian applies, nothing is stored.
	await logInItalian(page, {
		email: 'admin@ponte.test',
		password: 'correct horse battery staple'
	});
	await page.goto('/admin');
	await expect(page.getByRole('heading', { level: 1, name: 'Agenti' })).toBeVisible();
	const sections = page.getByRole('navigation', { name: 'Amministrazione' });
	await expect(sections.getByRole('link', { name: 'Registro di controllo' })).toBeVisible();
	const form = page.getByRole('region', { name: 'Aggiungi un agente' });
	await expect(form.getByRole('button', { name: 'Crea agente' })).toBeVisible();
	await expect(page.getByRole('columnheader', { name: 'Ultimo accesso' })).toBeVisible();

	// A form problem comes back in Italian.
	await form.getByLabel('Nome').fill('Nome di prova');
	await form.getByLabel('Email').evaluate((input: HTMLInputElement) => {
		input.type = 'text';
		input.value = 'non-una-email';
	});
	await form.getByRole('button', { name: 'Crea agente' }).click();
	await expect(form.getByRole('alert')).toHaveText('Inserisci un indirizzo email valido');
	await expectNoAxeViolations(page);
	await shot(page, 'admin-agents');

	await page.goto('/admin/groups');
	await expect(page.getByRole('heading', { level: 1, name: 'Gruppi' })).toBeVisible();
	await expect(page.getByLabel('Trasferimento di file').first()).toBeVisible();
	await shot(page, 'admin-groups');

	await page
		.getByRole('navigation', { name: 'Amministrazione' })
		.getByRole('link', { name: 'Agenti' })
		.click();
	await page.getByRole('link', { name: 'Administrator' }).first().click();
	await expect(page.getByRole('heading', { name: 'Impostazioni' })).toBeVisible();
	await expect(page.getByRole('button', { name: 'Salva personalizzazioni' })).toBeVisible();
	await shot(page, 'admin-agent');

	await page.goto('/admin/audit');
	await expect(
		page.getByRole('heading', { level: 1, name: 'Registro di controllo' })
	).toBeVisible();
	await expect(page.getByRole('cell', { name: /Accesso eseguito/ }).first()).toBeVisible();
	await expectNoAxeViolations(page);
	await shot(page, 'admin-audit');
	await context.close();
});
