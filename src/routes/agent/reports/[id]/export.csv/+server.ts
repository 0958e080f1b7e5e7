import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { sessionForUser } from '$lib/server/access';
import { auditAddress } from '$lib/server/admin-access';
import { audit } from '$lib/server/audit';
import { reportCsv, sessionReport } from '$lib/server/reports';
import { getRuntime } from '$lib/server/runtime';

/** One row per event; cells a spreadsheet would run as formulas are neutralised. */
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
		detail: { format: 'csv', events: report.events.length },
		ip: auditAddress(getClientAddress)
	});
	// The byte-order mark makes spreadsheets read the file as UTF-8.
	return new Response(`\uFEFF${reportCsv(report)}`, {
		headers: {
			'content-type': 'text/csv; charset=utf-8',
			'content-disposition': `attachment; filename="ponte-session-${params.id}.csv"`,
			'cache-control': 'no-store'
		}
	});
};
