import { error, type RequestEvent } from '@sveltejs/kit';
import { sessionForUser } from './access';
import { auditAddress } from './admin-access';
import { audit } from './audit';
import { reportCsv, reportJson, sessionReport } from './reports';
import { getRuntime } from './runtime';

/**
 * A session's report as a download (JSON: every event with its data; CSV: one row per event,
 * formula cells neutralised), for its agents or an administrator; every export is audited.
 */
export async function exportReport(event: RequestEvent<{ id: string }>, format: 'csv' | 'json') {
	const runtime = await getRuntime();
	const user = event.locals.user;
	if (!user) error(401, 'Not logged in');
	const id = event.params.id;
	await sessionForUser(runtime, id, user);
	const report = await sessionReport(runtime.db, id);
	if (!report) error(404, 'No such session');
	await audit(runtime.db, {
		actorId: user.id,
		action: 'report.exported',
		target: id,
		detail: { format, events: report.events.length },
		ip: auditAddress(event.getClientAddress)
	});
	// For CSV, the byte-order mark makes spreadsheets read the file as UTF-8.
	const body =
		format === 'csv' ? `\uFEFF${reportCsv(report)}` : JSON.stringify(reportJson(report), null, 2);
	return new Response(body, {
		headers: {
			'content-type':
				format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
			'content-disposition': `attachment; filename="ponte-session-${id}.${format}"`,
			'cache-control': 'no-store'
		}
	});
}
