import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, type SessionUser } from './auth';
import { ingestEvents } from './events';
import {
	describeEvent,
	listReports,
	reportCsv,
	reportJson,
	screenShareIntervals,
	sessionReport
} from './reports';
import type { Runtime } from './runtime';
import { claimSessionCode, createSupportSession, endSupportSession } from './support-sessions';
import { openTestRuntime } from './test-runtime';

describe('report helpers', () => {
	it('describes events as plain text', () => {
		expect(describeEvent('chat', { name: 'Maria', text: 'Hello' })).toBe('Maria: Hello');
		expect(
			describeEvent('file', { name: 'log.txt', size: 2048, direction: 'to-agent', result: 'done' })
		).toBe('File log.txt (2.0 kB), customer → agent: done');
		expect(describeEvent('session.ended', { reason: 'connection-lost' })).toBe(
			'Session closed: Connection lost'
		);
		expect(describeEvent('something.new', {})).toBe('something.new');
		// The recorder's own spellings of a direction read the same way.
		expect(
			describeEvent('file', { name: 'a.png', direction: 'agent-to-customer', result: 'failed' })
		).toBe('File a.png, agent → customer: failed');
		// Odd data never throws.
		expect(describeEvent('chat', { name: { x: 1 }, text: 5 })).toBe('[object Object]: 5');
	});

	it('describes events in another language when asked', () => {
		expect(describeEvent('chat', { name: 'Maria', text: 'Ciao' }, 'it')).toBe('Maria: Ciao');
		expect(describeEvent('customer.connected', {}, 'it')).toBe('Cliente connesso');
		expect(describeEvent('session.ended', { reason: 'connection-lost' }, 'it')).toBe(
			'Sessione chiusa: Connessione persa'
		);
		expect(describeEvent('agent.left', { name: 'Luca', reason: 'disabled' }, 'it')).toBe(
			'Luca ha lasciato la sessione (account disattivato)'
		);
		// A region tag falls back to its language; an unknown one to English.
		expect(describeEvent('customer.connected', {}, 'it-IT')).toBe('Cliente connesso');
		expect(describeEvent('customer.connected', {}, 'de')).toBe('Customer connected');
	});

	it('a declined screen says why when the computer refused, in either language', () => {
		expect(describeEvent('screen.declined', { reason: 'system-permission' })).toBe(
			"Screen sharing failed on the customer's computer (system permission)"
		);
		expect(describeEvent('screen.declined', { reason: 'busy' }, 'it')).toBe(
			'Condivisione dello schermo non riuscita sul computer del cliente (lo schermo è in uso o non leggibile)'
		);
		expect(describeEvent('screen.declined', {})).toBe('Customer declined to share their screen');
		// A reason no version of Ponte wrote reads as unknown, never as itself.
		expect(describeEvent('screen.declined', { reason: '<b>x</b>' })).toBe(
			"Screen sharing failed on the customer's computer (unknown error)"
		);
	});

	it('words the recording events, in either language', () => {
		expect(describeEvent('recording-started', { segment: 0, owner: 'Anna' })).toBe(
			'Recording started (part 1, by Anna)'
		);
		expect(describeEvent('recording-segment-ended', { segment: 1, missing: [] })).toBe(
			'Recording part 2 ended'
		);
		expect(describeEvent('recording-segment-ended', { segment: 0, missing: [3, 4] }, 'it')).toBe(
			'Parte 1 della registrazione terminata; 2 frammenti non sono mai arrivati'
		);
		expect(describeEvent('recording-problem', { reason: 'upload-failing' })).toBe(
			'Recording problem: uploading the recording kept failing'
		);
		expect(describeEvent('recording-problem', { reason: '<b>x</b>' })).toBe(
			'Recording problem: <b>x</b>'
		);
	});

	it('words voice, camera, annotation and snapshot events, in either language', () => {
		expect(describeEvent('voice.started', { name: 'Anna' })).toBe('Anna started a voice call');
		expect(describeEvent('voice.joined', {})).toBe('Someone joined the voice call');
		expect(describeEvent('voice.declined', { name: 'Maria' }, 'it')).toBe(
			'Maria ha rifiutato la chiamata vocale'
		);
		expect(describeEvent('voice.ended', {})).toBe('Voice call ended');
		expect(describeEvent('voice.ended', { name: 'Anna' })).toBe('Anna ended the voice call');
		expect(describeEvent('voice.muted', { name: 'Anna' })).toBe('Anna muted their microphone');
		expect(describeEvent('voice.unmuted', { name: 'Anna' }, 'it')).toBe(
			'Anna ha riattivato il microfono'
		);
		expect(describeEvent('camera.sharing', {})).toBe('The customer started sharing their camera');
		expect(describeEvent('camera.paused', { name: 'Maria' })).toBe('Maria paused their camera');
		expect(describeEvent('camera.resumed', { name: 'Maria' })).toBe('Maria resumed their camera');
		expect(describeEvent('camera.stopped', {}, 'it')).toBe(
			'Il cliente ha smesso di condividere la videocamera'
		);
		expect(describeEvent('camera.switched', { name: 'Maria' })).toBe(
			'Maria switched to another camera'
		);
		expect(describeEvent('annotation.started', { name: 'Anna' })).toBe('Anna started annotating');
		expect(describeEvent('annotation.stopped', { name: 'Anna', marks: 3 })).toBe(
			'Anna stopped annotating (marks: 3)'
		);
		expect(describeEvent('annotation.stopped', { marks: 'x' }, 'it')).toBe(
			'Qualcuno ha finito di annotare'
		);
		expect(describeEvent('snapshot', { source: 'screen', annotated: false, size: 2048 })).toBe(
			'Snapshot of the screen (2.0 kB)'
		);
		expect(describeEvent('snapshot', { source: 'camera', annotated: true, size: 2048 }, 'it')).toBe(
			'Istantanea annotata della videocamera (2,0 kB)'
		);
		// Names are text, never markup or objects' insides.
		expect(describeEvent('voice.joined', { name: { toString: 'x' } })).toBe(
			'[object Object] joined the voice call'
		);
		expect(describeEvent('constructor', {})).toBe('constructor');
	});

	it('works out when the screen was shared', () => {
		const events = [
			{ type: 'screen.sharing', at: 100 },
			{ type: 'chat', at: 150 },
			{ type: 'screen.stopped', at: 200 },
			{ type: 'screen.stopped', at: 250 },
			{ type: 'screen.sharing', at: 300 },
			{ type: 'screen.sharing', at: 310 }
		];
		expect(screenShareIntervals(events, 400)).toEqual([
			{ start: 100, end: 200 },
			{ start: 300, end: 400 }
		]);
		expect(screenShareIntervals([], 400)).toEqual([]);
	});
});

describe('session reports', () => {
	let runtime: Runtime;
	let agent: SessionUser;
	let other: SessionUser;
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ponte-reports-'));

	beforeAll(async () => {
		runtime = await openTestRuntime(dataDir, 'admin@reports.test');
		agent = await createUser(runtime.db, {
			email: 'agent@reports.test',
			name: 'Agent Smith',
			password: 'agent-password-1',
			role: 'agent'
		});
		other = await createUser(runtime.db, {
			email: 'other@reports.test',
			name: 'Other Agent',
			password: 'agent-password-2',
			role: 'agent'
		});
	});

	afterAll(async () => {
		await runtime.close();
		fs.rmSync(dataDir, { recursive: true, force: true });
	});

	it('carries chat, files and the end; exports keep the text and neutralise formulas', async () => {
		const { id, code } = await createSupportSession(runtime, agent);
		await claimSessionCode(runtime, {
			code,
			customerName: 'Maria, "the" customer',
			clientAddress: '203.0.113.1'
		});
		// Stamped at the join: the end (stamped later, or in the same millisecond and stored after
		// them) sorts after them by time, then by arrival, with no pause in the test.
		const { at: start } = await runtime.db
			.selectFrom('session_events')
			.select('at')
			.where('session_id', '=', id)
			.where('type', '=', 'customer.joined')
			.executeTakeFirstOrThrow();
		await ingestEvents(runtime, id, agent.id, [
			{
				id: 'c1',
				type: 'chat',
				at: start,
				data: { name: 'Maria', role: 'customer', text: '=1+1, hi\nthere' }
			},
			{
				id: 'c2',
				type: 'chat',
				at: start,
				data: { name: 'Agent Smith', role: 'agent', text: 'Hello <b>Maria</b>' }
			},
			{
				id: 'f1',
				type: 'file',
				at: start,
				data: {
					name: 'printer.log',
					size: 1234,
					direction: 'to-agent',
					result: 'completed',
					sha256: 'ab'.repeat(32)
				}
			}
		]);
		await endSupportSession(runtime, id, { reason: 'customer', by: null });

		const report = (await sessionReport(runtime, id))!;
		expect(report.session.status).toBe('ended');
		expect(report.chat.map((c) => c.text)).toEqual(['=1+1, hi\nthere', 'Hello <b>Maria</b>']);
		expect(report.files).toEqual([
			expect.objectContaining({ name: 'printer.log', size: 1234, result: 'completed' })
		]);
		expect(report.events.map((e) => e.type)).toEqual([
			'session.created',
			'customer.joined',
			'chat',
			'chat',
			'file',
			'session.ended'
		]);

		const json = reportJson(report);
		expect(json.events.find((e) => e.id === 'c2')?.data).toMatchObject({
			text: 'Hello <b>Maria</b>'
		});
		const csv = reportCsv(report);
		expect(csv.split('\r\n')[0]).toBe('time,session,event,type,recorded_by,description,data');
		const italian = reportCsv((await sessionReport(runtime, id, 'it'))!, 'it');
		expect(italian.split('\r\n')[0]).toBe(
			'ora,sessione,evento,tipo,registrato_da,descrizione,dati'
		);
		expect(italian).toContain('Sessione chiusa: Terminata dal cliente');
		expect(italian).toContain('"Maria: =1+1, hi\nthere"');
		expect(csv).toContain('"Maria: =1+1, hi\nthere"');
		expect(csv).toContain('Hello <b>Maria</b>');
		expect(csv).toContain('printer.log');
		// Every data cell is JSON, starting with "{": never a formula.
		expect(csv).not.toMatch(/(^|,)[=+\-@]/m);
	});

	it('lists an agent their own sessions, searchable by customer name', async () => {
		const mine = await createSupportSession(runtime, agent);
		await claimSessionCode(runtime, {
			code: mine.code,
			customerName: 'Zoe 100%_match',
			clientAddress: '203.0.113.2'
		});
		const theirs = await createSupportSession(runtime, other);
		await claimSessionCode(runtime, {
			code: theirs.code,
			customerName: 'Zoe elsewhere',
			clientAddress: '203.0.113.3'
		});
		const filter = { customer: 'Zoe', from: null, to: null, page: 1 };
		const own = await listReports(runtime, agent, filter);
		expect(own.rows.map((r) => r.id)).toEqual([mine.id]);
		const admin = { ...agent, role: 'admin' as const };
		const all = await listReports(runtime, admin, filter);
		expect(all.rows.map((r) => r.id).sort()).toEqual([mine.id, theirs.id].sort());
		// LIKE wildcards in the search are literal.
		const literal = await listReports(runtime, admin, { ...filter, customer: '100%_' });
		expect(literal.rows.map((r) => r.id)).toEqual([mine.id]);
		// Case does not matter, on SQLite and PostgreSQL alike.
		const lower = await listReports(runtime, admin, { ...filter, customer: 'zOE 100' });
		expect(lower.rows.map((r) => r.id)).toEqual([mine.id]);
		const none = await listReports(runtime, admin, { ...filter, customer: '0%x' });
		expect(none.total).toBe(0);
		const future = await listReports(runtime, admin, {
			...filter,
			from: Date.now() + 60_000
		});
		expect(future.rows).toEqual([]);
	});
});
