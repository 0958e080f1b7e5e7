import type { RequestHandler } from './$types';
import { recordProblem } from '$lib/server/recordings';
import { getRuntime } from '$lib/server/runtime';
import { RecordingProblem, v } from '$lib/server/schemas';
import { jsonBody, recordingRefused } from '../answer';

/**
 * The agent's browser cannot record the session, or its uploads keep failing:
 * `{ reason, detail? }` → 204, a `recording-problem` event in the report.
 */
export const POST: RequestHandler = async ({ params, locals, request }) => {
	const user = locals.user;
	if (!user) return recordingRefused('not-logged-in');
	const parsed = v.safeParse(RecordingProblem, await jsonBody(request));
	if (!parsed.success) return recordingRefused('bad-request');
	const result = await recordProblem(await getRuntime(), {
		sessionId: params.id,
		user,
		reason: parsed.output.reason,
		detail: parsed.output.detail ?? null
	});
	if (!result.ok) return recordingRefused(result.error);
	return new Response(null, { status: 204 });
};
