import { error, json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { sessionForUser } from '$lib/server/access';
import { getRuntime } from '$lib/server/runtime';
import { EndRequest, firstIssue, v } from '$lib/server/schemas';
import { endSupportSession } from '$lib/server/support-sessions';

export const POST: RequestHandler = async ({ params, locals, request }) => {
	const runtime = await getRuntime();
	const user = locals.user;
	if (!user) error(401, 'Not logged in');
	await sessionForUser(runtime, params.id, user);
	const parsed = v.safeParse(EndRequest, await request.json().catch(() => null));
	if (!parsed.success) error(400, firstIssue(parsed.issues));
	const ended = await endSupportSession(runtime, params.id, {
		reason: parsed.output.reason,
		by: user.id
	});
	return json({ ended });
};
