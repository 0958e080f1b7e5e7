import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { endSegment } from '$lib/server/recordings';
import { getRuntime } from '$lib/server/runtime';
import { RecordingNumber, RecordingSegmentEnd, v } from '$lib/server/schemas';
import { jsonBody, recordingRefused } from '../../../answer';

/**
 * The segment's browser ends it: `{ chunks, durationMs }` → 200 `{ missing }`, the indexes below
 * `chunks` never stored. Idempotent.
 */
export const POST: RequestHandler = async ({ params, locals, request }) => {
	const user = locals.user;
	if (!user) return recordingRefused('not-logged-in');
	const segment = v.safeParse(RecordingNumber, params.segment);
	if (!segment.success) return recordingRefused('bad-index');
	const parsed = v.safeParse(RecordingSegmentEnd, await jsonBody(request));
	if (!parsed.success) return recordingRefused('bad-request');
	const result = await endSegment(await getRuntime(), {
		sessionId: params.id,
		user,
		segment: segment.output,
		chunks: parsed.output.chunks,
		durationMs: Math.round(parsed.output.durationMs)
	});
	if (!result.ok) return recordingRefused(result.error);
	return json({ missing: result.missing });
};
