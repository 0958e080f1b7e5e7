import { Readable } from 'node:stream';
import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { m } from '$lib/paraglide/messages';
import { sessionForReader } from '$lib/server/access';
import { auditAddress } from '$lib/server/admin-access';
import { audit } from '$lib/server/audit';
import { parseRange } from '$lib/server/http-range';
import { openRecordingPart } from '$lib/server/recordings';
import { getRuntime } from '$lib/server/runtime';
import { RecordingNumber, v } from '$lib/server/schemas';

/** A video, and nothing that could run: no script, no plugin, no frame, no form. */
const RECORDING_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; sandbox";

/** "2024-05-31T14-05-09Z": a file name's time, without the characters some systems refuse. */
const fileTime = (ms: number) =>
	new Date(ms)
		.toISOString()
		.replace(/\.\d+Z$/, 'Z')
		.replaceAll(':', '-');

/**
 * One part of a session's recording, for those who may read its report (others 403, a range
 * request too), as WebM with range requests (what a player seeks with); `?download=1` as an
 * attachment. A playback's first request (no range, or one from byte 0) is audited as a view or
 * a download; the ranges a player then asks for while seeking are the same viewing.
 */
export const GET: RequestHandler = async ({ params, locals, url, request, getClientAddress }) => {
	const runtime = await getRuntime();
	const user = locals.user;
	if (!user) error(401, m.agent_not_logged_in());
	await sessionForReader(runtime, params.id, user);
	const segment = v.safeParse(RecordingNumber, params.segment);
	if (!segment.success) error(404, m.agent_report_not_found());
	const file = await openRecordingPart(runtime, params.id, segment.output);
	if (!file) error(404, m.agent_report_not_found());

	const download = url.searchParams.get('download') === '1';
	const range = parseRange(request.headers.get('range'), file.size);
	const name = `recording-${fileTime(file.startedAt)}-part-${segment.output + 1}.webm`;
	const headers: Record<string, string> = {
		'content-type': 'video/webm',
		'accept-ranges': 'bytes',
		'content-disposition': `${download ? 'attachment' : 'inline'}; filename="${name}"`,
		'x-content-type-options': 'nosniff',
		'content-security-policy': RECORDING_CSP,
		'cache-control': 'private, no-store'
	};
	if (range.kind === 'unsatisfiable') {
		await file.close();
		return new Response(null, {
			status: 416,
			headers: { ...headers, 'content-range': `bytes */${file.size}` }
		});
	}
	const start = range.kind === 'partial' ? range.start : 0;
	if (start === 0 && request.method === 'GET') {
		await audit(runtime.db, {
			actorId: user.id,
			action: download ? 'recording.downloaded' : 'recording.viewed',
			target: params.id,
			detail: { segment: segment.output },
			ip: auditAddress(getClientAddress)
		});
	}
	if (range.kind === 'whole') {
		return new Response(Readable.toWeb(file.stream()) as ReadableStream<Uint8Array>, {
			headers: { ...headers, 'content-length': String(file.size) }
		});
	}
	return new Response(
		Readable.toWeb(
			file.stream({ start: range.start, end: range.end })
		) as ReadableStream<Uint8Array>,
		{
			status: 206,
			headers: {
				...headers,
				'content-length': String(range.end - range.start + 1),
				'content-range': `bytes ${range.start}-${range.end}/${file.size}`
			}
		}
	);
};
