import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { DEFAULT_GROUP_SETTINGS, SETTING_DEFINITIONS } from '$lib/settings';
import { adminErrorText } from '$lib/admin-errors';
import { createGroup, listGroups } from '$lib/server/groups';
import { auditAddress, requireAdmin } from '$lib/server/admin-access';
import { recordingSpace } from '$lib/server/recordings';
import { getRuntime } from '$lib/server/runtime';
import { readGroupForm } from './group-form';

export const load: PageServerLoad = async ({ locals }) => {
	requireAdmin(locals);
	const runtime = await getRuntime();
	return {
		groups: await listGroups(runtime),
		definitions: SETTING_DEFINITIONS,
		defaults: DEFAULT_GROUP_SETTINGS,
		serverCodeLifetimeMinutes: runtime.config.sessionCodeTtlMinutes,
		recordingSpace: await recordingSpace(runtime)
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
		if (!result.ok) return fail(400, { error: adminErrorText(result.error) });
		redirect(303, `/admin/groups/${result.groupId}`);
	}
};
