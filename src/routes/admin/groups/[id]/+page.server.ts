import { error, fail, redirect } from '@sveltejs/kit';
import { m } from '$lib/paraglide/messages';
import type { Actions, PageServerLoad } from './$types';
import { SETTING_DEFINITIONS } from '$lib/settings';
import { adminErrorText } from '$lib/admin-errors';
import { deleteGroup, getGroup, groupMembers, updateGroup } from '$lib/server/groups';
import { auditAddress, requireAdmin } from '$lib/server/admin-access';
import { getRuntime } from '$lib/server/runtime';
import { DEFAULT_GROUP_ID, groupSettingsFromRow } from '$lib/server/settings';
import { readGroupForm } from '../group-form';

export const load: PageServerLoad = async ({ locals, params }) => {
	requireAdmin(locals);
	const runtime = await getRuntime();
	const group = await getGroup(runtime, params.id);
	if (!group) error(404, m.admin_group_not_found());
	return {
		group: {
			id: group.id,
			name: group.name,
			isDefault: group.id === DEFAULT_GROUP_ID,
			settings: groupSettingsFromRow(group),
			updatedAt: group.updated_at
		},
		members: await groupMembers(runtime, group.id),
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
		if (!result.ok) return fail(400, { error: adminErrorText(result.error) });
		return { message: m.admin_group_saved() };
	},
	delete: async ({ locals, params, getClientAddress }) => {
		const admin = requireAdmin(locals);
		const result = await deleteGroup(
			await getRuntime(),
			{ user: admin, ip: auditAddress(getClientAddress) },
			params.id
		);
		if (!result.ok) return fail(400, { error: adminErrorText(result.error) });
		redirect(303, '/admin/groups');
	}
};
