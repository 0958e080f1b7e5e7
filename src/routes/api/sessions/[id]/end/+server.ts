import { error, json } from '@sveltejs/kit';
import { m } from '$lib/paraglide/messages';
import type { RequestHandler } from './$types';
import { mayActOn, sessionForReader } from '$lib/server/access';
import { getRuntime } from '$lib/server/runtime';
import { EndRequest, firstIssue, v } from '$lib/server/schemas';
import { endSupportSession } from '$lib/server/support-sessions';

/**
 * An agent ends the session. The reason is the server's to decide from who calls: an agent's
 * end is 'agent' (or 'connection-lost', their page having given up on the customer), never
 * 'customer' — the customer ends through /api/customer/end.
 */
export const POST: RequestHandler = async ({ params, locals, request }) => {
	const runtime = await getRuntime();
	const user = locals.user;
	if (!user) error(401, 'Not logged in');
	const session = await sessionForReader(runtime, params.id, user);
	const parsed = v.safeParse(EndRequest, await request.json().catch(() => null));
	if (!parsed.success) error(400, firstIssue(parsed.issues));
	// Ending twice is harmless (both pages may ask); ending a session one has left is not.
	if (session.status === 'ended') return json({ ended: false });
	if (!(await mayActOn(runtime, session, user))) error(403, m.agent_session_not_present());
	const ended = await endSupportSession(runtime, params.id, {
		reason: parsed.output.reason === 'connection-lost' ? 'connection-lost' : 'agent',
		by: user.id
	});
	return json({ ended });
};
