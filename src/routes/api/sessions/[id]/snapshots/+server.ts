import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { m } from '$lib/paraglide/messages';
import { MEGABYTE } from '$lib/settings';
import { auditAddress } from '$lib/server/admin-access';
import { getRuntime } from '$lib/server/runtime';
import { SnapshotUploadQuery, queryFields, v } from '$lib/server/schemas';
import {
	MAX_SNAPSHOTS_PER_SESSION,
	takeSnapshot,
	type SnapshotRefusal
} from '$lib/server/snapshots';

type UploadError = SnapshotRefusal | 'not-logged-in' | 'bad-request';

const STATUS: Record<UploadError, number> = {
	'not-logged-in': 401,
	'bad-request': 400,
	'not-found': 404,
	'not-participant': 403,
	'not-present': 403,
	'session-ended': 410,
	'limit-reached': 409,
	'too-large': 413,
	'not-png': 415,
	incomplete: 400
};

function refused(error: UploadError, maxBytes: number) {
	const message: Record<UploadError, () => string> = {
		'not-logged-in': m.agent_not_logged_in,
		'bad-request': m.api_snapshot_bad_request,
		'not-found': m.agent_report_not_found,
		'not-participant': m.agent_session_other_agent,
		'not-present': m.agent_session_not_present,
		'session-ended': m.agent_session_ended_already,
		'limit-reached': () => m.api_snapshot_limit({ limit: MAX_SNAPSHOTS_PER_SESSION }),
		'too-large': () =>
			m.api_snapshot_too_large({ megabytes: Math.max(1, Math.floor(maxBytes / MEGABYTE)) }),
		'not-png': m.api_snapshot_not_png,
		incomplete: m.api_snapshot_incomplete
	};
	return json({ error, message: message[error]() }, { status: STATUS[error] });
}

/**
 * An agent present in the live session uploads a snapshot: the PNG itself is the body
 * (`Content-Type: image/png`), `?source=screen|camera&annotated=0|1` says what it shows. The
 * answer is JSON: 201 `{ id, takenAt, size, sha256 }`, or `{ error, message }` with its status.
 */
export const POST: RequestHandler = async ({ params, locals, request, url, getClientAddress }) => {
	const runtime = await getRuntime();
	const maxBytes = runtime.config.snapshotMaxBytes;
	const user = locals.user;
	if (!user) return refused('not-logged-in', maxBytes);
	const query = v.safeParse(
		SnapshotUploadQuery,
		queryFields(url.searchParams, ['source', 'annotated'])
	);
	if (!query.success) return refused('bad-request', maxBytes);
	const type = request.headers.get('content-type')?.split(';')[0].trim().toLowerCase();
	if (type !== 'image/png') return refused('not-png', maxBytes);
	const length = request.headers.get('content-length');
	const declared = length !== null && /^\d{1,16}$/.test(length) ? Number(length) : null;
	const result = await takeSnapshot(runtime, {
		sessionId: params.id,
		user,
		source: query.output.source,
		annotated: query.output.annotated,
		declaredBytes: declared,
		body: request.body,
		address: auditAddress(getClientAddress)
	});
	if (!result.ok) return refused(result.error, maxBytes);
	const { id, takenAt, size, sha256 } = result.snapshot;
	return json({ id, takenAt: new Date(takenAt).toISOString(), size, sha256 }, { status: 201 });
};
