import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Cookies, RequestEvent } from '@sveltejs/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POST as saveLanguage } from '../../routes/api/agent/locale/+server';
import { LocaleChoice, agentLocale, saveAgentLocale, setLocaleCookie } from './agent-locale';
import { createUser, type SessionUser } from './auth';
import { ingestEvents } from './events';
import { localIssue } from './form-issues';
import { exportReport } from './report-export';
import type { Runtime } from './runtime';
import { getLocale, overwriteGetLocale } from '$lib/paraglide/runtime';
import { CreateAgentForm, LoginForm, SetPasswordForm, v } from './schemas';
import { claimSessionCode, createSupportSession, endSupportSession } from './support-sessions';
import { openTestRuntime } from './test-runtime';

let runtime: Runtime;
let agent: SessionUser;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ponte-agent-locale-'));

beforeAll(async () => {
	runtime = await openTestRuntime(dataDir, 'admin@locale.test');
	agent = await createUser(runtime.db, {
		email: 'agent@locale.test',
		name: 'Agente Rossi',
		password: 'agent-password-1',
		role: 'agent'
	});
});

afterAll(async () => {
	await runtime.close();
	fs.rmSync(dataDir, { recursive: true, force: true });
});

/** A cookie jar with SvelteKit's `set` and `delete`, recording what they were given. */
function cookieJar() {
	const jar = new Map<string, { value: string; options: Record<string, unknown> }>();
	const cookies = {
		get: (name: string) => jar.get(name)?.value,
		set: (name: string, value: string, options: Record<string, unknown>) =>
			jar.set(name, { value, options }),
		delete: (name: string) => jar.delete(name)
	} as unknown as Cookies;
	return { jar, cookies };
}

describe("an agent's language", () => {
	it('is none until chosen, then kept on the account; null goes back to the browser', async () => {
		expect(await agentLocale(runtime, agent.id)).toBeNull();
		await saveAgentLocale(runtime, agent.id, 'it');
		expect(await agentLocale(runtime, agent.id)).toBe('it');
		await saveAgentLocale(runtime, agent.id, null);
		expect(await agentLocale(runtime, agent.id)).toBeNull();
	});

	it('ignores a stored language the catalogue no longer has', async () => {
		await runtime.db
			.updateTable('users')
			.set({ locale: 'xx' })
			.where('id', '=', agent.id)
			.execute();
		expect(await agentLocale(runtime, agent.id)).toBeNull();
	});

	it('accepts only the catalogue’s languages, or null', () => {
		expect(v.safeParse(LocaleChoice, { locale: 'it' }).success).toBe(true);
		expect(v.safeParse(LocaleChoice, { locale: null }).success).toBe(true);
		expect(v.safeParse(LocaleChoice, { locale: 'de' }).success).toBe(false);
		expect(v.safeParse(LocaleChoice, { locale: 'it; path=/' }).success).toBe(false);
		expect(v.safeParse(LocaleChoice, {}).success).toBe(false);
	});

	it('sets the page-readable locale cookie, or removes it', () => {
		const { jar, cookies } = cookieJar();
		setLocaleCookie(cookies, 'it', true);
		expect(jar.get('PONTE_LOCALE')).toEqual({
			value: 'it',
			options: expect.objectContaining({ path: '/', httpOnly: false, secure: true })
		});
		setLocaleCookie(cookies, null, true);
		expect(jar.has('PONTE_LOCALE')).toBe(false);
	});

	it('is saved by the endpoint, in the account and the cookie; bad values are refused', async () => {
		const call = async (body: unknown, user: SessionUser | null = agent) => {
			const { jar, cookies } = cookieJar();
			const request = new Request('http://localhost/api/agent/locale', {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify(body)
			});
			const event = {
				locals: { user },
				request,
				cookies,
				url: new URL(request.url)
			} as unknown as Parameters<typeof saveLanguage>[0];
			try {
				const response = await saveLanguage(event);
				return { status: response.status, jar };
			} catch (thrown) {
				return { status: (thrown as { status: number }).status, jar };
			}
		};
		const saved = await call({ locale: 'it' });
		expect(saved.status).toBe(200);
		expect(saved.jar.get('PONTE_LOCALE')?.value).toBe('it');
		expect(await agentLocale(runtime, agent.id)).toBe('it');

		expect((await call({ locale: 'klingon' })).status).toBe(400);
		expect((await call({ locale: 'en' }, null)).status).toBe(401);
		expect(await agentLocale(runtime, agent.id)).toBe('it');
	});
});

describe('report exports in the agent’s language', () => {
	async function endedSession() {
		const { id, code } = await createSupportSession(runtime, agent);
		await claimSessionCode(runtime, {
			code,
			customerName: 'Maria',
			clientAddress: '203.0.113.9'
		});
		await ingestEvents(runtime, id, agent.id, [
			{
				id: 'f1',
				type: 'file',
				at: Date.now(),
				data: { name: 'log.txt', size: 2048, direction: 'customer-to-agent', result: 'done' }
			}
		]);
		await endSupportSession(runtime, id, { reason: 'customer', by: null });
		return id;
	}

	async function exported(id: string, format: 'csv' | 'json') {
		const event = {
			locals: { user: agent },
			params: { id },
			getClientAddress: () => '203.0.113.10'
		} as unknown as RequestEvent<{ id: string }>;
		const response = await exportReport(event, format);
		return { text: await response.text(), language: response.headers.get('content-language') };
	}

	it('writes Italian headings and descriptions for an agent who chose Italian', async () => {
		const id = await endedSession();
		await saveAgentLocale(runtime, agent.id, 'it');

		const csv = await exported(id, 'csv');
		expect(csv.language).toBe('it');
		const [header, ...rows] = csv.text.replace(/^\uFEFF/, '').split('\r\n');
		expect(header).toBe('ora,sessione,evento,tipo,registrato_da,descrizione,dati');
		expect(csv.text).toContain('Sessione chiusa: Terminata dal cliente');
		expect(csv.text).toContain('Maria si è collegato con il codice');
		expect(csv.text).toMatch(/File log\.txt \(2,0 kB\), cliente → agente: completato/);
		// Machine fields stay as they are: ISO times, IDs, event types.
		expect(rows[0]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z,/);
		expect(csv.text).toContain(',session.ended,');

		const json = JSON.parse((await exported(id, 'json')).text);
		const ended = json.events.find((e: { type: string }) => e.type === 'session.ended');
		expect(ended.description).toBe('Sessione chiusa: Terminata dal cliente');
		expect(json.session.endReason).toBe('customer');
	});

	it('writes English for an agent who chose English', async () => {
		const id = await endedSession();
		await saveAgentLocale(runtime, agent.id, 'en');

		const csv = await exported(id, 'csv');
		expect(csv.language).toBe('en');
		expect(csv.text.replace(/^\uFEFF/, '').split('\r\n')[0]).toBe(
			'time,session,event,type,recorded_by,description,data'
		);
		expect(csv.text).toContain('Session closed: Ended by customer');
		expect(csv.text).toContain('File log.txt (2.0 kB), customer → agent: done');
	});
});

describe('form problems in the request’s language', () => {
	it('keeps the schemas’ English wording for English', () => {
		const parsed = v.safeParse(LoginForm, { email: '', password: 'x' });
		expect(parsed.success).toBe(false);
		if (!parsed.success) {
			expect(localIssue(parsed.issues, { email: 'Email', password: 'Password' })).toBe(
				'Email is required'
			);
		}
	});

	it('words them in Italian for an Italian request', () => {
		const english = getLocale;
		overwriteGetLocale(() => 'it');
		try {
			const issue = (schema: v.GenericSchema, input: unknown) => {
				const parsed = v.safeParse(schema, input);
				return parsed.success ? null : localIssue(parsed.issues, { name: 'Nome', email: 'Email' });
			};
			const agent = { name: 'Luca', email: 'luca@example.test', role: 'agent', group: 'default' };
			expect(issue(CreateAgentForm, { ...agent, name: '' })).toBe('Compila il campo «Nome»');
			expect(issue(CreateAgentForm, { ...agent, email: 'luca' })).toBe(
				'Inserisci un indirizzo email valido'
			);
			expect(issue(CreateAgentForm, { ...agent, name: 'x'.repeat(300) })).toMatch(
				/^Il campo «Nome» è troppo lungo \(al massimo \d+ caratteri\)$/
			);
			expect(issue(CreateAgentForm, { ...agent, role: 'boss' })).toBe('Scegli un ruolo');
			expect(issue(SetPasswordForm, { password: 'short', confirm: 'short' })).toBe(
				'Usa almeno 12 caratteri'
			);
			expect(
				issue(SetPasswordForm, { password: 'long enough password', confirm: 'something else' })
			).toBe('Le due password non coincidono');
		} finally {
			overwriteGetLocale(english);
		}
	});
});
