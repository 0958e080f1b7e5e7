import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../auth';
import type { Runtime } from '../runtime';
import { redisSessionEvents, type SessionEvents } from '../session-events';
import { claimSessionCode, createSupportSession, endSupportSession } from '../support-sessions';
import { openTestRuntime } from '../test-runtime';
import { openCluster, type Cluster } from './redis';
import { openTestRedis, until } from './test-redis';

// A runtime started with REDIS_URL, and a second "process" beside it: a bare cluster on the
// same Redis (the runtime uses the real `ponte:` prefix, as a deployment would).
const { redis: server, skipReason } = await openTestRedis();
if (skipReason) console.warn(skipReason);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ponte-runtime-redis-'));
let runtime: Runtime;
let other: Cluster;
let otherEvents: SessionEvents;

beforeAll(async () => {
	if (!server) return;
	process.env.REDIS_URL = server.url;
	runtime = await openTestRuntime(dataDir);
	other = await openCluster({ url: server.url });
	otherEvents = await redisSessionEvents(other);
});

afterAll(async () => {
	await otherEvents?.close();
	await other?.close();
	await runtime?.close();
	delete process.env.REDIS_URL;
	fs.rmSync(dataDir, { recursive: true, force: true });
	await server?.stop();
});

describe.skipIf(!server)('a runtime with REDIS_URL', () => {
	it('joins the cluster under its own node ID', () => {
		expect(runtime.cluster?.nodeId).toMatch(/^[0-9a-f-]{36}$/);
		expect(runtime.cluster?.nodeId).not.toBe(other.nodeId);
	});

	it('announces a session ended by its services to the other processes', async () => {
		const agent = await createUser(runtime.db, {
			email: 'redis-runtime@unit.test',
			name: 'Agent Redis',
			password: 'agent-password-1',
			role: 'agent'
		});
		const heard: string[] = [];
		otherEvents.subscribe('session-ended', (sessionId) => heard.push(sessionId));
		const heardHere: string[] = [];
		runtime.events.subscribe('participant-left', (_session, peerId) => heardHere.push(peerId));

		const { id } = await createSupportSession(runtime, agent);
		await endSupportSession(runtime, id, { reason: 'agent', by: agent.id });
		await until(() => heard.includes(id), 5000, 'the other process to hear the end');

		otherEvents.publish('participant-left', id, 'peer-from-elsewhere');
		await until(() => heardHere.length === 1, 5000, 'the runtime to hear the other process');
		expect(heardHere).toEqual(['peer-from-elsewhere']);
	});

	it('counts join guesses in Redis, where the other processes see them', async () => {
		const address = `203.0.113.${Math.floor(Math.random() * 200)}-${randomUUID()}`;
		const budget = runtime.joinLimiter.options.perKey;
		for (let i = 0; i < budget; i++) {
			const result = await claimSessionCode(runtime, {
				code: '000000000',
				customerName: 'Guesser',
				clientAddress: address
			});
			expect(result).toEqual({ ok: false, reason: 'invalid' });
		}
		expect(
			await claimSessionCode(runtime, {
				code: '000000000',
				customerName: 'Guesser',
				clientAddress: address
			})
		).toEqual({ ok: false, reason: 'rate-limited' });
		const stored = await other.redis.hget(other.key('limit', 'join', 'key', address), 'failures');
		expect(Number(stored)).toBe(budget);
	});

	it('keeps console presence in Redis', async () => {
		await runtime.presence.markPresent('agent-on-a');
		expect(await other.redis.exists(other.key('presence', 'agent-on-a'))).toBe(1);
	});
});
