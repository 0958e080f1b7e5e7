import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, type SessionUser } from './auth';
import { ingestEvents } from './events';
import type { Runtime } from './runtime';
import {
	agentViewStatus,
	claimSessionCode,
	createSupportSession,
	endSupportSession,
	expireUnusedCodes,
	getSupportSession
} from './support-sessions';
import { openTestRuntime } from './test-runtime';

let runtime: Runtime;
let agent: SessionUser;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ponte-unit-'));

beforeAll(async () => {
	runtime = await openTestRuntime(dataDir);
	agent = await createUser(runtime.db, {
		email: 'agent@unit.test',
		name: 'Agent Smith',
		password: 'agent-password-1',
		role: 'agent'
	});
});

async function chatEventCount(sessionId: string): Promise<number> {
	const { n } = await runtime.db
		.selectFrom('session_events')
		.select((eb) => eb.fn.countAll<number>().as('n'))
		.where('session_id', '=', sessionId)
		.where('type', '=', 'chat')
		.executeTakeFirstOrThrow();
	return Number(n);
}

afterAll(async () => {
	await runtime.close();
	fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('support sessions', () => {
	it('a code is single-use: two customers racing, exactly one wins', async () => {
		const { code } = await createSupportSession(runtime, agent);
		const results = await Promise.all(
			['A', 'B', 'C'].map((name, i) =>
				claimSessionCode(runtime, { code, customerName: name, clientAddress: `192.0.2.${i}` })
			)
		);
		expect(results.filter((r) => r.ok)).toHaveLength(1);
		expect(results.filter((r) => !r.ok && r.reason === 'invalid')).toHaveLength(2);
	});

	it('accepts the code as people type it, and refuses it once expired', async () => {
		const first = await createSupportSession(runtime, agent);
		const typed = `${first.code.slice(0, 3)}-${first.code.slice(3, 6)} ${first.code.slice(6)}`;
		expect(
			(
				await claimSessionCode(runtime, {
					code: typed,
					customerName: 'X',
					clientAddress: '192.0.2.10'
				})
			).ok
		).toBe(true);

		const second = await createSupportSession(runtime, agent);
		await runtime.db
			.updateTable('support_sessions')
			.set({ code_expires_at: Date.now() - 1 })
			.where('id', '=', second.id)
			.execute();
		const late = await claimSessionCode(runtime, {
			code: second.code,
			customerName: 'Late',
			clientAddress: '192.0.2.11'
		});
		expect(late).toEqual({ ok: false, reason: 'invalid' });
	});

	it('a code expired unused reads as expired to the agent, before and after the sweep', async () => {
		const { id } = await createSupportSession(runtime, agent);
		const expiresAt = Date.now() - 1;
		await runtime.db
			.updateTable('support_sessions')
			.set({ code_expires_at: expiresAt })
			.where('id', '=', id)
			.execute();
		// Before the sweep: still waiting, past its expiry.
		const before = (await getSupportSession(runtime, id))!;
		expect(before.status).toBe('waiting');
		expect(agentViewStatus(before)).toBe('expired');
		// After it: ended as expired. The same state for the agent.
		expect(await expireUnusedCodes(runtime)).toBeGreaterThanOrEqual(1);
		const after = (await getSupportSession(runtime, id))!;
		expect(after).toMatchObject({ status: 'ended', end_reason: 'expired' });
		expect(agentViewStatus(after)).toBe('expired');
		// A code not yet expired, and sessions that ended otherwise, read as they are.
		expect(agentViewStatus({ ...before, code_expires_at: Date.now() + 60_000 })).toBe('waiting');
		expect(agentViewStatus({ ...after, end_reason: 'agent' })).toBe('ended');
		expect(agentViewStatus({ ...after, joined_at: expiresAt - 10 })).toBe('ended');
	});

	it('stores the code only as a hash', async () => {
		const { id, code } = await createSupportSession(runtime, agent);
		const row = await runtime.db
			.selectFrom('support_sessions')
			.selectAll()
			.where('id', '=', id)
			.executeTakeFirst();
		expect(JSON.stringify(row)).not.toContain(code);
	});

	it('slows and then blocks guessing from one address', async () => {
		let last: Awaited<ReturnType<typeof claimSessionCode>> | null = null;
		for (let i = 0; i < 11; i++) {
			last = await claimSessionCode(runtime, {
				code: String(100000000 + i),
				customerName: 'Guesser',
				clientAddress: '198.51.100.1'
			});
		}
		expect(last).toEqual({ ok: false, reason: 'rate-limited' });
	});

	it('40 code guesses at once from one address: at most the budget is looked up', async () => {
		const budget = runtime.joinLimiter.options.perKey;
		const results = await Promise.all(
			Array.from({ length: 40 }, (_, i) =>
				claimSessionCode(runtime, {
					code: String(200000000 + i),
					customerName: 'Parallel guesser',
					clientAddress: '198.51.100.40'
				})
			)
		);
		const judged = results.filter((r) => !r.ok && r.reason === 'invalid');
		expect(judged.length).toBeLessThanOrEqual(budget);
		expect(results.filter((r) => !r.ok && r.reason === 'rate-limited')).toHaveLength(
			40 - judged.length
		);
	});

	it('ingests events idempotently by ID', async () => {
		const { id } = await createSupportSession(runtime, agent);
		const events = [
			{ id: 'e1', type: 'chat', at: 1, data: { text: 'hello' } },
			{ id: 'e2', type: 'chat', at: 2, data: { text: 'again' } }
		];
		expect(await ingestEvents(runtime, id, agent.id, events)).toBe(2);
		expect(await ingestEvents(runtime, id, agent.id, events)).toBe(0);
		expect(await chatEventCount(id)).toBe(2);
	});

	it('a retried batch with new events stores only the new ones, in one transaction', async () => {
		const { id } = await createSupportSession(runtime, agent);
		const first = [
			{ id: 'r1', type: 'chat', at: 1, data: { text: 'one' } },
			{ id: 'r2', type: 'chat', at: 2, data: { text: 'two' } }
		];
		expect(await ingestEvents(runtime, id, agent.id, first)).toBe(2);
		// The page did not see the answer: it sends the batch again, with what came since.
		const retried = [...first, { id: 'r3', type: 'chat', at: 3, data: { text: 'three' } }];
		expect(await ingestEvents(runtime, id, agent.id, retried)).toBe(1);
		const rows = await runtime.db
			.selectFrom('session_events')
			.select(['id', 'data'])
			.where('session_id', '=', id)
			.where('type', '=', 'chat')
			.orderBy('seq')
			.execute();
		expect(rows).toEqual([
			{ id: 'r1', data: '{"text":"one"}' },
			{ id: 'r2', data: '{"text":"two"}' },
			{ id: 'r3', data: '{"text":"three"}' }
		]);
	});

	it('the same batch posted twice at once is stored once', async () => {
		const { id } = await createSupportSession(runtime, agent);
		const batch = Array.from({ length: 50 }, (_, i) => ({
			id: `c${i}`,
			type: 'chat',
			at: i,
			data: { text: `message ${i}` }
		}));
		const stored = await Promise.all([
			ingestEvents(runtime, id, agent.id, batch),
			ingestEvents(runtime, id, agent.id, batch),
			ingestEvents(runtime, id, agent.id, batch)
		]);
		expect(stored.reduce((a, b) => a + b, 0)).toBe(50);
		expect(await chatEventCount(id)).toBe(50);
	});

	it('event IDs are per session, and oversized data is skipped', async () => {
		const a = await createSupportSession(runtime, agent);
		const b = await createSupportSession(runtime, agent);
		const event = { id: 'same', type: 'chat', at: 1, data: { text: 'hi' } };
		expect(await ingestEvents(runtime, a.id, agent.id, [event])).toBe(1);
		expect(await ingestEvents(runtime, b.id, agent.id, [event])).toBe(1);
		const huge = { id: 'huge', type: 'chat', at: 2, data: { text: 'x'.repeat(20_000) } };
		expect(await ingestEvents(runtime, a.id, agent.id, [huge])).toBe(0);
	});

	it('ends once, recording who and why', async () => {
		const { id } = await createSupportSession(runtime, agent);
		expect(await endSupportSession(runtime, id, { reason: 'agent', by: agent.id })).toBe(true);
		expect(await endSupportSession(runtime, id, { reason: 'customer', by: null })).toBe(false);
		const row = await runtime.db
			.selectFrom('support_sessions')
			.select(['status', 'end_reason'])
			.where('id', '=', id)
			.executeTakeFirst();
		expect(row).toEqual({ status: 'ended', end_reason: 'agent' });
	});
});
