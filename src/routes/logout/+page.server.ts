import { redirect } from '@sveltejs/kit';
import type { Actions } from './$types';
import { SESSION_COOKIE } from '$lib/server/auth';
import { closeLogin } from '$lib/server/login';
import { getRuntime } from '$lib/server/runtime';

export const load = () => redirect(303, '/login');

export const actions: Actions = {
	default: async ({ cookies, locals }) => {
		const runtime = await getRuntime();
		await closeLogin(runtime, cookies.get(SESSION_COOKIE), locals.user);
		cookies.delete(SESSION_COOKIE, { path: '/' });
		redirect(303, '/login');
	}
};
