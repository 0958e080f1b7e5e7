import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getRuntime } from '$lib/server/runtime';
import { createSupportSession } from '$lib/server/support-sessions';
import { codeCookieName } from '$lib/server/code-cookie';

export const load: PageServerLoad = async ({ locals }) => {
	const runtime = await getRuntime();
	const user = locals.user!;
	let query = runtime.db
		.selectFrom('support_sessions')
		.innerJoin('users', 'users.id', 'support_sessions.agent_id')
		.select([
			'support_sessions.id',
			'support_sessions.status',
			'support_sessions.customer_name',
			'support_sessions.created_at',
			'support_sessions.joined_at',
			'support_sessions.ended_at',
			'support_sessions.end_reason',
			'support_sessions.code_expires_at',
			'users.name as agent_name'
		])
		.orderBy('support_sessions.created_at', 'desc')
		.limit(50);
	if (user.role !== 'admin') query = query.where('support_sessions.agent_id', '=', user.id);
	const sessions = await query.execute();
	const now = Date.now();
	return {
		sessions: sessions.map((s) => ({
			...s,
			status: s.status === 'waiting' && s.code_expires_at <= now ? ('ended' as const) : s.status
		}))
	};
};

export const actions: Actions = {
	create: async ({ locals, cookies, url }) => {
		const runtime = await getRuntime();
		const session = await createSupportSession(runtime, locals.user!);
		// The code is stored only as a hash; the agent's browser keeps it until the customer joins.
		cookies.set(codeCookieName(session.id), session.code, {
			path: `/agent/sessions/${session.id}`,
			httpOnly: true,
			sameSite: 'strict',
			secure: url.protocol === 'https:',
			maxAge: Math.ceil((session.expiresAt - Date.now()) / 1000)
		});
		redirect(303, `/agent/sessions/${session.id}`);
	}
};
