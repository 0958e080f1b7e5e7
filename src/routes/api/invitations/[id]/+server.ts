import { error, json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { answerInvitation } from '$lib/server/invitations';
import { getRuntime } from '$lib/server/runtime';
import { InvitationAnswer, firstIssue, v } from '$lib/server/schemas';

export const POST: RequestHandler = async ({ params, locals, request }) => {
	if (!locals.user) error(401, 'Not logged in');
	const runtime = await getRuntime();
	const parsed = v.safeParse(InvitationAnswer, await request.json().catch(() => null));
	if (!parsed.success) error(400, firstIssue(parsed.issues));
	const result = await answerInvitation(
		runtime,
		params.id,
		locals.user,
		parsed.output.answer === 'accept'
	);
	return json(result, { status: result.ok ? 200 : 409 });
};
