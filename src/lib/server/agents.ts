import crypto from 'node:crypto';
import type { SettingOverrides } from '$lib/settings';
import { SETTING_KEYS } from '$lib/settings';
import { auditBy, type Actor, type AdminResult } from './admin-access';
import { createUser, normaliseEmail } from './auth';
import type { DB } from './db';
import type { Role } from './db/schema';
import { findGroup } from './groups';
import { lockUsers } from './db/locks';
import { issuePasswordLink } from './password-links';
import { hashPassword } from './passwords';
import { closeStints } from './participants';
import type { Runtime } from './runtime';
import { randomId } from './secrets';
import { changedSettings, overrideRowValues, overridesFromRow } from './settings';
import { endSupportSession, recordServerEvent } from './support-sessions';

/** Agent administration: accounts, roles, groups and overrides. Refusals are codes the routes word. */

export async function createAgent(
	runtime: Runtime,
	actor: Actor,
	input: { name: string; email: string; role: Role; groupId: string }
): Promise<AdminResult<{ userId: string; token: string }>> {
	const email = normaliseEmail(input.email);
	const taken = await runtime.db
		.selectFrom('users')
		.select('id')
		.where('email', '=', email)
		.executeTakeFirst();
	if (taken) return { ok: false, error: 'email-taken' };
	const group = await findGroup(runtime.db, input.groupId);
	if (!group) return { ok: false, error: 'choose-group' };
	// No password until the link is used: a random one nobody knows stands in.
	const user = await createUser(runtime.db, {
		email,
		name: input.name,
		password: crypto.randomBytes(32).toString('base64url'),
		role: input.role
	});
	await runtime.db
		.updateTable('users')
		.set({ group_id: group.id })
		.where('id', '=', user.id)
		.execute();
	const token = await issuePasswordLink(runtime.db, user.id, 'invite', actor.user.id);
	await auditBy(runtime, actor, 'user.created', user.id, {
		email,
		name: user.name,
		role: input.role,
		group: group.name
	});
	return { ok: true, userId: user.id, token };
}

async function findUser(db: DB, userId: string) {
	return db
		.selectFrom('users')
		.select(['id', 'email', 'name', 'role', 'disabled_at', 'group_id'])
		.where('id', '=', userId)
		.executeTakeFirst();
}

/** Enabled administrators other than `userId`. */
async function otherActiveAdmins(db: DB, userId: string): Promise<number> {
	const row = await db
		.selectFrom('users')
		.select((eb) => eb.fn.countAll<number>().as('n'))
		.where('role', '=', 'admin')
		.where('disabled_at', 'is', null)
		.where('id', '!=', userId)
		.executeTakeFirstOrThrow();
	return Number(row.n);
}

/**
 * Disables an account: its logins end, its live sessions end at once (their signaling sockets
 * close, both pages learn it at their next ticket refresh), and it leaves sessions it joined.
 */
export async function disableUser(
	runtime: Runtime,
	actor: Actor,
	userId: string
): Promise<AdminResult<{ endedSessions: number }>> {
	if (userId === actor.user.id) return { ok: false, error: 'disable-self' };
	const now = Date.now();
	// One transaction for the check and the change: two admins disabling each other cannot
	// both succeed.
	const outcome = await runtime.db.transaction().execute(async (trx) => {
		// The administrators first (in one order, so no deadlock), then the check.
		await lockUsers(trx, 'active-admins');
		const user = await findUser(trx, userId);
		if (!user) return 'missing' as const;
		if (user.disabled_at !== null) return 'already' as const;
		if (user.role === 'admin' && (await otherActiveAdmins(trx, userId)) === 0) {
			return 'last-admin' as const;
		}
		await trx.updateTable('users').set({ disabled_at: now }).where('id', '=', userId).execute();
		await trx.deleteFrom('login_sessions').where('user_id', '=', userId).execute();
		await trx
			.deleteFrom('password_tokens')
			.where('user_id', '=', userId)
			.where('used_at', 'is', null)
			.execute();
		return user;
	});
	if (outcome === 'missing') return { ok: false, error: 'no-account' };
	if (outcome === 'already') return { ok: false, error: 'already-disabled' };
	if (outcome === 'last-admin') return { ok: false, error: 'last-admin' };

	const owned = await runtime.db
		.selectFrom('support_sessions')
		.select('id')
		.where('agent_id', '=', userId)
		.where('status', '!=', 'ended')
		.execute();
	let endedSessions = 0;
	for (const session of owned) {
		if (await endSupportSession(runtime, session.id, { reason: 'agent', by: actor.user.id })) {
			endedSessions++;
		}
	}
	// Sessions of other agents this one had joined: it leaves them; they go on.
	const joined = await runtime.db
		.selectFrom('session_participants')
		.innerJoin('support_sessions', 'support_sessions.id', 'session_participants.session_id')
		.select(['session_participants.session_id', 'session_participants.peer_id'])
		.where('session_participants.user_id', '=', userId)
		.where('session_participants.left_at', 'is', null)
		.where('support_sessions.status', '!=', 'ended')
		.execute();
	for (const participation of joined) {
		await runtime.db
			.updateTable('session_participants')
			.set({ left_at: now })
			.where('session_id', '=', participation.session_id)
			.where('peer_id', '=', participation.peer_id)
			.execute();
		await closeStints(runtime.db, participation.session_id, participation.peer_id, now);
		runtime.events.publish('participant-left', participation.session_id, participation.peer_id);
		await recordServerEvent(
			runtime,
			participation.session_id,
			'agent.left',
			{ name: outcome.name, reason: 'disabled' },
			actor.user.id
		);
	}
	await auditBy(runtime, actor, 'user.disabled', userId, { email: outcome.email, endedSessions });
	return { ok: true, endedSessions };
}

export async function enableUser(
	runtime: Runtime,
	actor: Actor,
	userId: string
): Promise<AdminResult> {
	const user = await runtime.db
		.updateTable('users')
		.set({ disabled_at: null })
		.where('id', '=', userId)
		.where('disabled_at', 'is not', null)
		.returning(['email'])
		.executeTakeFirst();
	if (!user) return { ok: false, error: 'not-disabled' };
	await auditBy(runtime, actor, 'user.enabled', userId, { email: user.email });
	return { ok: true };
}

export async function changeRole(
	runtime: Runtime,
	actor: Actor,
	userId: string,
	role: Role
): Promise<AdminResult> {
	if (userId === actor.user.id && role !== 'admin') {
		return { ok: false, error: 'own-admin-role' };
	}
	const outcome = await runtime.db.transaction().execute(async (trx) => {
		await lockUsers(trx, 'active-admins');
		const user = await findUser(trx, userId);
		if (!user) return 'missing' as const;
		if (user.role === role) return 'same' as const;
		if (
			user.role === 'admin' &&
			user.disabled_at === null &&
			(await otherActiveAdmins(trx, userId)) === 0
		) {
			return 'last-admin' as const;
		}
		await trx.updateTable('users').set({ role }).where('id', '=', userId).execute();
		return user;
	});
	if (outcome === 'missing') return { ok: false, error: 'no-account' };
	if (outcome === 'same') return { ok: true };
	if (outcome === 'last-admin') return { ok: false, error: 'last-admin' };
	await auditBy(runtime, actor, 'user.role-changed', userId, {
		email: outcome.email,
		from: outcome.role,
		to: role
	});
	return { ok: true };
}

/**
 * A reset: the old password stops working at once and the account's other logins end; a new
 * one-time link lets the person choose a new password. An administrator resetting their own
 * keeps the login they are using.
 */
export async function resetPassword(
	runtime: Runtime,
	actor: Actor & { loginTokenHash?: string | null },
	userId: string
): Promise<AdminResult<{ token: string }>> {
	const user = await findUser(runtime.db, userId);
	if (!user) return { ok: false, error: 'no-account' };
	if (user.disabled_at !== null) return { ok: false, error: 'enable-first' };
	const unusable = await hashPassword(randomId(32));
	await runtime.db.transaction().execute(async (trx) => {
		await trx
			.updateTable('users')
			.set({ password_hash: unusable })
			.where('id', '=', userId)
			.execute();
		let logins = trx.deleteFrom('login_sessions').where('user_id', '=', userId);
		if (actor.loginTokenHash) logins = logins.where('token_hash', '!=', actor.loginTokenHash);
		await logins.execute();
	});
	const token = await issuePasswordLink(runtime.db, userId, 'reset', actor.user.id);
	await auditBy(runtime, actor, 'user.password-reset', userId, { email: user.email });
	return { ok: true, token };
}

export async function changeGroup(
	runtime: Runtime,
	actor: Actor,
	userId: string,
	groupId: string
): Promise<AdminResult> {
	const user = await findUser(runtime.db, userId);
	if (!user) return { ok: false, error: 'no-account' };
	const group = await findGroup(runtime.db, groupId);
	if (!group) return { ok: false, error: 'no-group' };
	if (user.group_id === group.id) return { ok: true };
	const previous = await findGroup(runtime.db, user.group_id);
	await runtime.db
		.updateTable('users')
		.set({ group_id: group.id })
		.where('id', '=', userId)
		.execute();
	await auditBy(runtime, actor, 'user.group-changed', userId, {
		email: user.email,
		from: previous?.name ?? user.group_id,
		to: group.name
	});
	return { ok: true };
}

export async function saveOverrides(
	runtime: Runtime,
	actor: Actor,
	userId: string,
	overrides: SettingOverrides
): Promise<AdminResult> {
	const user = await findUser(runtime.db, userId);
	if (!user) return { ok: false, error: 'no-account' };
	const existing = await runtime.db
		.selectFrom('agent_overrides')
		.selectAll()
		.where('user_id', '=', userId)
		.executeTakeFirst();
	const before = { ...emptyOverrides(), ...overridesFromRow(existing) };
	const after = { ...emptyOverrides(), ...overrides };
	const changes = changedSettings(before, after);
	if (Object.keys(changes).length === 0) return { ok: true };
	if (SETTING_KEYS.every((key) => after[key] === null || after[key] === undefined)) {
		// Everything inherits again: no row, so "has overrides" stays truthful.
		await runtime.db.deleteFrom('agent_overrides').where('user_id', '=', userId).execute();
	} else {
		const values = { ...overrideRowValues(after), updated_at: Date.now() };
		await runtime.db
			.insertInto('agent_overrides')
			.values({ user_id: userId, ...values })
			.onConflict((oc) => oc.column('user_id').doUpdateSet(values))
			.execute();
	}
	await auditBy(runtime, actor, 'user.overrides-changed', userId, { email: user.email, changes });
	return { ok: true };
}

function emptyOverrides(): SettingOverrides {
	return Object.fromEntries(SETTING_KEYS.map((key) => [key, null]));
}

/** Every account for the administration overview: disabled last, with live sessions and last login. */
export async function listAgents(runtime: Runtime) {
	const agents = await runtime.db
		.selectFrom('users')
		.leftJoin('groups', 'groups.id', 'users.group_id')
		.select((eb) => [
			'users.id',
			'users.name',
			'users.email',
			'users.role',
			'users.disabled_at',
			'users.created_at',
			'groups.name as group_name',
			eb
				.selectFrom('support_sessions')
				.select((inner) => inner.fn.countAll<number>().as('n'))
				.whereRef('support_sessions.agent_id', '=', 'users.id')
				.where('support_sessions.status', '=', 'active')
				.as('live_sessions'),
			eb
				.selectFrom('audit_log')
				.select((inner) => inner.fn.max('audit_log.at').as('at'))
				.whereRef('audit_log.actor_id', '=', 'users.id')
				.where('audit_log.action', '=', 'login.succeeded')
				.as('last_login')
		])
		// Enabled accounts first: NULLs sort first in SQLite, last in PostgreSQL unless told.
		.orderBy('users.disabled_at', (ob) => ob.asc().nullsFirst())
		.orderBy('users.name')
		.execute();
	return agents.map((a) => ({
		id: a.id,
		name: a.name,
		email: a.email,
		role: a.role,
		disabled: a.disabled_at !== null,
		group: a.group_name ?? '—',
		liveSessions: Number(a.live_sessions ?? 0),
		lastLogin: a.last_login === null ? null : Number(a.last_login)
	}));
}

export async function getAgent(runtime: Runtime, userId: string) {
	return runtime.db
		.selectFrom('users')
		.select(['id', 'name', 'email', 'role', 'disabled_at', 'created_at', 'group_id'])
		.where('id', '=', userId)
		.executeTakeFirst();
}

/** An account's name; the account must exist (sessions keep their agent). */
export async function agentName(runtime: Runtime, userId: string): Promise<string> {
	const agent = await runtime.db
		.selectFrom('users')
		.select(['id', 'name'])
		.where('id', '=', userId)
		.executeTakeFirstOrThrow();
	return agent.name;
}

/** The accounts that can work, by name (whom an agent can invite). */
export async function enabledAgents(runtime: Runtime) {
	return runtime.db
		.selectFrom('users')
		.select(['id', 'name', 'email'])
		.where('disabled_at', 'is', null)
		.orderBy('name')
		.execute();
}
