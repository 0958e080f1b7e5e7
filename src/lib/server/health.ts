import { sql } from 'kysely';
import type { Runtime } from './runtime';

/** Throws when the database does not answer (`select 1` is the same on SQLite and PostgreSQL). */
export async function checkDatabase(runtime: Runtime): Promise<void> {
	await sql`select 1`.execute(runtime.db);
}
