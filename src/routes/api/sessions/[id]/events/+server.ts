import { error, json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { sessionForReader } from '$lib/server/access';
import { parseBoundedJson } from '$lib/server/bounded-json';
import {
	MAX_EVENT_DATA_DEPTH,
	MAX_EVENTS_BODY_BYTES,
	admitEvents,
	ingestEvents
} from '$lib/server/events';
import { getRuntime } from '$lib/server/runtime';
import { RecordedEvents, firstIssue, v } from '$lib/server/schemas';

/**
 * The agent's browser records chat and session events here, in batches; retries are harmless.
 * Events it may not add (see admitEvents) come back in `refused`, with a 200: the batch is
 * settled and the page drops them. A body that is not a batch at all is a 4xx, also final.
 */
export const POST: RequestHandler = async ({ params, locals, request }) => {
	const runtime = await getRuntime();
	const user = locals.user;
	if (!user) error(401, 'Not logged in');
	// Former agents get this far (late delivery); what they may add is decided per event.
	const session = await sessionForReader(runtime, params.id, user);
	if (Number(request.headers.get('content-length') ?? 0) > MAX_EVENTS_BODY_BYTES) {
		error(413, 'Too many events at once');
	}
	// The envelope ({ events: [ { data } ] }) is three levels above an event's data.
	const body = parseBoundedJson(await request.text(), {
		maxBytes: MAX_EVENTS_BODY_BYTES,
		maxDepth: 3 + MAX_EVENT_DATA_DEPTH
	});
	if (!body.ok) {
		if (body.error === 'too-large') error(413, 'Too many events at once');
		error(400, body.error === 'too-deep' ? 'Event data nests too deeply' : 'Malformed JSON');
	}
	const parsed = v.safeParse(RecordedEvents, body.value);
	if (!parsed.success) error(400, firstIssue(parsed.issues));
	const { admitted, refused } = await admitEvents(runtime, session, user, parsed.output.events);
	const stored = await ingestEvents(runtime, params.id, user.id, admitted);
	return json({ stored, received: parsed.output.events.length, refused });
};
