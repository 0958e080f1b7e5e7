import { PostgresAdapter, type Kysely } from 'kysely';

/** The two databases Ponte runs on: SQLite (embedded, the default) and PostgreSQL. */
export type Dialect = 'sqlite' | 'postgres';

const POSTGRES_URL = /^postgres(ql)?:\/\//i;

export function isPostgresUrl(url: string | null | undefined): url is string {
	return !!url && POSTGRES_URL.test(url);
}

/** Whether a Kysely instance (or a transaction of one) talks to PostgreSQL. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function isPostgres(db: Kysely<any>): boolean {
	return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** A UNIQUE (or primary key) violation, in either dialect's words. */
export function isUniqueViolation(error: unknown): boolean {
	const code = (error as { code?: unknown } | null)?.code;
	// better-sqlite3's extended result codes; PostgreSQL's SQLSTATE unique_violation.
	return (
		code === 'SQLITE_CONSTRAINT_UNIQUE' ||
		code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
		code === '23505'
	);
}
