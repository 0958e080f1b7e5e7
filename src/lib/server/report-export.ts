import { error, type RequestEvent } from '@sveltejs/kit';
import { sessionForReader } from './access';
import { auditAddress } from './admin-access';
import { audit } from './audit';
import { m } from '$lib/paraglide/messages';
import { getLocale } from '$lib/paraglide/runtime';
import { agentLocale } from './agent-locale';
import { reportCsv, reportJson, sessionReport } from './reports';
import { getRuntime } from './runtime';

/**
 * A session's report as a download (JSON: every event with its data; CSV: one row per event,
 * formula cells neutralised), for its agents or an administrator; every export is audited.
 * Headings and descriptions are in the agent's language: their saved preference, else the
 * request's (cookie, browser); machine fields (ISO times, IDs, types, data) never change.
 */
export async function exportReport(event: RequestEvent<{ id: string }>, format: 'csv' | 'json') {
	const runtime = await getRuntime();
	const user = event.locals.user;
	if (!user) error(401, m.agent_not_logged_in());
	const id = event.params.id;
	await sessionForReader(runtime, id, user);
	const lang = (await agentLocale(runtime, user.id)) ?? getLocale();
	const report = await sessionReport(runtime, id, lang);
	if (!report) error(404, m.agent_report_not_found());
	await audit(runtime.db, {
		actorId: user.id,
		action: 'report.exported',
		target: id,
		detail: { format, events: report.events.length },
		ip: auditAddress(event.getClientAddress)
	});
	// For CSV, the byte-order mark makes spreadsheets read the file as UTF-8.
	const body =
		format === 'csv'
			? `\uFEFF${reportCsv(report, lang)}`
			: JSON.stringify(reportJson(report), null, 2);
	return new Response(body, {
		headers: {
			'content-type':
				format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
			'content-disposition': `attachment; filename="ponte-session-${id}.${format}"`,
			'content-language': lang,
			'cache-control': 'no-store'
		}
	});
}
