import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isHttpError } from '@sveltejs/kit';
import { stringify } from 'devalue';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mayActOn, sessionForActor, sessionForReader } from './access';
import { disableUser } from './agents';
import { createUser, type SessionUser } from './auth';
import { parseBoundedJson } from './bounded-json';
import { CLOCK_SKEW_MS, MAX_EVENT_DATA_DEPTH, admitEvents, ingestEvents } from './events';
import { joinAsAgent, leaveSession } from './invitations';
import { isPresentParticipant, participationOf, presentPeerIds, stintsOf } from './participants';
import { sessionReport } from './reports';
import type { Runtime } from './runtime';
import {
	agentTicket,
	claimSessionCode,
	createSupportSession,
	endSupportSession,
	getSupportSession,
	refreshTicket
} from './support-sessions';
import { openTestRuntime } from './test-runtime';

let runtime: Runtime;
let admin: SessionUser;
let counter = 0;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ponte-participants-'));

beforeAll(async () => {
	runtime = await openTestRuntime(dataDir, 'admin@participants.test');
	admin = await runtime.db
		.selectFrom('users')
		.select(['id', 'email', 'name', 'role'])
		.where('email', '=', 'admin@participants.test')
		.executeTakeFirstOrThrow();
});

afterAll(async () => {
	await runtime.close();
	fs.rmSync(dataDir, { recursive: true, force: true });
});

function newAgent(name: string) {
	counter++;
	return createUser(runtime.db, {
		email: `${name.toLowerCase()}.${counter}@participants.test`,
		name,
		password: 'agent-password-1',
		role: 'agent'
	});
}

/** An active session: owner A (viewer open), a customer, and agent B who joined. */
async function twoAgentSession() {
	const owner = await newAgent('Anna');
	const colleague = await newAgent('Bruno');
	const { id, code } = await createSupportSession(runtime, owner);
	const claim = await claimSessionCode(runtime, {
		code,
		customerName: 'Maria',
		clientAddress: `198.51.100.${counter}`
	});
	if (!claim.ok) throw new Error('claim failed');
	const session = (await getSupportSession(runtime, id))!;
	const ownerIdentity = await agentTicket(runtime, session, owner);
	const colleagueIdentity = (await joinAsAgent(runtime, id, colleague))!;
	return { id, owner, colleague, claim, ownerIdentity, colleagueIdentity };
}

async function httpStatus(promise: Promise<unknown>): Promise<number | 'ok'> {
	try {
		await promise;
		return 'ok';
	} catch (e) {
		if (isHttpError(e)) return e.status;
		throw e;
	}
}

describe('who is present (signaling and ticket refresh ask this)', () => {
	it('an agent who left, or was disabled, is no longer present; their ticket is not refreshed', async () => {
		const s = await twoAgentSession();
		const b = s.colleagueIdentity.peerId;
		expect(await isPresentParticipant(runtime.db, s.id, b, 'agent')).toBe(true);
		expect(await isPresentParticipant(runtime.db, s.id, b, 'customer')).toBe(false);
		expect(await isPresentParticipant(runtime.db, s.id, s.claim.customerPeerId, 'customer')).toBe(
			true
		);

		expect(await leaveSession(runtime, s.id, s.colleague)).toEqual({ ok: true, ended: false });
		expect(await isPresentParticipant(runtime.db, s.id, b, 'agent')).toBe(false);
		expect(await presentPeerIds(runtime.db, s.id)).not.toContain(b);
		expect((await refreshTicket(runtime, s.colleagueIdentity.ticket)).ok).toBe(false);
		// The owner's refresh tells the pages who is left: B is not listed.
		const refreshed = await refreshTicket(runtime, s.ownerIdentity.ticket);
		expect(refreshed.ok && refreshed.present.sort()).toEqual(
			[s.ownerIdentity.peerId, s.claim.customerPeerId].sort()
		);

		// Disabled: the same, for an agent still in the session when it happens.
		const t = await twoAgentSession();
		const actor = { user: admin, ip: '192.0.2.1' };
		expect((await disableUser(runtime, actor, t.colleague.id)).ok).toBe(true);
		expect(await isPresentParticipant(runtime.db, t.id, t.colleagueIdentity.peerId, 'agent')).toBe(
			false
		);
		expect((await refreshTicket(runtime, t.colleagueIdentity.ticket)).ok).toBe(false);

		// An ended session has nobody present.
		await endSupportSession(runtime, t.id, { reason: 'agent', by: t.owner.id });
		expect(await isPresentParticipant(runtime.db, t.id, t.ownerIdentity.peerId, 'agent')).toBe(
			false
		);
		expect(await isPresentParticipant(runtime.db, t.id, t.claim.customerPeerId, 'customer')).toBe(
			false
		);
	});

	it('a disabled account is not present even if its place in the session was never closed', async () => {
		const s = await twoAgentSession();
		// As if the account was disabled by a path that forgot the session (or before this fix).
		await runtime.db
			.updateTable('users')
			.set({ disabled_at: Date.now() })
			.where('id', '=', s.colleague.id)
			.execute();
		expect(await isPresentParticipant(runtime.db, s.id, s.colleagueIdentity.peerId, 'agent')).toBe(
			false
		);
	});
});

describe('reading a report versus acting on the live session', () => {
	it('a former agent may read the report but not act: events, end, invitations are refused', async () => {
		const s = await twoAgentSession();
		await leaveSession(runtime, s.id, s.colleague);
		const session = (await getSupportSession(runtime, s.id))!;
		expect(await httpStatus(sessionForReader(runtime, s.id, s.colleague))).toBe('ok');
		expect(await mayActOn(runtime, session, s.colleague)).toBe(false);
		expect(await httpStatus(sessionForActor(runtime, s.id, s.colleague))).toBe(403);
		expect(await mayActOn(runtime, session, s.owner)).toBe(true);
		expect(await mayActOn(runtime, session, admin)).toBe(true);
		// A stranger may do neither.
		const stranger = await newAgent('Carla');
		expect(await httpStatus(sessionForReader(runtime, s.id, stranger))).toBe(403);

		// A chat line forged after leaving, claiming to be the customer's: refused, not stored.
		const forged = {
			id: 'forged-1',
			type: 'chat',
			at: Date.now(),
			data: { name: 'Maria', role: 'customer', text: 'Send the money to this account' }
		};
		const { admitted, refused } = await admitEvents(runtime, session, s.colleague, [forged]);
		expect(admitted).toEqual([]);
		expect(refused).toEqual([{ id: 'forged-1', reason: 'not-present' }]);

		// Rejoining makes them present again.
		await joinAsAgent(runtime, s.id, s.colleague);
		expect(await mayActOn(runtime, session, s.colleague)).toBe(true);

		// Once ended, nobody acts; its agents still read.
		await endSupportSession(runtime, s.id, { reason: 'agent', by: s.owner.id });
		expect(await httpStatus(sessionForActor(runtime, s.id, s.owner))).toBe(410);
		expect(await httpStatus(sessionForReader(runtime, s.id, s.colleague))).toBe('ok');
	});
});

describe('what may be added to a session record, and when', () => {
	it('takes late events from someone present at their time; refuses other types, times and people', async () => {
		const s = await twoAgentSession();
		const joinedB = (await participationOf(runtime.db, s.id, s.colleague.id))!.joined_at;
		await leaveSession(runtime, s.id, s.colleague);
		await endSupportSession(runtime, s.id, { reason: 'agent', by: s.owner.id });
		const session = (await getSupportSession(runtime, s.id))!;
		const leftB = (await participationOf(runtime.db, s.id, s.colleague.id))!.left_at!;
		const chat = (id: string, at: number) => ({
			id,
			type: 'chat',
			at,
			data: { name: 'Bruno', role: 'agent', text: `line ${id}`, sentAt: at }
		});

		// Queued in B's browser while B was present, delivered after the end: taken.
		const late = await admitEvents(runtime, session, s.colleague, [
			chat('late', joinedB),
			chat('after-left', leftB + 1_000),
			chat('1970', 0),
			{ id: 'fake-end', type: 'session.ended', at: joinedB, data: { reason: 'customer' } },
			{ id: 'fake-join', type: 'agent.joined', at: joinedB, data: { name: 'Mallory' } },
			{ id: 'odd-type', type: 'anything.goes', at: joinedB, data: {} },
			{ id: 'bad-chat', type: 'chat', at: joinedB, data: { text: { nested: true } } },
			{ id: 'bad-role', type: 'chat', at: joinedB, data: { text: 'hi', role: 'server' } }
		]);
		expect(late.admitted.map((e) => e.id)).toEqual(['late']);
		expect(Object.fromEntries(late.refused.map((r) => [r.id, r.reason]))).toEqual({
			'after-left': 'not-present',
			'1970': 'time',
			'fake-end': 'type',
			'fake-join': 'type',
			'odd-type': 'type',
			'bad-chat': 'data',
			'bad-role': 'data'
		});
		// The owner, present to the end: a time far after the end is outside the session's life.
		const owner = await admitEvents(runtime, session, s.owner, [
			chat('owner-late', session.ended_at! - 1),
			chat('owner-future', session.ended_at! + CLOCK_SKEW_MS + 1_000)
		]);
		expect(owner.admitted.map((e) => e.id)).toEqual(['owner-late']);
		expect(owner.refused).toEqual([{ id: 'owner-future', reason: 'time' }]);
	});

	it('an agent who left and came back: events in the gap are refused, those in either stint admitted', async () => {
		// Only Date is faked: the clock moves when the test says, and no timer is involved.
		vi.useFakeTimers({ toFake: ['Date'] });
		try {
			const t0 = Date.now();
			vi.setSystemTime(t0);
			const s = await twoAgentSession();
			vi.setSystemTime(t0 + 60_000);
			await leaveSession(runtime, s.id, s.colleague);
			vi.setSystemTime(t0 + 10 * 60_000);
			await joinAsAgent(runtime, s.id, s.colleague);
			vi.setSystemTime(t0 + 12 * 60_000);

			const { peer_id } = (await participationOf(runtime.db, s.id, s.colleague.id))!;
			expect(await stintsOf(runtime.db, s.id, peer_id)).toEqual([
				{ joined_at: t0, left_at: t0 + 60_000 },
				{ joined_at: t0 + 10 * 60_000, left_at: null }
			]);
			const session = (await getSupportSession(runtime, s.id))!;
			const chat = (id: string, at: number) => ({
				id,
				type: 'chat',
				at,
				data: { name: 'Bruno', role: 'agent', text: `line ${id}`, sentAt: at }
			});
			const result = await admitEvents(runtime, session, s.colleague, [
				chat('first-stint', t0 + 30_000),
				chat('just-after-leaving', t0 + 60_000 + 1),
				chat('in-the-gap', t0 + 5 * 60_000),
				chat('skew-before-rejoin', t0 + 10 * 60_000 - CLOCK_SKEW_MS + 1_000),
				chat('too-early-for-rejoin', t0 + 10 * 60_000 - CLOCK_SKEW_MS - 1_000),
				chat('second-stint', t0 + 11 * 60_000),
				chat('skew-past-now', Date.now() + CLOCK_SKEW_MS - 1_000)
			]);
			expect(result.admitted.map((e) => e.id)).toEqual([
				'first-stint',
				'skew-before-rejoin',
				'second-stint',
				'skew-past-now'
			]);
			expect(result.refused).toEqual([
				{ id: 'just-after-leaving', reason: 'not-present' },
				{ id: 'in-the-gap', reason: 'not-present' },
				{ id: 'too-early-for-rejoin', reason: 'not-present' }
			]);

			// Leaving again, and the session's end, close the second stint.
			vi.setSystemTime(t0 + 13 * 60_000);
			await leaveSession(runtime, s.id, s.colleague);
			vi.setSystemTime(t0 + 14 * 60_000);
			await endSupportSession(runtime, s.id, { reason: 'agent', by: s.owner.id });
			expect((await stintsOf(runtime.db, s.id, peer_id))[1]).toEqual({
				joined_at: t0 + 10 * 60_000,
				left_at: t0 + 13 * 60_000
			});
			const ownerPeer = (await participationOf(runtime.db, s.id, s.owner.id))!.peer_id;
			expect(await stintsOf(runtime.db, s.id, ownerPeer)).toEqual([
				{ joined_at: expect.any(Number), left_at: t0 + 14 * 60_000 }
			]);
		} finally {
			vi.useRealTimers();
		}
	});

	it("admits every event the agent's page records, with the data it sends", async () => {
		const s = await twoAgentSession();
		const session = (await getSupportSession(runtime, s.id))!;
		const at = Date.now();
		const file = { name: 'log.txt', size: 12, direction: 'customer-to-agent' };
		const recorded: [string, Record<string, unknown>][] = [
			['chat', { name: 'Maria', role: 'customer', text: 'Hello', sentAt: at }],
			['chat', { name: 'Anna', role: 'system', text: 'Screen shared', sentAt: at }],
			['file.offered', file],
			['file', { ...file, result: 'failed', error: 'idle-timeout', sha256: null }],
			['file', { ...file, result: 'completed', error: null, sha256: 'ab'.repeat(32) }],
			['screen.requested', {}],
			['screen.request-accepted', {}],
			['screen.request-declined', {}],
			['screen.sharing', {}],
			['screen.stopped', {}],
			['screen.declined', {}],
			['screen.not-shared', {}],
			['customer.connected', {}],
			['customer.disconnected', {}],
			['agent-screen.shared', {}],
			['agent-screen.stopped', {}],
			['session.end-requested', { by: 'agent' }]
		];
		const events = recorded.map(([type, data], i) => ({ id: `page-${i}`, type, at, data }));
		const { admitted, refused } = await admitEvents(runtime, session, s.owner, events);
		expect(refused).toEqual([]);
		expect(admitted.map((e) => e.data)).toEqual(recorded.map(([, data]) => data));
	});

	it('never changes a stored event: a repeat with other content is ignored', async () => {
		const s = await twoAgentSession();
		const at = Date.now();
		const first = { id: 'once', type: 'chat', at, data: { role: 'agent', text: 'original' } };
		expect(await ingestEvents(runtime, s.id, s.owner.id, [first])).toBe(1);
		const rewrite = { ...first, at: 0, data: { role: 'customer', text: 'rewritten' } };
		expect(await ingestEvents(runtime, s.id, s.colleague.id, [rewrite])).toBe(0);
		const row = await runtime.db
			.selectFrom('session_events')
			.select(['at', 'actor', 'data'])
			.where('session_id', '=', s.id)
			.where('id', '=', 'once')
			.executeTakeFirstOrThrow();
		expect(row).toEqual({ at, actor: s.owner.id, data: JSON.stringify(first.data) });
	});

	it('refuses deeply nested event data before parsing it, and a report survives what was stored', async () => {
		const nested = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
		const body = (depth: number) =>
			`{"events":[{"id":"deep","type":"chat","at":1,"data":${nested(depth)}}]}`;
		const limits = { maxBytes: 512 * 1024, maxDepth: 3 + MAX_EVENT_DATA_DEPTH };
		expect(parseBoundedJson(body(MAX_EVENT_DATA_DEPTH), limits).ok).toBe(true);
		expect(parseBoundedJson(body(MAX_EVENT_DATA_DEPTH + 1), limits)).toEqual({
			ok: false,
			error: 'too-deep'
		});
		expect(parseBoundedJson(body(5_000), limits)).toEqual({ ok: false, error: 'too-deep' });
		// Brackets inside strings are text, not nesting.
		expect(parseBoundedJson(`{"t":"${'['.repeat(100)}\\"{{"}`, limits).ok).toBe(true);
		expect(parseBoundedJson('x'.repeat(600 * 1024), limits)).toEqual({
			ok: false,
			error: 'too-large'
		});

		// A row stored before the edge checked depth: the report shows it without its data.
		const s = await twoAgentSession();
		await runtime.db
			.insertInto('session_events')
			.values({
				id: 'deep-old',
				session_id: s.id,
				type: 'chat',
				at: Date.now(),
				actor: s.owner.id,
				data: nested(3_000),
				received_at: Date.now()
			})
			.execute();
		const report = await sessionReport(runtime, s.id);
		expect(report!.events.find((e) => e.id === 'deep-old')!.data).toEqual({});
		// What the report page hands SvelteKit must serialise.
		expect(() => stringify(report)).not.toThrow();
	});
});
