import type { Runtime } from './runtime';
import { audit } from './audit';
import { randomId } from './secrets';

const MAX_REPORTS_PER_SESSION = 5;

/** Stores a customer's abuse report for administrators; bounded per session against floods. */
export async function fileAbuseReport(
	runtime: Runtime,
	report: { sessionId: string; description: string; contact: string | null }
): Promise<boolean> {
	const { count } = await runtime.db
		.selectFrom('abuse_reports')
		.select((eb) => eb.fn.countAll<number>().as('count'))
		.where('session_id', '=', report.sessionId)
		.executeTakeFirstOrThrow();
	if (Number(count) >= MAX_REPORTS_PER_SESSION) return false;
	const id = randomId(12);
	await runtime.db
		.insertInto('abuse_reports')
		.values({
			id,
			session_id: report.sessionId,
			created_at: Date.now(),
			description: report.description,
			contact: report.contact || null
		})
		.execute();
	await audit(runtime.db, {
		action: 'abuse.reported',
		target: report.sessionId,
		detail: { report: id }
	});
	return true;
}
