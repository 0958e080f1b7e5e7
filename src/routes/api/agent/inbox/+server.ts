import { error, json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { markPresent, pendingInvitations } from '$lib/server/invitations';
import { getRuntime } from '$lib/server/runtime';

/** The console checks in here every few seconds: it marks the agent online and fetches invitations. */
export const GET: RequestHandler = async ({ locals }) => {
	if (!locals.user) error(401, 'Not logged in');
	const runtime = await getRuntime();
	await markPresent(runtime, locals.user.id);
	return json({ invitations: await pendingInvitations(runtime, locals.user.id) });
};
