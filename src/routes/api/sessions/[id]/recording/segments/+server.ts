import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { auditAddress } from '$lib/server/admin-access';
import { startSegment } from '$lib/server/recordings';
import { getRuntime } from '$lib/server/runtime';
import { RecordingSegmentStart, v } from '$lib/server/schemas';
import { jsonBody, recordingRefused } from '../answer';

/**
 * The session's owner starts the next segment of its recording: `{ mimeType }` (a WebM type) →
 * 201 `{ recordingId, segment }`.
 */
export const POST: RequestHandler = async ({ params, locals, request, getClientAddress }) => {
	const user = locals.user;
	if (!user) return recordingRefused('not-logged-in');
	const parsed = v.safeParse(RecordingSegmentStart, await jsonBody(request));
	if (!parsed.success) return recordingRefused('bad-request');
	const result = await startSegment(await getRuntime(), {
		sessionId: params.id,
		user,
		mimeType: parsed.output.mimeType,
		address: auditAddress(getClientAddress)
	});
	if (!result.ok) return recordingRefused(result.error);
	return json({ recordingId: result.recordingId, segment: result.segment }, { status: 201 });
};
