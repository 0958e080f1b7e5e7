import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { createPrivateFile, ensureDataDir, makePrivate } from '../data-dir';
import { migrationProvider } from './migrations';
import type { Database } from './schema';

export type DB = Kysely<Database>;

export interface OpenedDatabase {
	db: DB;
	/** The raw handle, for the few places that need synchronous transactions. */
	sqlite: SQLite.Database;
	close(): Promise<void>;
}

/** Opens (creating if needed) the SQLite database in `dataDir` and applies pending migrations. */
export async function openDatabase(dataDir: string): Promise<OpenedDatabase> {
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

	const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
	// Unordered: migrations written on parallel branches may land in any order.
	const migrator = new Migrator({
		db,
		provider: migrationProvider,
		allowUnorderedMigrations: true
	});
	const { error, results } = await migrator.migrateToLatest();
	if (error) {
		await db.destroy();
		throw new Error(`database migration failed: ${String(error)}`);
	}
	for (const result of results ?? []) {
		if (result.status === 'Error') throw new Error(`migration ${result.migrationName} failed`);
	}
	return {
		db,
		sqlite,
		async close() {
			await db.destroy();
		}
	};
}
