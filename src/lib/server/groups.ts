import type { AgentSettings } from '$lib/settings';
import { auditBy, type Actor, type AdminResult } from './admin-access';
import type { DB } from './db';
import type { Runtime } from './runtime';
import { randomId } from './secrets';
import {
	DEFAULT_GROUP_ID,
	changedSettings,
	groupRowValues,
	groupSettingsFromRow
} from './settings';

/** Groups of agents and their settings. Refusals are codes the routes word. */

export async function findGroup(db: DB, groupId: string) {
	return db.selectFrom('groups').selectAll().where('id', '=', groupId).executeTakeFirst();
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
	if (taken) return { ok: false, error: 'group-taken' };
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
	await auditBy(runtime, actor, 'group.created', id, {
		name: input.name,
		settings: input.settings
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
	if (!group) return { ok: false, error: 'no-group' };
	const clash = await runtime.db
		.selectFrom('groups')
		.select('id')
		.where('name', '=', input.name)
		.where('id', '!=', groupId)
		.executeTakeFirst();
	if (clash) return { ok: false, error: 'group-taken' };
	const changes = changedSettings(groupSettingsFromRow(group), input.settings);
	if (group.name !== input.name) changes.name = input.name;
	if (Object.keys(changes).length === 0) return { ok: true };
	await runtime.db
		.updateTable('groups')
		.set({ name: input.name, ...groupRowValues(input.settings), updated_at: Date.now() })
		.where('id', '=', groupId)
		.execute();
	await auditBy(runtime, actor, 'group.updated', groupId, { name: input.name, changes });
	return { ok: true };
}

export async function deleteGroup(
	runtime: Runtime,
	actor: Actor,
	groupId: string
): Promise<AdminResult> {
	if (groupId === DEFAULT_GROUP_ID) return { ok: false, error: 'default-group' };
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
	if (outcome === 'missing') return { ok: false, error: 'no-group' };
	if (outcome === 'in-use') {
		return { ok: false, error: 'group-has-agents' };
	}
	await auditBy(runtime, actor, 'group.deleted', groupId, { name: outcome.name });
	return { ok: true };
}

/** The groups to choose from, by name. */
export async function groupChoices(runtime: Runtime) {
	return runtime.db.selectFrom('groups').select(['id', 'name']).orderBy('name').execute();
}

/** Every group with its settings and how many agents it has, by name. */
export async function listGroups(runtime: Runtime) {
	const groups = await runtime.db
		.selectFrom('groups')
		.selectAll('groups')
		.select((eb) =>
			eb
				.selectFrom('users')
				.select((inner) => inner.fn.countAll<number>().as('n'))
				.whereRef('users.group_id', '=', 'groups.id')
				.as('members')
		)
		.orderBy('name')
		.execute();
	return groups.map((g) => ({
		id: g.id,
		name: g.name,
		members: Number(g.members ?? 0),
		settings: groupSettingsFromRow(g),
		updatedAt: g.updated_at
	}));
}

export async function getGroup(runtime: Runtime, groupId: string) {
	return findGroup(runtime.db, groupId);
}

/** A group's agents, by name, and whether each has settings of their own. */
export async function groupMembers(runtime: Runtime, groupId: string) {
	const members = await runtime.db
		.selectFrom('users')
		.leftJoin('agent_overrides', 'agent_overrides.user_id', 'users.id')
		.select([
			'users.id',
			'users.name',
			'users.email',
			'users.role',
			'users.disabled_at',
			'agent_overrides.user_id as has_overrides'
		])
		.where('users.group_id', '=', groupId)
		.orderBy('users.name')
		.execute();
	return members.map((m) => ({
		id: m.id,
		name: m.name,
		email: m.email,
		role: m.role,
		disabled: m.disabled_at !== null,
		hasOverrides: m.has_overrides !== null
	}));
}
