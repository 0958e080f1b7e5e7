import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { sessionForUser } from '$lib/server/access';
import { auditAddress } from '$lib/server/admin-access';
import { audit } from '$lib/server/audit';
import { reportJson, sessionReport } from '$lib/server/reports';
import { getRuntime } from '$lib/server/runtime';

/** The whole session record, every event with its data (chat text included), as JSON. */
export const GET: RequestHandler = async ({ locals, params, getClientAddress }) => {
	const runtime = await getRuntime();
	const user = locals.user;
	if (!user) error(401, 'Not logged in');
	await sessionForUser(runtime, params.id, user);
	const report = await sessionReport(runtime.db, params.id);
	if (!report) error(404, 'No such session');
	await audit(runtime.db, {
		actorId: user.id,
		action: 'report.exported',
		target: params.id,
		detail: { format: 'json', events: report.events.length },
		ip: auditAddress(getClientAddress)
	});
	return new Response(JSON.stringify(reportJson(report), null, 2), {
		headers: {
			'content-type': 'application/json; charset=utf-8',
			'content-disposition': `attachment; filename="ponte-session-${params.id}.json"`,
			'cache-control': 'no-store'
		}
	});
};
