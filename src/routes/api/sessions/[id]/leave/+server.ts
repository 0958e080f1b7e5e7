import { error, json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { sessionForActor } from '$lib/server/access';
import { leaveSession } from '$lib/server/invitations';
import { getRuntime } from '$lib/server/runtime';
import { LeaveRequest, firstIssue, v } from '$lib/server/schemas';

/** An agent leaves (optionally handing the session over first); the last one out ends it. */
export const POST: RequestHandler = async ({ params, locals, request }) => {
	if (!locals.user) error(401, 'Not logged in');
	const runtime = await getRuntime();
	await sessionForActor(runtime, params.id, locals.user);
	const parsed = v.safeParse(LeaveRequest, await request.json().catch(() => ({})));
	if (!parsed.success) error(400, firstIssue(parsed.issues));
	const result = await leaveSession(runtime, params.id, locals.user, parsed.output.handOverTo);
	return json(result, { status: result.ok ? 200 : 409 });
};
