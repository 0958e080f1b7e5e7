import type { Runtime } from './runtime';
import { audit } from './audit';
import { isPostgres } from './db/dialect';
import { randomId } from './secrets';

const MAX_REPORTS_PER_SESSION = 5;

/** Stores a customer's abuse report for administrators; bounded per session against floods. */
export async function fileAbuseReport(
	runtime: Runtime,
	report: { sessionId: string; description: string; contact: string | null }
): Promise<boolean> {
	// Counted and stored in one transaction, so parallel reports cannot all pass the count before
	// the first is stored: SQLite runs one transaction at a time (it holds the connection); on
	// PostgreSQL the session's row, locked first, queues them.
	const id = randomId(12);
	const stored = await runtime.db.transaction().execute(async (trx) => {
		if (isPostgres(trx)) {
			await trx
				.selectFrom('support_sessions')
				.select('id')
				.where('id', '=', report.sessionId)
				.forUpdate()
				.execute();
		}
		const { count } = await trx
			.selectFrom('abuse_reports')
			.select((eb) => eb.fn.countAll<number>().as('count'))
			.where('session_id', '=', report.sessionId)
			.executeTakeFirstOrThrow();
		if (Number(count) >= MAX_REPORTS_PER_SESSION) return false;
		await trx
			.insertInto('abuse_reports')
			.values({
				id,
				session_id: report.sessionId,
				created_at: Date.now(),
				description: report.description,
				contact: report.contact || null
			})
			.execute();
		return true;
	});
	if (!stored) return false;
	await audit(runtime.db, {
		action: 'abuse.reported',
		target: report.sessionId,
		detail: { report: id }
	});
	return true;
}

/** The reports customers filed, newest first, a page at a time; with the total. */
export async function listAbuseReports(runtime: Runtime, page: number, pageSize: number) {
	const { total } = await runtime.db
		.selectFrom('abuse_reports')
		.select((eb) => eb.fn.countAll<number>().as('total'))
		.executeTakeFirstOrThrow();
	const reports = await runtime.db
		.selectFrom('abuse_reports as r')
		.innerJoin('support_sessions as s', 's.id', 'r.session_id')
		.innerJoin('users as u', 'u.id', 's.agent_id')
		.select([
			'r.id',
			'r.created_at',
			'r.description',
			'r.contact',
			's.id as session_id',
			's.created_at as code_issued_at',
			's.customer_name',
			'u.id as agent_id',
			'u.name as agent_name',
			'u.email as agent_email'
		])
		.orderBy('r.created_at', 'desc')
		.limit(pageSize)
		.offset((page - 1) * pageSize)
		.execute();
	return { total: Number(total), reports };
}
