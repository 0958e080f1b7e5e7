import type { DB } from './db';

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
