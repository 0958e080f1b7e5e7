import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import { expect, it } from 'vitest';
import { createTestPostgresDatabase, testDialect } from '../test-runtime';
import { createPostgresPool } from './index';
import { migrationProvider } from './migrations';
import type { Database } from './schema';

/** An empty database of the dialect under test, not yet migrated. */
async function emptyDatabase(): Promise<{ db: Kysely<Database>; close(): Promise<void> }> {
	if (testDialect === 'postgres') {
		const database = await createTestPostgresDatabase();
		const db = new Kysely<Database>({
			dialect: new PostgresDialect({
				pool: createPostgresPool(database.url, 2)
			})
		});
		return {
			db,
			async close() {
				await db.destroy();
				await database.drop();
			}
		};
	}
	const db = new Kysely<Database>({
		dialect: new SqliteDialect({ database: new SQLite(':memory:') })
	});
	return { db, close: () => db.destroy() };
}

it('0006 backfills one stint per existing participant, first join to last leave', async () => {
	const { db, close } = await emptyDatabase();
	const migrator = new Migrator({
		db,
		provider: migrationProvider,
		allowUnorderedMigrations: true
	});
	try {
		expect((await migrator.migrateTo('0005_user_locale')).error).toBeUndefined();
		await db
			.insertInto('users')
			.values({
				id: 'u1',
				email: 'a@migrations.test',
				name: 'Anna',
				password_hash: 'x',
				role: 'agent',
				created_at: 1,
				disabled_at: null
			})
			.execute();
		await db
			.insertInto('support_sessions')
			.values({
				id: 's1',
				code_hash: null,
				code_expires_at: 1,
				agent_id: 'u1',
				customer_name: 'Maria',
				customer_peer_id: 'pc',
				status: 'active',
				created_at: 100,
				joined_at: 200,
				ended_at: null,
				end_reason: null,
				ended_by: null
			})
			.execute();
		const participant = { session_id: 's1', role: 'agent' as const, name: 'Anna' };
		await db
			.insertInto('session_participants')
			.values([
				{ ...participant, peer_id: 'pa', user_id: 'u1', joined_at: 150, left_at: null },
				{
					...participant,
					peer_id: 'pc',
					role: 'customer',
					user_id: null,
					joined_at: 200,
					left_at: 900
				}
			])
			.execute();

		expect((await migrator.migrateToLatest()).error).toBeUndefined();
		const stints = await db
			.selectFrom('participant_stints')
			.selectAll()
			.orderBy('peer_id')
			.execute();
		expect(stints).toEqual([
			{ session_id: 's1', peer_id: 'pa', joined_at: 150, left_at: null },
			{ session_id: 's1', peer_id: 'pc', joined_at: 200, left_at: 900 }
		]);
	} finally {
		await close();
	}
});

it('0007 turns voice on for the groups there are, and leaves overrides inheriting it', async () => {
	const { db, close } = await emptyDatabase();
	const migrator = new Migrator({
		db,
		provider: migrationProvider,
		allowUnorderedMigrations: true
	});
	try {
		expect((await migrator.migrateTo('0006_participant_stints')).error).toBeUndefined();
		await db
			.insertInto('users')
			.values({
				id: 'u1',
				email: 'a@migrations.test',
				name: 'Anna',
				password_hash: 'x',
				role: 'agent',
				created_at: 1,
				disabled_at: null
			})
			.execute();
		// Written without the new column, as the code before it did.
		await db
			.insertInto('agent_overrides')
			.values({ user_id: 'u1', file_transfer: 0, updated_at: 1 })
			.execute();

		expect((await migrator.migrateTo('0007_group_voice')).error).toBeUndefined();
		const groups = await db.selectFrom('groups').select(['id', 'voice']).execute();
		expect(groups).toEqual([{ id: 'default', voice: 1 }]);
		const overrides = await db.selectFrom('agent_overrides').select(['voice']).execute();
		expect(overrides).toEqual([{ voice: null }]);
	} finally {
		await close();
	}
});

it('0009 leaves recording off for the groups there are, kept 30 days, overrides inheriting', async () => {
	const { db, close } = await emptyDatabase();
	const migrator = new Migrator({
		db,
		provider: migrationProvider,
		allowUnorderedMigrations: true
	});
	try {
		expect((await migrator.migrateTo('0008_snapshots')).error).toBeUndefined();
		await db
			.insertInto('users')
			.values({
				id: 'u1',
				email: 'a@migrations.test',
				name: 'Anna',
				password_hash: 'x',
				role: 'agent',
				created_at: 1,
				disabled_at: null
			})
			.execute();
		await db
			.insertInto('agent_overrides')
			.values({ user_id: 'u1', voice: 0, updated_at: 1 })
			.execute();

		expect((await migrator.migrateTo('0009_group_recording')).error).toBeUndefined();
		const groups = await db
			.selectFrom('groups')
			.select(['id', 'record_sessions', 'recording_retention_days'])
			.execute();
		expect(groups).toEqual([{ id: 'default', record_sessions: 0, recording_retention_days: 30 }]);
		const overrides = await db
			.selectFrom('agent_overrides')
			.select(['record_sessions', 'recording_retention_days'])
			.execute();
		expect(overrides).toEqual([{ record_sessions: null, recording_retention_days: null }]);
	} finally {
		await close();
	}
});
