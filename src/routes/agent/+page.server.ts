import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getRuntime } from '$lib/server/runtime';
import { createSupportSession, recentSessions } from '$lib/server/support-sessions';
import { codeCookieName } from '$lib/server/code-cookie';

export const load: PageServerLoad = async ({ locals }) => {
	const runtime = await getRuntime();
	const user = locals.user!;
	const sessions = await recentSessions(runtime, user);
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
