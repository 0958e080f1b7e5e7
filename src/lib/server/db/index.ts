import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import type { Config } from '../config';
import { createPrivateFile, ensureDataDir, makePrivate } from '../data-dir';
import { log } from '../log';
import { isPostgresUrl, type Dialect } from './dialect';
import { migrationProvider } from './migrations';
import type { Database } from './schema';

export type DB = Kysely<Database>;

export { isPostgres, isPostgresUrl, isUniqueViolation, type Dialect } from './dialect';

export interface OpenedDatabase {
	db: DB;
	dialect: Dialect;
	close(): Promise<void>;
}

/** Connections per process to PostgreSQL: enough for concurrent requests, bounded for the server. */
export const POSTGRES_POOL_SIZE = 10;

// int8 (bigint, count(*)) arrives as a string by default: the timestamps in milliseconds and the
// counts are far below 2^53, so numbers are exact. Per pool, not pg's global registry.
const INT8_OID = 20;
const postgresTypes = {
	getTypeParser(oid: number, format?: 'text' | 'binary') {
		if (oid === INT8_OID && format !== 'binary') return (value: string) => Number(value);
		// eslint-disable-next-line @typescript-eslint/no-explicit-any
		return pg.types.getTypeParser(oid, format as any);
	}
} as pg.CustomTypesConfig;

/**
 * Opens the database and applies pending migrations: PostgreSQL when `databaseUrl` is a
 * postgres:// URL (a pool of POSTGRES_POOL_SIZE connections), otherwise SQLite in `dataDir`,
 * created if needed.
 */
export async function openDatabase(
	config: Pick<Config, 'dataDir' | 'databaseUrl'>
): Promise<OpenedDatabase> {
	const { db, dialect } = isPostgresUrl(config.databaseUrl)
		? { db: openPostgres(config.databaseUrl), dialect: 'postgres' as const }
		: { db: openSqlite(config.dataDir), dialect: 'sqlite' as const };
	try {
		await migrate(db);
	} catch (error) {
		await db.destroy();
		throw error;
	}
	return {
		db,
		dialect,
		async close() {
			await db.destroy();
		}
	};
}

function openSqlite(dataDir: string): DB {
	ensureDataDir(dataDir);
	const file = path.join(dataDir, 'ponte.sqlite');
	// Created 0600 before SQLite opens it: SQLite gives the -wal and -shm files the same mode.
	createPrivateFile(file);
	makePrivate(`${file}-wal`);
	makePrivate(`${file}-shm`);
	const sqlite = new SQLite(file);
	// WAL for concurrent readers; synchronous=FULL so an acknowledged write survives a crash.
	sqlite.pragma('journal_mode = WAL');
	makePrivate(`${file}-wal`);
	makePrivate(`${file}-shm`);
	sqlite.pragma('synchronous = FULL');
	sqlite.pragma('foreign_keys = ON');
	sqlite.pragma('busy_timeout = 5000');
	return new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
}

/** A pool for PostgreSQL with the types Ponte expects (int8 as numbers). */
export function createPostgresPool(url: string, max = POSTGRES_POOL_SIZE): pg.Pool {
	const pool = new pg.Pool({
		connectionString: url,
		max,
		idleTimeoutMillis: 30_000,
		connectionTimeoutMillis: 10_000,
		types: postgresTypes
	});
	// An idle connection dropped by the server (restart, failover) must not crash the process;
	// the pool replaces it, and the next query reports any lasting trouble.
	pool.on('error', (error) => {
		log.error('PostgreSQL: an idle connection failed', { error: error.message });
	});
	return pool;
}

function openPostgres(url: string): DB {
	return new Kysely<Database>({ dialect: new PostgresDialect({ pool: createPostgresPool(url) }) });
}

async function migrate(db: DB): Promise<void> {
	// Unordered: migrations written on parallel branches may land in any order.
	const migrator = new Migrator({
		db,
		provider: migrationProvider,
		allowUnorderedMigrations: true
	});
	const { error, results } = await migrator.migrateToLatest();
	if (error) throw new Error(`database migration failed: ${String(error)}`);
	for (const result of results ?? []) {
		if (result.status === 'Error') throw new Error(`migration ${result.migrationName} failed`);
	}
}
