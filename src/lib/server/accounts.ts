import crypto from 'node:crypto';
import { m } from '$lib/paraglide/messages';
import type { AgentSettings, SettingOverrides } from '$lib/settings';
import { SETTING_KEYS } from '$lib/settings';
import { audit } from './audit';
import { createUser, normaliseEmail, type SessionUser } from './auth';
import type { DB } from './db';
import { isPostgres } from './db/dialect';
import type { Role } from './db/schema';
import { hashPassword } from './passwords';
import { closeStints } from './participants';
import type { Runtime } from './runtime';
import { randomId, sha256 } from './secrets';
import {
	DEFAULT_GROUP_ID,
	groupRowValues,
	groupSettingsFromRow,
	overrideRowValues,
	overridesFromRow
} from './settings';
import { endSupportSession, recordServerEvent } from './support-sessions';

/** How long a set-password link can be used. */
export const PASSWORD_LINK_TTL_MS = 24 * 60 * 60 * 1000;

export type AdminResult<T = object> = ({ ok: true } & T) | { ok: false; error: string };

interface Actor {
	user: SessionUser;
	ip?: string | null;
}

/**
 * A one-time link for setting a password: 256 random bits, of which only the SHA-256 is stored;
 * single use, valid for 24 hours. Issuing a new one voids the user's earlier unused links.
 */
export async function issuePasswordLink(
	db: DB,
	userId: string,
	purpose: 'invite' | 'reset',
	createdBy: string | null
): Promise<string> {
	const token = crypto.randomBytes(32).toString('base64url');
	const now = Date.now();
	await db.transaction().execute(async (trx) => {
		// Two links issued at once: one voids the other (the user's row queues them on PostgreSQL).
		await lockUsers(trx, [userId]);
		await trx
			.deleteFrom('password_tokens')
			.where('user_id', '=', userId)
			.where('used_at', 'is', null)
			.execute();
		await trx
			.insertInto('password_tokens')
			.values({
				token_hash: sha256(token),
				user_id: userId,
				purpose,
				created_at: now,
				expires_at: now + PASSWORD_LINK_TTL_MS,
				used_at: null,
				created_by: createdBy
			})
			.execute();
	});
	return token;
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{20,100}$/;

/** Whose link this is, while it can still be used. */
export async function passwordLinkHolder(db: DB, token: string) {
	if (!TOKEN_SHAPE.test(token)) return null;
	const row = await db
		.selectFrom('password_tokens')
		.innerJoin('users', 'users.id', 'password_tokens.user_id')
		.select(['users.id', 'users.name', 'users.email', 'password_tokens.purpose'])
		.where('password_tokens.token_hash', '=', sha256(token))
		.where('password_tokens.used_at', 'is', null)
		.where('password_tokens.expires_at', '>', Date.now())
		.where('users.disabled_at', 'is', null)
		.executeTakeFirst();
	return row ?? null;
}

/**
 * Sets a password through a link, at most once: one UPDATE marks the link used, so two tabs
 * submitting at once get one winner. Every login of the account is ended.
 */
export async function setPasswordWithLink(
	db: DB,
	token: string,
	password: string,
	ip: string | null
): Promise<AdminResult<{ email: string }>> {
	if (!TOKEN_SHAPE.test(token)) return { ok: false, error: 'invalid' };
	const passwordHash = await hashPassword(password);
	const now = Date.now();
	const result = await db.transaction().execute(async (trx) => {
		const used = await trx
			.updateTable('password_tokens')
			.set({ used_at: now })
			.where('token_hash', '=', sha256(token))
			.where('used_at', 'is', null)
			.where('expires_at', '>', now)
			.returning(['user_id', 'purpose'])
			.executeTakeFirst();
		if (!used) return null;
		const user = await trx
			.updateTable('users')
			.set({ password_hash: passwordHash })
			.where('id', '=', used.user_id)
			.where('disabled_at', 'is', null)
			.returning(['id', 'email'])
			.executeTakeFirst();
		if (!user) return null;
		await trx.deleteFrom('login_sessions').where('user_id', '=', user.id).execute();
		return { user, purpose: used.purpose };
	});
	if (!result) return { ok: false, error: 'invalid' };
	await audit(db, {
		actorId: result.user.id,
		action: 'user.password-set',
		target: result.user.id,
		detail: { via: result.purpose },
		ip
	});
	return { ok: true, email: result.user.email };
}

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
	if (taken) return { ok: false, error: m.admin_error_email_taken() };
	const group = await findGroup(runtime.db, input.groupId);
	if (!group) return { ok: false, error: m.admin_error_choose_group() };
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
	await audit(runtime.db, {
		actorId: actor.user.id,
		action: 'user.created',
		target: user.id,
		detail: { email, name: user.name, role: input.role, group: group.name },
		ip: actor.ip
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

async function findGroup(db: DB, groupId: string) {
	return db.selectFrom('groups').selectAll().where('id', '=', groupId).executeTakeFirst();
}

/**
 * On PostgreSQL, locks the rows until the transaction ends, so that checks made in it hold when
 * it writes. SQLite needs none: it runs one transaction at a time (Kysely holds its connection).
 */
async function lockUsers(trx: DB, ids: string[] | 'active-admins'): Promise<void> {
	if (!isPostgres(trx)) return;
	let query = trx.selectFrom('users').select('id').orderBy('id').forUpdate();
	query =
		ids === 'active-admins'
			? query.where('role', '=', 'admin').where('disabled_at', 'is', null)
			: query.where('id', 'in', ids);
	await query.execute();
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

const LAST_ADMIN = 'This is the last administrator: make another one first.';

/**
 * Disables an account: its logins end, its live sessions end at once (their signaling sockets
 * close, both pages learn it at their next ticket refresh), and it leaves sessions it joined.
 */
export async function disableUser(
	runtime: Runtime,
	actor: Actor,
	userId: string
): Promise<AdminResult<{ endedSessions: number }>> {
	if (userId === actor.user.id) return { ok: false, error: m.admin_error_disable_self() };
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
	if (outcome === 'missing') return { ok: false, error: m.admin_error_no_account() };
	if (outcome === 'already') return { ok: false, error: m.admin_error_already_disabled() };
	if (outcome === 'last-admin') return { ok: false, error: LAST_ADMIN };

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
		runtime.signaling?.closePeer(participation.peer_id);
		await recordServerEvent(
			runtime,
			participation.session_id,
			'agent.left',
			{ name: outcome.name, reason: 'disabled' },
			actor.user.id
		);
	}
	await audit(runtime.db, {
		actorId: actor.user.id,
		action: 'user.disabled',
		target: userId,
		detail: { email: outcome.email, endedSessions },
		ip: actor.ip
	});
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
	if (!user) return { ok: false, error: m.admin_error_not_disabled() };
	await audit(runtime.db, {
		actorId: actor.user.id,
		action: 'user.enabled',
		target: userId,
		detail: { email: user.email },
		ip: actor.ip
	});
	return { ok: true };
}

export async function changeRole(
	runtime: Runtime,
	actor: Actor,
	userId: string,
	role: Role
): Promise<AdminResult> {
	if (userId === actor.user.id && role !== 'admin') {
		return { ok: false, error: m.admin_error_own_admin_role() };
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
	if (outcome === 'missing') return { ok: false, error: m.admin_error_no_account() };
	if (outcome === 'same') return { ok: true };
	if (outcome === 'last-admin') return { ok: false, error: LAST_ADMIN };
	await audit(runtime.db, {
		actorId: actor.user.id,
		action: 'user.role-changed',
		target: userId,
		detail: { email: outcome.email, from: outcome.role, to: role },
		ip: actor.ip
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
	if (!user) return { ok: false, error: m.admin_error_no_account() };
	if (user.disabled_at !== null) return { ok: false, error: m.admin_error_enable_first() };
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
	await audit(runtime.db, {
		actorId: actor.user.id,
		action: 'user.password-reset',
		target: userId,
		detail: { email: user.email },
		ip: actor.ip
	});
	return { ok: true, token };
}

export async function changeGroup(
	runtime: Runtime,
	actor: Actor,
	userId: string,
	groupId: string
): Promise<AdminResult> {
	const user = await findUser(runtime.db, userId);
	if (!user) return { ok: false, error: m.admin_error_no_account() };
	const group = await findGroup(runtime.db, groupId);
	if (!group) return { ok: false, error: m.admin_error_no_group() };
	if (user.group_id === group.id) return { ok: true };
	const previous = await findGroup(runtime.db, user.group_id);
	await runtime.db
		.updateTable('users')
		.set({ group_id: group.id })
		.where('id', '=', userId)
		.execute();
	await audit(runtime.db, {
		actorId: actor.user.id,
		action: 'user.group-changed',
		target: userId,
		detail: { email: user.email, from: previous?.name ?? user.group_id, to: group.name },
		ip: actor.ip
	});
	return { ok: true };
}

/** The keys whose value differs, with the new value (for the audit log). */
function changedSettings(
	before: AgentSettings | SettingOverrides,
	after: AgentSettings | SettingOverrides
) {
	const changes: Record<string, unknown> = {};
	for (const key of SETTING_KEYS) {
		if (before[key] !== after[key]) changes[key] = after[key] ?? 'inherit';
	}
	return changes;
}

export async function saveOverrides(
	runtime: Runtime,
	actor: Actor,
	userId: string,
	overrides: SettingOverrides
): Promise<AdminResult> {
	const user = await findUser(runtime.db, userId);
	if (!user) return { ok: false, error: m.admin_error_no_account() };
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
	await audit(runtime.db, {
		actorId: actor.user.id,
		action: 'user.overrides-changed',
		target: userId,
		detail: { email: user.email, changes },
		ip: actor.ip
	});
	return { ok: true };
}

function emptyOverrides(): SettingOverrides {
	return Object.fromEntries(SETTING_KEYS.map((key) => [key, null]));
}

export async function createGroup(
	runtime: Runtime,
	actor: Actor,
	input: { name: string; settings: AgentSettings }
): Promise<AdminResult<{ groupId: string }>> {
	const taken = await runtime.db
		.selectFrom('groups')
		.select('id')
		.where('name', '=', input.name)
		.executeTakeFirst();
	if (taken) return { ok: false, error: m.admin_error_group_taken() };
	const now = Date.now();
	const id = randomId(9);
	await runtime.db
		.insertInto('groups')
		.values({
			id,
			name: input.name,
			...groupRowValues(input.settings),
			created_at: now,
			updated_at: now
		})
		.execute();
	await audit(runtime.db, {
		actorId: actor.user.id,
		action: 'group.created',
		target: id,
		detail: { name: input.name, settings: input.settings },
		ip: actor.ip
	});
	return { ok: true, groupId: id };
}

/** Saves a group; new sessions get the settings at once, live ones at their next ticket refresh. */
export async function updateGroup(
	runtime: Runtime,
	actor: Actor,
	groupId: string,
	input: { name: string; settings: AgentSettings }
): Promise<AdminResult> {
	const group = await findGroup(runtime.db, groupId);
	if (!group) return { ok: false, error: m.admin_error_no_group() };
	const clash = await runtime.db
		.selectFrom('groups')
		.select('id')
		.where('name', '=', input.name)
		.where('id', '!=', groupId)
		.executeTakeFirst();
	if (clash) return { ok: false, error: m.admin_error_group_taken() };
	const changes = changedSettings(groupSettingsFromRow(group), input.settings);
	if (group.name !== input.name) changes.name = input.name;
	if (Object.keys(changes).length === 0) return { ok: true };
	await runtime.db
		.updateTable('groups')
		.set({ name: input.name, ...groupRowValues(input.settings), updated_at: Date.now() })
		.where('id', '=', groupId)
		.execute();
	await audit(runtime.db, {
		actorId: actor.user.id,
		action: 'group.updated',
		target: groupId,
		detail: { name: input.name, changes },
		ip: actor.ip
	});
	return { ok: true };
}

export async function deleteGroup(
	runtime: Runtime,
	actor: Actor,
	groupId: string
): Promise<AdminResult> {
	if (groupId === DEFAULT_GROUP_ID) return { ok: false, error: m.admin_error_default_group() };
	const outcome = await runtime.db.transaction().execute(async (trx) => {
		const group = await findGroup(trx, groupId);
		if (!group) return 'missing' as const;
		const member = await trx
			.selectFrom('users')
			.select('id')
			.where('group_id', '=', groupId)
			.executeTakeFirst();
		if (member) return 'in-use' as const;
		await trx.deleteFrom('groups').where('id', '=', groupId).execute();
		return group;
	});
	if (outcome === 'missing') return { ok: false, error: m.admin_error_no_group() };
	if (outcome === 'in-use') {
		return { ok: false, error: m.admin_error_group_has_agents() };
	}
	await audit(runtime.db, {
		actorId: actor.user.id,
		action: 'group.deleted',
		target: groupId,
		detail: { name: outcome.name },
		ip: actor.ip
	});
	return { ok: true };
}
