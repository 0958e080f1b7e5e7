import { Readable } from 'node:stream';
import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { m } from '$lib/paraglide/messages';
import { sessionForReader } from '$lib/server/access';
import { auditAddress } from '$lib/server/admin-access';
import { audit } from '$lib/server/audit';
import { getRuntime } from '$lib/server/runtime';
import { SnapshotId, v } from '$lib/server/schemas';
import { openSnapshot } from '$lib/server/snapshots';

/** A picture, and nothing that could run: no script, no plugin, no frame, no form. */
const SNAPSHOT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; sandbox";

/** "2024-05-31T14-05-09Z": a file name's time, without the characters some systems refuse. */
const fileTime = (ms: number) =>
	new Date(ms)
		.toISOString()
		.replace(/\.\d+Z$/, 'Z')
		.replaceAll(':', '-');

/**
 * A snapshot of a session, for those who may read its report (as the report page decides), as
 * a PNG streamed from storage; `?download=1` as an attachment, and audited (the report page's
 * thumbnails are not: they are the report being read).
 */
export const GET: RequestHandler = async ({ params, locals, url, getClientAddress }) => {
	const runtime = await getRuntime();
	const user = locals.user;
	if (!user) error(401, m.agent_not_logged_in());
	await sessionForReader(runtime, params.id, user);
	if (!v.is(SnapshotId, params.snapshotId)) error(404, m.agent_report_not_found());
	const snapshot = await openSnapshot(runtime, params.id, params.snapshotId);
	if (!snapshot) error(404, m.agent_report_not_found());
	const download = url.searchParams.get('download') === '1';
	if (download) {
		await audit(runtime.db, {
			actorId: user.id,
			action: 'snapshot.downloaded',
			target: params.id,
			detail: { snapshotId: params.snapshotId },
			ip: auditAddress(getClientAddress)
		});
	}
	const name = `snapshot-${fileTime(snapshot.takenAt)}.png`;
	return new Response(Readable.toWeb(snapshot.stream) as ReadableStream<Uint8Array>, {
		headers: {
			'content-type': 'image/png',
			'content-length': String(snapshot.size),
			'content-disposition': `${download ? 'attachment' : 'inline'}; filename="${name}"`,
			'x-content-type-options': 'nosniff',
			'content-security-policy': SNAPSHOT_CSP,
			'cache-control': 'private, no-store'
		}
	});
};
