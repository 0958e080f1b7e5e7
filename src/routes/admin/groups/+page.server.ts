import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { DEFAULT_GROUP_SETTINGS, SETTING_DEFINITIONS } from '$lib/settings';
import { createGroup } from '$lib/server/accounts';
import { auditAddress, requireAdmin } from '$lib/server/admin-access';
import { getRuntime } from '$lib/server/runtime';
import { groupSettingsFromRow } from '$lib/server/settings';
import { readGroupForm } from './group-form';

export const load: PageServerLoad = async ({ locals }) => {
	requireAdmin(locals);
	const runtime = await getRuntime();
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
	return {
		groups: groups.map((g) => ({
			id: g.id,
			name: g.name,
			members: Number(g.members ?? 0),
			settings: groupSettingsFromRow(g),
			updatedAt: g.updated_at
		})),
		definitions: SETTING_DEFINITIONS,
		defaults: DEFAULT_GROUP_SETTINGS,
		serverCodeLifetimeMinutes: runtime.config.sessionCodeTtlMinutes
	};
};

export const actions: Actions = {
	create: async ({ locals, request, getClientAddress }) => {
		const admin = requireAdmin(locals);
		const form = await readGroupForm(request);
		if (!form.ok) return fail(400, { error: form.error });
		const result = await createGroup(
			await getRuntime(),
			{ user: admin, ip: auditAddress(getClientAddress) },
			{ name: form.name, settings: form.settings }
		);
		if (!result.ok) return fail(400, { error: result.error });
		redirect(303, `/admin/groups/${result.groupId}`);
	}
};
