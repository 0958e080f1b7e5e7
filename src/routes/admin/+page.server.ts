import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { adminErrorText } from '$lib/admin-errors';
import { createAgent, listAgents } from '$lib/server/agents';
import { groupChoices } from '$lib/server/groups';
import { auditAddress, requireAdmin } from '$lib/server/admin-access';
import { getRuntime } from '$lib/server/runtime';
import { m } from '$lib/paraglide/messages';
import { localIssue } from '$lib/server/form-issues';
import { CreateAgentForm, formFields, v } from '$lib/server/schemas';

export const load: PageServerLoad = async ({ locals }) => {
	requireAdmin(locals);
	const runtime = await getRuntime();
	return { agents: await listAgents(runtime), groups: await groupChoices(runtime) };
};

export const actions: Actions = {
	create: async ({ locals, request, url, getClientAddress }) => {
		const admin = requireAdmin(locals);
		const runtime = await getRuntime();
		const fields = formFields(await request.formData(), ['name', 'email', 'role', 'group']);
		const parsed = v.safeParse(CreateAgentForm, fields);
		if (!parsed.success)
			return fail(400, {
				create: {
					error: localIssue(parsed.issues, {
						name: m.admin_name(),
						email: m.admin_email(),
						group: m.admin_group()
					}),
					fields
				}
			});
		const result = await createAgent(
			runtime,
			{ user: admin, ip: auditAddress(getClientAddress) },
			{
				name: parsed.output.name,
				email: parsed.output.email,
				role: parsed.output.role,
				groupId: parsed.output.group
			}
		);
		if (!result.ok) return fail(400, { create: { error: adminErrorText(result.error), fields } });
		return {
			created: {
				userId: result.userId,
				name: parsed.output.name,
				email: parsed.output.email.toLowerCase(),
				link: `${url.origin}/set-password/${result.token}`
			}
		};
	}
};
