import { error, json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { sessionForUser } from '$lib/server/access';
import { ingestEvents } from '$lib/server/events';
import { getRuntime } from '$lib/server/runtime';
import { RecordedEvents, firstIssue, v } from '$lib/server/schemas';

/** The agent's browser records chat and session events here, in batches; retries are harmless. */
export const POST: RequestHandler = async ({ params, locals, request }) => {
	const runtime = await getRuntime();
	const user = locals.user;
	if (!user) error(401, 'Not logged in');
	await sessionForUser(runtime, params.id, user);
	const parsed = v.safeParse(RecordedEvents, await request.json().catch(() => null));
	if (!parsed.success) error(400, firstIssue(parsed.issues));
	const stored = await ingestEvents(runtime, params.id, user.id, parsed.output.events);
	return json({ stored, received: parsed.output.events.length });
};
