import type { DB } from '.';
import { isPostgres } from './dialect';

/**
 * On PostgreSQL, locks the users' rows until the transaction ends, so that checks made in it
 * hold when it writes. SQLite needs none: it runs one transaction at a time (Kysely holds its
 * connection).
 */
export async function lockUsers(trx: DB, ids: string[] | 'active-admins'): Promise<void> {
	if (!isPostgres(trx)) return;
	let query = trx.selectFrom('users').select('id').orderBy('id').forUpdate();
	query =
		ids === 'active-admins'
			? query.where('role', '=', 'admin').where('disabled_at', 'is', null)
			: query.where('id', 'in', ids);
	await query.execute();
}

/** On PostgreSQL, locks a support session's row until the transaction ends (see lockUsers). */
export async function lockSession(trx: DB, sessionId: string): Promise<void> {
	if (!isPostgres(trx)) return;
	await trx
		.selectFrom('support_sessions')
		.select('id')
		.where('id', '=', sessionId)
		.forUpdate()
		.execute();
}
