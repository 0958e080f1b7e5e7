import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

/**
 * Versioned migrations, applied in order at start. Add new ones at the end; never edit one
 * that has shipped. Written with Kysely's schema builder so PostgreSQL can follow.
 */
const migrations: Record<string, Migration> = {
	'0001_initial': {
		async up(db: Kysely<unknown>) {
			await db.schema
				.createTable('users')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('email', 'text', (c) => c.notNull().unique())
				.addColumn('name', 'text', (c) => c.notNull())
				.addColumn('password_hash', 'text', (c) => c.notNull())
				.addColumn('role', 'text', (c) => c.notNull())
				.addColumn('created_at', 'bigint', (c) => c.notNull())
				.addColumn('disabled_at', 'bigint')
				.execute();

			await db.schema
				.createTable('login_sessions')
				.addColumn('token_hash', 'text', (c) => c.primaryKey())
				.addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
				.addColumn('created_at', 'bigint', (c) => c.notNull())
				.addColumn('expires_at', 'bigint', (c) => c.notNull())
				.execute();
			await db.schema
				.createIndex('login_sessions_user')
				.on('login_sessions')
				.column('user_id')
				.execute();

			await db.schema
				.createTable('support_sessions')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('code_hash', 'text', (c) => c.unique())
				.addColumn('code_expires_at', 'bigint', (c) => c.notNull())
				.addColumn('agent_id', 'text', (c) => c.notNull().references('users.id'))
				.addColumn('customer_name', 'text')
				.addColumn('customer_peer_id', 'text')
				.addColumn('status', 'text', (c) => c.notNull())
				.addColumn('created_at', 'bigint', (c) => c.notNull())
				.addColumn('joined_at', 'bigint')
				.addColumn('ended_at', 'bigint')
				.addColumn('end_reason', 'text')
				.addColumn('ended_by', 'text')
				.execute();
			await db.schema
				.createIndex('support_sessions_agent')
				.on('support_sessions')
				.columns(['agent_id', 'created_at'])
				.execute();

			await db.schema
				.createTable('session_participants')
				.addColumn('session_id', 'text', (c) =>
					c.notNull().references('support_sessions.id').onDelete('cascade')
				)
				.addColumn('peer_id', 'text', (c) => c.notNull())
				.addColumn('role', 'text', (c) => c.notNull())
				.addColumn('user_id', 'text')
				.addColumn('name', 'text', (c) => c.notNull())
				.addColumn('joined_at', 'bigint', (c) => c.notNull())
				.addColumn('left_at', 'bigint')
				.addPrimaryKeyConstraint('session_participants_pk', ['session_id', 'peer_id'])
				.execute();

			await db.schema
				.createTable('session_events')
				.addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
				.addColumn('id', 'text', (c) => c.notNull())
				.addColumn('session_id', 'text', (c) =>
					c.notNull().references('support_sessions.id').onDelete('cascade')
				)
				.addColumn('type', 'text', (c) => c.notNull())
				.addColumn('at', 'bigint', (c) => c.notNull())
				.addColumn('actor', 'text')
				.addColumn('data', 'text', (c) => c.notNull())
				.addColumn('received_at', 'bigint', (c) => c.notNull())
				.addUniqueConstraint('session_events_id', ['session_id', 'id'])
				.execute();

			await db.schema
				.createTable('audit_log')
				.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
				.addColumn('at', 'bigint', (c) => c.notNull())
				.addColumn('actor_id', 'text')
				.addColumn('action', 'text', (c) => c.notNull())
				.addColumn('target', 'text')
				.addColumn('detail', 'text')
				.addColumn('ip', 'text')
				.execute();
			await db.schema.createIndex('audit_log_at').on('audit_log').column('at').execute();

			await db.schema
				.createTable('abuse_reports')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('session_id', 'text', (c) =>
					c.notNull().references('support_sessions.id').onDelete('cascade')
				)
				.addColumn('created_at', 'bigint', (c) => c.notNull())
				.addColumn('description', 'text', (c) => c.notNull())
				.addColumn('contact', 'text')
				.execute();
			await sql`select 1`.execute(db);
		}
	},
	'0003_invitations': {
		async up(db: Kysely<unknown>) {
			await db.schema
				.createTable('session_invitations')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('session_id', 'text', (c) =>
					c.notNull().references('support_sessions.id').onDelete('cascade')
				)
				.addColumn('invited_user_id', 'text', (c) => c.notNull().references('users.id'))
				.addColumn('invited_by', 'text', (c) => c.notNull().references('users.id'))
				.addColumn('created_at', 'bigint', (c) => c.notNull())
				.addColumn('status', 'text', (c) => c.notNull())
				.addColumn('answered_at', 'bigint')
				.execute();
			await db.schema
				.createIndex('session_invitations_invited')
				.on('session_invitations')
				.columns(['invited_user_id', 'status'])
				.execute();
		}
	}
};

export const migrationProvider: MigrationProvider = {
	async getMigrations() {
		return migrations;
	}
};
