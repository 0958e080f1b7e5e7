import crypto from 'node:crypto';
import pg from 'pg';
import type { Runtime } from './runtime';

/**
 * Which database the server unit tests run on: SQLite unless PONTE_TEST_DATABASE=postgres, and
 * then on the server PONTE_TEST_POSTGRES_URL names (scripts/services.js starts a throwaway one;
 * `npm test` runs the server tests a second time that way).
 */
export const testDialect: 'sqlite' | 'postgres' =
	process.env.PONTE_TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite';

/**
 * A fresh, empty PostgreSQL database on the test server, for one test file: as isolated as the
 * SQLite file in a temporary directory. `drop` removes it (and ends its connections).
 */
export async function createTestPostgresDatabase(): Promise<{
	url: string;
	drop(): Promise<void>;
}> {
	const adminUrl = process.env.PONTE_TEST_POSTGRES_URL;
	if (!adminUrl) {
		throw new Error(
			'PONTE_TEST_DATABASE=postgres needs PONTE_TEST_POSTGRES_URL (node scripts/services.js starts a server)'
		);
	}
	const name = `ponte_test_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
	await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
	const url = new URL(adminUrl);
	url.pathname = `/${name}`;
	return {
		url: url.toString(),
		drop: () => adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
	};
}

async function adminQuery(adminUrl: string, statement: string): Promise<void> {
	const client = new pg.Client({ connectionString: adminUrl });
	await client.connect();
	try {
		await client.query(statement);
	} finally {
		await client.end();
	}
}

/**
 * For unit tests: a real runtime (database, secrets, limiters) in its own data directory, and on
 * PostgreSQL in its own database. Each test file runs in its own worker, so each gets its own
 * runtime; its `close` also drops the PostgreSQL database.
 */
export async function openTestRuntime(
	dataDir: string,
	adminEmail = 'admin@unit.test'
): Promise<Runtime> {
	process.env.DATA_DIR = dataDir;
	process.env.ADMIN_EMAIL = adminEmail;
	process.env.ADMIN_PASSWORD = 'unit-test-password';
	process.env.PONTE_QUIET_LOGS = '1';
	let drop: (() => Promise<void>) | null = null;
	if (testDialect === 'postgres') {
		const database = await createTestPostgresDatabase();
		process.env.DATABASE_URL = database.url;
		drop = database.drop;
	} else {
		// A developer's own DATABASE_URL must never meet the tests.
		delete process.env.DATABASE_URL;
	}
	const { getRuntime } = await import('./runtime');
	const runtime = await getRuntime();
	if (drop) {
		const close = runtime.close.bind(runtime);
		const dropDatabase = drop;
		runtime.close = async () => {
			await close();
			await dropDatabase();
		};
	}
	return runtime;
}
