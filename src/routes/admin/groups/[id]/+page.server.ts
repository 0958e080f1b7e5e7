import { error, fail, redirect } from '@sveltejs/kit';
import { m } from '$lib/paraglide/messages';
import type { Actions, PageServerLoad } from './$types';
import { SETTING_DEFINITIONS } from '$lib/settings';
import { deleteGroup, updateGroup } from '$lib/server/accounts';
import { auditAddress, requireAdmin } from '$lib/server/admin-access';
import { getRuntime } from '$lib/server/runtime';
import { DEFAULT_GROUP_ID, groupSettingsFromRow } from '$lib/server/settings';
import { readGroupForm } from '../group-form';

export const load: PageServerLoad = async ({ locals, params }) => {
	requireAdmin(locals);
	const runtime = await getRuntime();
	const group = await runtime.db
		.selectFrom('groups')
		.selectAll()
		.where('id', '=', params.id)
		.executeTakeFirst();
	if (!group) error(404, m.admin_group_not_found());
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
		.where('users.group_id', '=', group.id)
		.orderBy('users.name')
		.execute();
	return {
		group: {
			id: group.id,
			name: group.name,
			isDefault: group.id === DEFAULT_GROUP_ID,
			settings: groupSettingsFromRow(group),
			updatedAt: group.updated_at
		},
		members: members.map((m) => ({
			id: m.id,
			name: m.name,
			email: m.email,
			role: m.role,
			disabled: m.disabled_at !== null,
			hasOverrides: m.has_overrides !== null
		})),
		definitions: SETTING_DEFINITIONS,
		serverCodeLifetimeMinutes: runtime.config.sessionCodeTtlMinutes
	};
};

export const actions: Actions = {
	save: async ({ locals, params, request, getClientAddress }) => {
		const admin = requireAdmin(locals);
		const form = await readGroupForm(request);
		if (!form.ok) return fail(400, { error: form.error });
		const result = await updateGroup(
			await getRuntime(),
			{ user: admin, ip: auditAddress(getClientAddress) },
			params.id,
			{ name: form.name, settings: form.settings }
		);
		if (!result.ok) return fail(400, { error: result.error });
		return { message: m.admin_group_saved() };
	},
	delete: async ({ locals, params, getClientAddress }) => {
		const admin = requireAdmin(locals);
		const result = await deleteGroup(
			await getRuntime(),
			{ user: admin, ip: auditAddress(getClientAddress) },
			params.id
		);
		if (!result.ok) return fail(400, { error: result.error });
		redirect(303, '/admin/groups');
	}
};
