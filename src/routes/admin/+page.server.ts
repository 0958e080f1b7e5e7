import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { createAgent } from '$lib/server/accounts';
import { auditAddress, requireAdmin } from '$lib/server/admin-access';
import { getRuntime } from '$lib/server/runtime';
import { m } from '$lib/paraglide/messages';
import { localIssue } from '$lib/server/form-issues';
import { CreateAgentForm, formFields, v } from '$lib/server/schemas';

export const load: PageServerLoad = async ({ locals }) => {
	requireAdmin(locals);
	const runtime = await getRuntime();
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
	const groups = await runtime.db
		.selectFrom('groups')
		.select(['id', 'name'])
		.orderBy('name')
		.execute();
	return {
		agents: agents.map((a) => ({
			id: a.id,
			name: a.name,
			email: a.email,
			role: a.role,
			disabled: a.disabled_at !== null,
			group: a.group_name ?? '—',
			liveSessions: Number(a.live_sessions ?? 0),
			lastLogin: a.last_login === null ? null : Number(a.last_login)
		})),
		groups
	};
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
		if (!result.ok) return fail(400, { create: { error: result.error, fields } });
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
