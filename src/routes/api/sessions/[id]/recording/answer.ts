import { json } from '@sveltejs/kit';
import type { RecordingRefusal } from '$lib/server/recordings';

/** What the recording endpoints answer besides the store's refusals. */
export type RecordingAnswerError = RecordingRefusal | 'not-logged-in' | 'bad-request' | 'not-webm';

const STATUS: Record<RecordingAnswerError, number> = {
	'not-logged-in': 401,
	'bad-request': 400,
	'bad-index': 400,
	incomplete: 400,
	'not-found': 404,
	'not-participant': 403,
	'not-present': 403,
	'not-recorded': 403,
	'not-owner': 403,
	'session-ended': 410,
	'segment-ended': 409,
	superseded: 409,
	'length-required': 411,
	'too-large': 413,
	'not-webm': 415,
	'storage-full': 507
};

/** A refusal as the browser's recorder reads it: `{ error: code }` with its status. */
export function recordingRefused(error: RecordingAnswerError): Response {
	return json({ error }, { status: STATUS[error] });
}

/** A JSON body, or null when it is not JSON. */
export async function jsonBody(request: Request): Promise<unknown> {
	try {
		return await request.json();
	} catch {
		return null;
	}
}
