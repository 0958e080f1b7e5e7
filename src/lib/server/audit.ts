import type { DB } from './db';
import type { Runtime } from './runtime';

/**
 * The audit log: who did what, when. Never pass a code, a ticket, a token or a password
 * here; `detail` is for names, IDs and outcomes.
 */
export async function audit(
	db: DB,
	entry: {
		actorId?: string | null;
		action: string;
		target?: string | null;
		detail?: Record<string, unknown>;
		ip?: string | null;
	}
): Promise<void> {
	await db
		.insertInto('audit_log')
		.values({
			at: Date.now(),
			actor_id: entry.actorId ?? null,
			action: entry.action,
			target: entry.target ?? null,
			detail: entry.detail ? JSON.stringify(entry.detail) : null,
			ip: entry.ip ?? null
		})
		.execute();
}

export interface AuditSearch {
	action: string;
	actor: string;
	/** Bounds in ms, inclusive; null: open. */
	from: number | null;
	to: number | null;
}

/** The entries that match, newest first, a page at a time; with the total. */
export async function searchAuditLog(
	runtime: Runtime,
	search: AuditSearch,
	page: number,
	pageSize: number
) {
	let query = runtime.db.selectFrom('audit_log');
	if (search.action) query = query.where('action', '=', search.action);
	if (search.actor) query = query.where('actor_id', '=', search.actor);
	if (search.from !== null) query = query.where('at', '>=', search.from);
	if (search.to !== null) query = query.where('at', '<=', search.to);

	const { total } = await query
		.select((eb) => eb.fn.countAll<number>().as('total'))
		.executeTakeFirstOrThrow();
	const rows = await query
		.selectAll()
		.orderBy('at', 'desc')
		.orderBy('id', 'desc')
		.limit(pageSize)
		.offset((page - 1) * pageSize)
		.execute();
	return { total: Number(total), rows };
}

/** Names for the people, groups and sessions among `ids` (a session's: its customer's). */
export async function auditNames(runtime: Runtime, ids: string[]) {
	const users = ids.length
		? await runtime.db.selectFrom('users').select(['id', 'name']).where('id', 'in', ids).execute()
		: [];
	const groups = ids.length
		? await runtime.db.selectFrom('groups').select(['id', 'name']).where('id', 'in', ids).execute()
		: [];
	const sessions = ids.length
		? await runtime.db
				.selectFrom('support_sessions')
				.select(['id', 'customer_name'])
				.where('id', 'in', ids)
				.execute()
		: [];
	return {
		users: new Map(users.map((u) => [u.id, u.name])),
		groups: new Map(groups.map((g) => [g.id, g.name])),
		sessions: new Map(sessions.map((s) => [s.id, s.customer_name]))
	};
}

/** What the filters offer: every action logged so far, and every account. */
export async function auditFilterChoices(runtime: Runtime) {
	const actions = await runtime.db
		.selectFrom('audit_log')
		.select('action')
		.distinct()
		.orderBy('action')
		.execute();
	const actors = await runtime.db
		.selectFrom('users')
		.select(['id', 'name', 'email'])
		.orderBy('name')
		.execute();
	return { actions: actions.map((a) => a.action), actors };
}
