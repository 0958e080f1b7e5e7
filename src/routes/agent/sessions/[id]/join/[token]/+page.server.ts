import { error, redirect } from '@sveltejs/kit';
import { m } from '$lib/paraglide/messages';
import crypto from 'node:crypto';
import type { PageServerLoad } from './$types';
import { inviteLinkToken, joinAsAgent, multiAgentAllowed } from '$lib/server/invitations';
import { getRuntime } from '$lib/server/runtime';

/** The invite link: any agent of the organisation who opens it joins the session. */
export const load: PageServerLoad = async ({ params, locals }) => {
	const runtime = await getRuntime();
	const expected = Buffer.from(inviteLinkToken(runtime, params.id));
	const given = Buffer.from(params.token);
	if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) {
		error(404, m.agent_invite_link_invalid());
	}
	if (!(await multiAgentAllowed(runtime, params.id))) {
		error(409, m.agent_invite_link_closed());
	}
	await joinAsAgent(runtime, params.id, locals.user!);
	redirect(303, `/agent/sessions/${params.id}`);
};
