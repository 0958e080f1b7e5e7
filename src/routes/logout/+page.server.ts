import { redirect } from '@sveltejs/kit';
import type { Actions } from './$types';
import { audit } from '$lib/server/audit';
import { SESSION_COOKIE, deleteLoginSession } from '$lib/server/auth';
import { getRuntime } from '$lib/server/runtime';

export const load = () => redirect(303, '/login');

export const actions: Actions = {
	default: async ({ cookies, locals }) => {
		const runtime = await getRuntime();
		await deleteLoginSession(runtime.db, cookies.get(SESSION_COOKIE));
		cookies.delete(SESSION_COOKIE, { path: '/' });
		if (locals.user) await audit(runtime.db, { actorId: locals.user.id, action: 'logout' });
		redirect(303, '/login');
	}
};
