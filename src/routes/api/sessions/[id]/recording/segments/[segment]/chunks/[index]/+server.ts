import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { storeChunk } from '$lib/server/recordings';
import { getRuntime } from '$lib/server/runtime';
import { RecordingNumber, v } from '$lib/server/schemas';
import { recordingRefused } from '../../../../answer';

/**
 * One chunk of a segment, the raw MediaRecorder bytes as the body (`Content-Type: video/webm`,
 * `Content-Length` required) → 200 `{ stored: true, duplicate }`. hooks.server.ts leaves this
 * body alone (server/body-limits.js): the store holds it to RECORDING_CHUNK_MAX_BYTES itself.
 */
export const PUT: RequestHandler = async ({ params, locals, request }) => {
	const user = locals.user;
	if (!user) return recordingRefused('not-logged-in');
	const segment = v.safeParse(RecordingNumber, params.segment);
	const index = v.safeParse(RecordingNumber, params.index);
	if (!segment.success || !index.success) return recordingRefused('bad-index');
	const type = request.headers.get('content-type')?.split(';')[0].trim().toLowerCase();
	if (type !== 'video/webm') return recordingRefused('not-webm');
	const length = request.headers.get('content-length');
	const declared = length !== null && /^\d{1,16}$/.test(length) ? Number(length) : null;
	const result = await storeChunk(await getRuntime(), {
		sessionId: params.id,
		user,
		segment: segment.output,
		index: index.output,
		declaredBytes: declared,
		body: request.body
	});
	if (!result.ok) return recordingRefused(result.error);
	return json({ stored: true, duplicate: result.duplicate });
};
