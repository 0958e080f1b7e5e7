import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileAbuseReport } from './abuse';
import { createUser, type SessionUser } from './auth';
import type { Runtime } from './runtime';
import { createSupportSession } from './support-sessions';
import { openTestRuntime } from './test-runtime';

let runtime: Runtime;
let agent: SessionUser;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ponte-abuse-'));

beforeAll(async () => {
	runtime = await openTestRuntime(dataDir);
	agent = await createUser(runtime.db, {
		email: 'abuse@unit.test',
		name: 'Agent Abuse',
		password: 'agent-password-1',
		role: 'agent'
	});
});

afterAll(async () => {
	await runtime.close();
	fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('abuse reports', () => {
	it('20 reports at once for one session: only the first 5 are stored', async () => {
		const { id } = await createSupportSession(runtime, agent);
		const results = await Promise.all(
			Array.from({ length: 20 }, (_, i) =>
				fileAbuseReport(runtime, { sessionId: id, description: `report ${i}`, contact: null })
			)
		);
		expect(results.filter(Boolean)).toHaveLength(5);
		const rows = await runtime.db
			.selectFrom('abuse_reports')
			.select('id')
			.where('session_id', '=', id)
			.execute();
		expect(rows).toHaveLength(5);
	});
});
