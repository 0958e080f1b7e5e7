import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEGABYTE } from '$lib/settings';
import {
	changeGroup,
	changeRole,
	createAgent,
	disableUser,
	enableUser,
	resetPassword,
	saveOverrides
} from './agents';
import { createGroup, deleteGroup, updateGroup } from './groups';
import { issuePasswordLink, passwordLinkHolder, setPasswordWithLink } from './password-links';
import { AgentPresenceWatch } from './agent-presence';
import { checkCredentials, createLoginSession, createUser, type SessionUser } from './auth';
import type { Runtime } from './runtime';
import { sha256 } from './secrets';
import { DEFAULT_GROUP_ID } from './settings';
import {
	agentTicket,
	claimSessionCode,
	createSupportSession,
	featuresFor,
	getSupportSession
} from './support-sessions';
import { openTestRuntime } from './test-runtime';

let runtime: Runtime;
let admin: SessionUser;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ponte-accounts-'));
let addressCounter = 0;

beforeAll(async () => {
	runtime = await openTestRuntime(dataDir, 'admin@accounts.test');
	const row = await runtime.db
		.selectFrom('users')
		.select(['id', 'email', 'name', 'role'])
		.where('email', '=', 'admin@accounts.test')
		.executeTakeFirstOrThrow();
	admin = row;
});

afterAll(async () => {
	await runtime.close();
	fs.rmSync(dataDir, { recursive: true, force: true });
});

const actor = () => ({ user: admin, ip: '192.0.2.1' });

async function newAgent(email: string) {
	const result = await createAgent(runtime, actor(), {
		name: email.split('@')[0],
		email,
		role: 'agent',
		groupId: DEFAULT_GROUP_ID
	});
	if (!result.ok) throw new Error(result.error);
	const user = await runtime.db
		.selectFrom('users')
		.select(['id', 'email', 'name', 'role'])
		.where('id', '=', result.userId)
		.executeTakeFirstOrThrow();
	return { user, token: result.token };
}

async function liveSession(agent: SessionUser) {
	const { code, id } = await createSupportSession(runtime, agent);
	const claim = await claimSessionCode(runtime, {
		code,
		customerName: 'Customer',
		clientAddress: `198.51.100.${++addressCounter}`
	});
	expect(claim.ok).toBe(true);
	return id;
}

async function auditActions(target: string): Promise<string[]> {
	const rows = await runtime.db
		.selectFrom('audit_log')
		.select('action')
		.where('target', '=', target)
		.orderBy('id')
		.execute();
	return rows.map((r) => r.action);
}

async function loginCount(userId: string): Promise<number> {
	const { n } = await runtime.db
		.selectFrom('login_sessions')
		.select((eb) => eb.fn.countAll<number>().as('n'))
		.where('user_id', '=', userId)
		.executeTakeFirstOrThrow();
	return Number(n);
}

describe('set-password links', () => {
	it('a new agent gets a single-use link, stored only as a hash', async () => {
		const { user, token } = await newAgent('new.agent@accounts.test');
		expect(token.length).toBeGreaterThanOrEqual(43); // 256 bits, base64url
		const stored = await runtime.db.selectFrom('password_tokens').selectAll().execute();
		expect(JSON.stringify(stored)).not.toContain(token);
		expect(await passwordLinkHolder(runtime, token)).toMatchObject({ id: user.id });

		const set = await setPasswordWithLink(runtime, token, 'a long enough password', null);
		expect(set).toEqual({ ok: true, email: 'new.agent@accounts.test' });
		expect(await checkCredentials(runtime.db, user.email, 'a long enough password')).toMatchObject({
			id: user.id
		});
		// Used once: never again.
		expect((await setPasswordWithLink(runtime, token, 'another password!!', null)).ok).toBe(false);
		expect(await passwordLinkHolder(runtime, token)).toBeNull();
		expect(await auditActions(user.id)).toEqual(['user.created', 'user.password-set']);
	});

	it('refuses an expired link, and a link replaced by a newer one', async () => {
		const { user, token } = await newAgent('late@accounts.test');
		await runtime.db
			.updateTable('password_tokens')
			.set({ expires_at: Date.now() - 1 })
			.where('token_hash', '=', sha256(token))
			.execute();
		expect((await setPasswordWithLink(runtime, token, 'a long enough password', null)).ok).toBe(
			false
		);
		const first = await issuePasswordLink(runtime.db, user.id, 'reset', admin.id);
		const second = await issuePasswordLink(runtime.db, user.id, 'reset', admin.id);
		expect(await passwordLinkHolder(runtime, first)).toBeNull();
		expect(await passwordLinkHolder(runtime, second)).not.toBeNull();
	});

	it('a reset stops the old password and ends other logins', async () => {
		const { user, token } = await newAgent('reset@accounts.test');
		await setPasswordWithLink(runtime, token, 'first password here', null);
		await createLoginSession(runtime.db, user.id);
		const reset = await resetPassword(runtime, actor(), user.id);
		expect(reset.ok).toBe(true);
		expect(await checkCredentials(runtime.db, user.email, 'first password here')).toBeNull();
		expect(await loginCount(user.id)).toBe(0);
		expect(await auditActions(user.id)).toContain('user.password-reset');
	});

	it('two tabs using one link at once: exactly one wins', async () => {
		const { token } = await newAgent('race@accounts.test');
		const results = await Promise.all([
			setPasswordWithLink(runtime, token, 'password number one', null),
			setPasswordWithLink(runtime, token, 'password number two', null)
		]);
		expect(results.filter((r) => r.ok)).toHaveLength(1);
	});
});

describe('accounts', () => {
	it('the last administrator can be neither disabled nor demoted', async () => {
		const other = await createUser(runtime.db, {
			email: 'second.admin@accounts.test',
			name: 'Second admin',
			password: 'second admin password',
			role: 'admin'
		});
		// Two admins: the first may demote the second...
		expect((await changeRole(runtime, actor(), other.id, 'agent')).ok).toBe(true);
		// ...but now the first is the last one, even seen from another admin's hands.
		const asOther = { user: { ...other, role: 'admin' as const }, ip: null };
		expect(await changeRole(runtime, asOther, admin.id, 'agent')).toEqual({
			ok: false,
			error: 'last-admin'
		});
		expect(await disableUser(runtime, asOther, admin.id)).toEqual({
			ok: false,
			error: 'last-admin'
		});
		expect((await disableUser(runtime, actor(), admin.id)).ok).toBe(false);
		expect(await auditActions(other.id)).toEqual(['user.role-changed']);
	});

	it('the last two administrators disabling or demoting each other at once: one wins', async () => {
		const races = [
			(by: Parameters<typeof disableUser>[1], id: string) => disableUser(runtime, by, id),
			(by: Parameters<typeof disableUser>[1], id: string) => changeRole(runtime, by, id, 'agent')
		];
		for (const [i, act] of races.entries()) {
			const other = await createUser(runtime.db, {
				email: `racing.admin.${i}@accounts.test`,
				name: 'Racing admin',
				password: 'racing admin password',
				role: 'admin'
			});
			const asOther = { user: { ...other, role: 'admin' as const }, ip: null };
			const results = await Promise.all([act(actor(), other.id), act(asOther, admin.id)]);
			expect(results.filter((r) => r.ok)).toHaveLength(1);
			expect(results.find((r) => !r.ok)).toEqual({
				ok: false,
				error: 'last-admin'
			});
			const { n } = await runtime.db
				.selectFrom('users')
				.select((eb) => eb.fn.countAll<number>().as('n'))
				.where('role', '=', 'admin')
				.where('disabled_at', 'is', null)
				.executeTakeFirstOrThrow();
			expect(Number(n)).toBe(1);
			// Back as before: the first administrator alone.
			await enableUser(runtime, asOther, admin.id);
			await changeRole(runtime, asOther, admin.id, 'admin');
			await changeRole(runtime, actor(), other.id, 'agent');
		}
	});

	it('disabling an agent ends their live sessions and their logins, and is audited', async () => {
		const { user } = await newAgent('disable.me@accounts.test');
		const sessionId = await liveSession(user);
		await agentTicket(runtime, (await getSupportSession(runtime, sessionId))!, user);
		await createLoginSession(runtime.db, user.id);

		const result = await disableUser(runtime, actor(), user.id);
		expect(result).toEqual({ ok: true, endedSessions: 1 });
		const session = await getSupportSession(runtime, sessionId);
		expect(session).toMatchObject({ status: 'ended', end_reason: 'agent', ended_by: admin.id });
		expect(await loginCount(user.id)).toBe(0);
		expect(await auditActions(user.id)).toContain('user.disabled');
		expect(await auditActions(sessionId)).toContain('session.ended');
	});
});

describe('groups and overrides reach the session', () => {
	it("group settings and the agent's overrides are what the ticket carries", async () => {
		const { user } = await newAgent('restricted@accounts.test');
		const group = await createGroup(runtime, actor(), {
			name: 'No files',
			settings: {
				fileTransfer: false,
				maxFileSize: 10 * MEGABYTE,
				unattended: false,
				agentScreenShare: true,
				voice: false,
				multiAgent: true,
				codeLifetimeMinutes: 3,
				removeCustomerAppAtEnd: true,
				recordSessions: true,
				recordingRetentionDays: 7
			}
		});
		if (!group.ok) throw new Error(group.error);
		expect((await changeGroup(runtime, actor(), user.id, group.groupId)).ok).toBe(true);
		expect(await featuresFor(runtime, user)).toMatchObject({
			fileTransfer: false,
			maxFileSize: 10 * MEGABYTE,
			voice: false,
			removeCustomerAppAtEnd: true,
			record: true,
			recordingRetentionDays: 7
		});

		// The code lifetime comes from the group.
		const before = Date.now();
		const session = await createSupportSession(runtime, user);
		expect(session.expiresAt - before).toBeGreaterThanOrEqual(3 * 60_000 - 50);
		expect(session.expiresAt - before).toBeLessThan(3 * 60_000 + 1000);

		await saveOverrides(runtime, actor(), user.id, {
			agentScreenShare: false,
			maxFileSize: 1,
			voice: true,
			recordSessions: false,
			recordingRetentionDays: 90
		});
		expect(await featuresFor(runtime, user)).toMatchObject({
			fileTransfer: false,
			agentScreenShare: false,
			voice: true,
			maxFileSize: 1,
			record: false,
			recordingRetentionDays: 90
		});
		await updateGroup(runtime, actor(), group.groupId, {
			name: 'Files again',
			settings: {
				fileTransfer: true,
				maxFileSize: 10 * MEGABYTE,
				unattended: false,
				agentScreenShare: true,
				voice: false,
				multiAgent: true,
				codeLifetimeMinutes: null,
				removeCustomerAppAtEnd: false,
				recordSessions: true,
				recordingRetentionDays: 7
			}
		});
		// The agent's own "allow" wins over the group's "deny".
		expect(await featuresFor(runtime, user)).toMatchObject({
			fileTransfer: true,
			agentScreenShare: false,
			voice: true
		});
		// Back to inheriting everything: the override row goes.
		await saveOverrides(runtime, actor(), user.id, {});
		const row = await runtime.db
			.selectFrom('agent_overrides')
			.selectAll()
			.where('user_id', '=', user.id)
			.executeTakeFirst();
		expect(row).toBeUndefined();
		expect(await auditActions(group.groupId)).toEqual(['group.created', 'group.updated']);
		expect(await auditActions(user.id)).toContain('user.overrides-changed');

		// A group with members cannot go; the default group never.
		expect((await deleteGroup(runtime, actor(), group.groupId)).ok).toBe(false);
		expect((await deleteGroup(runtime, actor(), DEFAULT_GROUP_ID)).ok).toBe(false);
	});
});

describe('refusals are codes the routes word', () => {
	const refused = (error: string) => ({ ok: false, error });
	const SETTINGS = {
		fileTransfer: true,
		maxFileSize: MEGABYTE,
		unattended: false,
		agentScreenShare: true,
		voice: true,
		multiAgent: true,
		codeLifetimeMinutes: null,
		removeCustomerAppAtEnd: false,
		recordSessions: false,
		recordingRetentionDays: 30
	};

	it('for accounts', async () => {
		const { user } = await newAgent('codes@accounts.test');
		const input = { name: 'Codes', role: 'agent' as const, groupId: DEFAULT_GROUP_ID };
		expect(await createAgent(runtime, actor(), { ...input, email: 'CODES@accounts.test' })).toEqual(
			refused('email-taken')
		);
		expect(
			await createAgent(runtime, actor(), {
				...input,
				email: 'nogroup@accounts.test',
				groupId: 'missing'
			})
		).toEqual(refused('choose-group'));
		expect(await disableUser(runtime, actor(), admin.id)).toEqual(refused('disable-self'));
		expect(await disableUser(runtime, actor(), 'missing')).toEqual(refused('no-account'));
		expect(await changeRole(runtime, actor(), admin.id, 'agent')).toEqual(
			refused('own-admin-role')
		);
		expect(await changeRole(runtime, actor(), 'missing', 'agent')).toEqual(refused('no-account'));
		expect(await enableUser(runtime, actor(), user.id)).toEqual(refused('not-disabled'));
		expect((await disableUser(runtime, actor(), user.id)).ok).toBe(true);
		expect(await disableUser(runtime, actor(), user.id)).toEqual(refused('already-disabled'));
		expect(await resetPassword(runtime, actor(), user.id)).toEqual(refused('enable-first'));
		expect(await resetPassword(runtime, actor(), 'missing')).toEqual(refused('no-account'));
		expect(await changeGroup(runtime, actor(), user.id, 'missing')).toEqual(refused('no-group'));
		expect(await changeGroup(runtime, actor(), 'missing', DEFAULT_GROUP_ID)).toEqual(
			refused('no-account')
		);
		expect(await saveOverrides(runtime, actor(), 'missing', {})).toEqual(refused('no-account'));
	});

	it('for groups', async () => {
		const { user } = await newAgent('member@accounts.test');
		const group = await createGroup(runtime, actor(), { name: 'Codes', settings: SETTINGS });
		if (!group.ok) throw new Error(group.error);
		const other = await createGroup(runtime, actor(), { name: 'Other', settings: SETTINGS });
		if (!other.ok) throw new Error(other.error);
		expect(await createGroup(runtime, actor(), { name: 'Codes', settings: SETTINGS })).toEqual(
			refused('group-taken')
		);
		expect(
			await updateGroup(runtime, actor(), other.groupId, { name: 'Codes', settings: SETTINGS })
		).toEqual(refused('group-taken'));
		expect(
			await updateGroup(runtime, actor(), 'missing', { name: 'Gone', settings: SETTINGS })
		).toEqual(refused('no-group'));
		expect((await changeGroup(runtime, actor(), user.id, group.groupId)).ok).toBe(true);
		expect(await deleteGroup(runtime, actor(), group.groupId)).toEqual(refused('group-has-agents'));
		expect(await deleteGroup(runtime, actor(), DEFAULT_GROUP_ID)).toEqual(refused('default-group'));
		expect(await deleteGroup(runtime, actor(), 'missing')).toEqual(refused('no-group'));
		expect((await deleteGroup(runtime, actor(), other.groupId)).ok).toBe(true);
	});

	it('for set-password links', async () => {
		expect(
			await setPasswordWithLink(runtime, 'not a token', 'a long enough password', null)
		).toEqual(refused('invalid-link'));
		expect(
			await setPasswordWithLink(runtime, 'A'.repeat(43), 'a long enough password', null)
		).toEqual(refused('invalid-link'));
	});
});

describe('agent presence', () => {
	it('closes an active session as connection-lost once its agent has been gone too long', async () => {
		const { user } = await newAgent('vanishing@accounts.test');
		const gone = await liveSession(user);
		const present = await liveSession(user);
		const watch = new AgentPresenceWatch(120_000);
		const connected = (id: string) => id === present;
		const t0 = Date.now();
		expect(await watch.sweep(runtime, t0, connected)).toEqual([]);
		expect(await watch.sweep(runtime, t0 + 119_000, connected)).toEqual([]);
		expect(await watch.sweep(runtime, t0 + 121_000, connected)).toEqual([gone]);
		expect(await getSupportSession(runtime, gone)).toMatchObject({
			status: 'ended',
			end_reason: 'connection-lost'
		});
		expect((await getSupportSession(runtime, present))?.status).toBe('active');
	});

	it('an agent coming back in time restarts the clock', async () => {
		const { user } = await newAgent('flaky@accounts.test');
		const id = await liveSession(user);
		const watch = new AgentPresenceWatch(60_000);
		const t0 = Date.now();
		// Only this session's agent is watched here; others stay "connected".
		const agentHere = (connected: boolean) => (sessionId: string) => sessionId !== id || connected;
		await watch.sweep(runtime, t0, agentHere(false));
		await watch.sweep(runtime, t0 + 50_000, agentHere(true));
		expect(await watch.sweep(runtime, t0 + 100_000, agentHere(false))).toEqual([]);
		expect(await watch.sweep(runtime, t0 + 111_000, agentHere(false))).toEqual([id]);
	});
});
