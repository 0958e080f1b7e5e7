import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, type SessionUser } from './auth';
import type { Runtime } from './runtime';
import { claimSessionCode, createSupportSession } from './support-sessions';
import { openTestRuntime } from './test-runtime';

// Its own runtime (and so its own limiters): this test spends the whole global budget.
let runtime: Runtime;
let agent: SessionUser;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ponte-guessing-'));

beforeAll(async () => {
	runtime = await openTestRuntime(dataDir);
	agent = await createUser(runtime.db, {
		email: 'guessing@unit.test',
		name: 'Agent Guess',
		password: 'agent-password-1',
		role: 'agent'
	});
});

afterAll(async () => {
	await runtime.close();
	fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('code guessing from many addresses', () => {
	it('spends a global failure budget, raises one alert, then refuses every address', async () => {
		const alerts: string[] = [];
		const logAlert = runtime.joinLimiter.onGlobalLimit;
		runtime.joinLimiter.onGlobalLimit = () => alerts.push('global');
		const { code } = await createSupportSession(runtime, agent);
		const budget = runtime.joinLimiter.options.global;
		expect(budget).toBeLessThanOrEqual(1000);

		// A botnet: every guess from a different address, none of them blocked on its own.
		for (let i = 0; i < budget; i++) {
			const result = await claimSessionCode(runtime, {
				code: String(100_000_000 + i * 7),
				customerName: 'Bot',
				clientAddress: `203.0.${i >> 8}.${i & 255}`
			});
			expect(result).toEqual({ ok: false, reason: 'invalid' });
		}
		expect(alerts).toEqual(['global']);

		// Now even a fresh address with the right code waits: guessing cannot go on elsewhere.
		const late = await claimSessionCode(runtime, {
			code,
			customerName: 'Real Customer',
			clientAddress: '192.0.2.77'
		});
		expect(late).toEqual({ ok: false, reason: 'rate-limited' });
		runtime.joinLimiter.onGlobalLimit = logAlert;
	});
});
