import { error, json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { sessionForActor } from '$lib/server/access';
import { enabledAgents } from '$lib/server/agents';
import {
	inviteAgent,
	inviteLinkToken,
	markPresent,
	multiAgentAllowed,
	onlineAmong
} from '$lib/server/invitations';
import { getRuntime } from '$lib/server/runtime';
import { presentAgents } from '$lib/server/support-sessions';
import { InviteRequest, firstIssue, v } from '$lib/server/schemas';

/** Who can be invited: online agents of the organisation not already in the session. */
export const GET: RequestHandler = async ({ params, locals, url }) => {
	if (!locals.user) error(401, 'Not logged in');
	const runtime = await getRuntime();
	await sessionForActor(runtime, params.id, locals.user);
	await markPresent(runtime, locals.user.id);
	if (!(await multiAgentAllowed(runtime, params.id))) {
		return json({ allowed: false, agents: [], link: null });
	}
	const present = new Set((await presentAgents(runtime, params.id)).map((p) => p.userId));
	const users = await enabledAgents(runtime);
	const invitable = users.filter((u) => !present.has(u.id));
	const online = await onlineAmong(
		runtime,
		invitable.map((u) => u.id)
	);
	return json({
		allowed: true,
		agents: invitable.map((u) => ({
			id: u.id,
			name: u.name,
			email: u.email,
			online: online.has(u.id)
		})),
		link: `${url.origin}/agent/sessions/${params.id}/join/${inviteLinkToken(runtime, params.id)}`
	});
};

export const POST: RequestHandler = async ({ params, locals, request }) => {
	if (!locals.user) error(401, 'Not logged in');
	const runtime = await getRuntime();
	await sessionForActor(runtime, params.id, locals.user);
	const parsed = v.safeParse(InviteRequest, await request.json().catch(() => null));
	if (!parsed.success) error(400, firstIssue(parsed.issues));
	const result = await inviteAgent(runtime, params.id, locals.user, parsed.output.userId);
	if (!result.ok) return json(result, { status: 409 });
	return json(result);
};
