import {
	sql,
	type ColumnDefinitionBuilder,
	type Kysely,
	type Migration,
	type MigrationProvider
} from 'kysely';
import { isPostgres } from './dialect';

/**
 * An autoincrementing integer key: `integer primary key autoincrement` on SQLite (as shipped),
 * `serial primary key` on PostgreSQL (which has no AUTOINCREMENT keyword).
 */
function serial(db: Kysely<unknown>) {
	return isPostgres(db) ? ('serial' as const) : ('integer' as const);
}

function autoIncrementKey(db: Kysely<unknown>, column: ColumnDefinitionBuilder) {
	return isPostgres(db) ? column.primaryKey() : column.primaryKey().autoIncrement();
}

/**
 * Versioned migrations, applied in order at start. Add new ones at the end; never edit one
 * that has shipped. Written with Kysely's schema builder, so SQLite and PostgreSQL run the same
 * set; where the two differ (an autoincrementing key), the migration asks which one it is on.
 * Both store booleans as integers 0/1 and times as bigint milliseconds.
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
				.addColumn('seq', serial(db), (c) => autoIncrementKey(db, c))
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
				.addColumn('id', serial(db), (c) => autoIncrementKey(db, c))
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
	'0002_admin': {
		async up(db: Kysely<unknown>) {
			await db.schema
				.createTable('groups')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('name', 'text', (c) => c.notNull().unique())
				.addColumn('file_transfer', 'integer', (c) => c.notNull())
				.addColumn('max_file_size', 'bigint', (c) => c.notNull())
				.addColumn('unattended', 'integer', (c) => c.notNull())
				.addColumn('agent_screen_share', 'integer', (c) => c.notNull())
				.addColumn('multi_agent', 'integer', (c) => c.notNull())
				.addColumn('code_lifetime_minutes', 'integer')
				.addColumn('remove_customer_app_at_end', 'integer', (c) => c.notNull())
				.addColumn('created_at', 'bigint', (c) => c.notNull())
				.addColumn('updated_at', 'bigint', (c) => c.notNull())
				.execute();
			// The product defaults, written out: a migration must not change when code does.
			const now = Date.now();
			await sql`insert into groups (id, name, file_transfer, max_file_size, unattended,
				agent_screen_share, multi_agent, code_lifetime_minutes, remove_customer_app_at_end,
				created_at, updated_at)
				values ('default', 'Default', 1, ${2 * 1024 ** 3}, 0, 1, 1, null, 0, ${now}, ${now})`.execute(db);

			// SQLite cannot add a REFERENCES column with a non-NULL default; the application keeps
			// group_id valid (a group with members cannot be deleted).
			await db.schema
				.alterTable('users')
				.addColumn('group_id', 'text', (c) => c.notNull().defaultTo('default'))
				.execute();
			await db.schema.createIndex('users_group').on('users').column('group_id').execute();

			await db.schema
				.createTable('agent_overrides')
				.addColumn('user_id', 'text', (c) =>
					c.primaryKey().references('users.id').onDelete('cascade')
				)
				.addColumn('file_transfer', 'integer')
				.addColumn('max_file_size', 'bigint')
				.addColumn('unattended', 'integer')
				.addColumn('agent_screen_share', 'integer')
				.addColumn('multi_agent', 'integer')
				.addColumn('code_lifetime_minutes', 'integer')
				.addColumn('remove_customer_app_at_end', 'integer')
				.addColumn('updated_at', 'bigint', (c) => c.notNull())
				.execute();

			await db.schema
				.createTable('password_tokens')
				.addColumn('token_hash', 'text', (c) => c.primaryKey())
				.addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
				.addColumn('purpose', 'text', (c) => c.notNull())
				.addColumn('created_at', 'bigint', (c) => c.notNull())
				.addColumn('expires_at', 'bigint', (c) => c.notNull())
				.addColumn('used_at', 'bigint')
				.addColumn('created_by', 'text')
				.execute();
			await db.schema
				.createIndex('password_tokens_user')
				.on('password_tokens')
				.column('user_id')
				.execute();

			// Reports list sessions by time and read a session's events in order; the audit log
			// is filtered by action and actor.
			await db.schema
				.createIndex('support_sessions_created')
				.on('support_sessions')
				.column('created_at')
				.execute();
			await db.schema
				.createIndex('session_events_session_at')
				.on('session_events')
				.columns(['session_id', 'at'])
				.execute();
			await db.schema
				.createIndex('audit_log_action')
				.on('audit_log')
				.columns(['action', 'at'])
				.execute();
			await db.schema
				.createIndex('audit_log_actor')
				.on('audit_log')
				.columns(['actor_id', 'at'])
				.execute();
			await db.schema
				.createIndex('abuse_reports_created')
				.on('abuse_reports')
				.column('created_at')
				.execute();
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
	},
	'0004_devices': {
		async up(db: Kysely<unknown>) {
			// Computers set up for unattended access, for the whole organisation. The device
			// chooses its ID and keeps the private key; the server keeps the public key only,
			// and forgets it when the device is removed (the row stays for the reports).
			await db.schema
				.createTable('devices')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('name', 'text', (c) => c.notNull())
				.addColumn('public_key', 'text')
				.addColumn('enrolled_by', 'text', (c) => c.notNull().references('users.id'))
				.addColumn('enrolled_at', 'bigint', (c) => c.notNull())
				.addColumn('enrolled_in_session', 'text')
				.addColumn('blocked', 'integer', (c) => c.notNull().defaultTo(0))
				.addColumn('blocked_at', 'bigint')
				.addColumn('last_seen_at', 'bigint')
				.addColumn('removed_at', 'bigint')
				.execute();
			await db.schema
				.createIndex('devices_enrolled_at')
				.on('devices')
				.column('enrolled_at')
				.execute();

			// An agent's request, in an attended session, to set up unattended access; the
			// customer accepts (and the device enrols) or declines.
			await db.schema
				.createTable('device_enrolments')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('session_id', 'text', (c) =>
					c.notNull().references('support_sessions.id').onDelete('cascade')
				)
				.addColumn('agent_id', 'text', (c) => c.notNull().references('users.id'))
				.addColumn('created_at', 'bigint', (c) => c.notNull())
				.addColumn('expires_at', 'bigint', (c) => c.notNull())
				.addColumn('status', 'text', (c) => c.notNull())
				.addColumn('answered_at', 'bigint')
				.addColumn('device_id', 'text')
				.execute();
			await db.schema
				.createIndex('device_enrolments_session')
				.on('device_enrolments')
				.columns(['session_id', 'status'])
				.execute();
		}
	},
	'0005_user_locale': {
		async up(db: Kysely<unknown>) {
			// The language an agent chose for the console and their reports ("en", "it");
			// NULL: none chosen, the browser's languages decide.
			await db.schema.alterTable('users').addColumn('locale', 'text').execute();
		}
	},
	'0006_participant_stints': {
		async up(db: Kysely<unknown>) {
			// Each time a participant was present: from joining (or rejoining) until leaving,
			// being disabled or the session's end (NULL: present now). session_participants keeps
			// only the first join and the last leave.
			await db.schema
				.createTable('participant_stints')
				.addColumn('session_id', 'text', (c) =>
					c.notNull().references('support_sessions.id').onDelete('cascade')
				)
				.addColumn('peer_id', 'text', (c) => c.notNull())
				.addColumn('joined_at', 'bigint', (c) => c.notNull())
				.addColumn('left_at', 'bigint')
				.execute();
			await db.schema
				.createIndex('participant_stints_peer')
				.on('participant_stints')
				.columns(['session_id', 'peer_id', 'joined_at'])
				.execute();
			// What is known of the past: one stint per participant, first join to last leave.
			await sql`insert into participant_stints (session_id, peer_id, joined_at, left_at)
				select session_id, peer_id, joined_at, left_at from session_participants`.execute(db);
		}
	},
	'0007_group_voice': {
		async up(db: Kysely<unknown>) {
			// Voice calls, on for every group (the product default, written out); an agent's
			// override NULL inherits the group's, as for the other settings.
			await db.schema
				.alterTable('groups')
				.addColumn('voice', 'integer', (c) => c.notNull().defaultTo(1))
				.execute();
			await db.schema.alterTable('agent_overrides').addColumn('voice', 'integer').execute();
		}
	},
	'0008_snapshots': {
		async up(db: Kysely<unknown>) {
			// Pictures an agent took of the customer's screen or camera, kept with the report;
			// the bytes are in snapshot storage under `storage_key`. A row is 'pending' from the
			// moment an upload takes its place (so the per-session limit counts uploads under
			// way) until its picture is stored; a pending row left by a crash is swept.
			await db.schema
				.createTable('snapshots')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('session_id', 'text', (c) =>
					c.notNull().references('support_sessions.id').onDelete('cascade')
				)
				.addColumn('taken_by', 'text', (c) => c.notNull())
				.addColumn('taken_at', 'bigint', (c) => c.notNull())
				.addColumn('source', 'text', (c) => c.notNull())
				.addColumn('annotated', 'integer', (c) => c.notNull())
				.addColumn('status', 'text', (c) => c.notNull())
				.addColumn('size', 'bigint')
				.addColumn('sha256', 'text')
				.addColumn('storage_key', 'text', (c) => c.notNull())
				.execute();
			await db.schema
				.createIndex('snapshots_session')
				.on('snapshots')
				.columns(['session_id', 'taken_at'])
				.execute();
			await db.schema
				.createIndex('snapshots_status')
				.on('snapshots')
				.columns(['status', 'taken_at'])
				.execute();
		}
	},
	'0009_group_recording': {
		async up(db: Kysely<unknown>) {
			// Recording is off for every group until an administrator turns it on; recordings
			// are kept 30 days unless the group says otherwise. Overrides NULL inherit.
			await db.schema
				.alterTable('groups')
				.addColumn('record_sessions', 'integer', (c) => c.notNull().defaultTo(0))
				.execute();
			await db.schema
				.alterTable('groups')
				.addColumn('recording_retention_days', 'integer', (c) => c.notNull().defaultTo(30))
				.execute();
			await db.schema
				.alterTable('agent_overrides')
				.addColumn('record_sessions', 'integer')
				.execute();
			await db.schema
				.alterTable('agent_overrides')
				.addColumn('recording_retention_days', 'integer')
				.execute();
		}
	},
	'0010_recordings': {
		async up(db: Kysely<unknown>) {
			// A session's recording: one per session, kept `retention_days` after the session
			// ended (expires_at is set then, so the sweep is a range scan that survives
			// restarts); `bytes` is what its chunks take, charged before each is read.
			await db.schema
				.createTable('recordings')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('session_id', 'text', (c) =>
					c.notNull().unique().references('support_sessions.id').onDelete('cascade')
				)
				.addColumn('created_at', 'bigint', (c) => c.notNull())
				.addColumn('retention_days', 'integer', (c) => c.notNull())
				.addColumn('expires_at', 'bigint')
				.addColumn('bytes', 'bigint', (c) => c.notNull().defaultTo(0))
				.execute();
			await db.schema
				.createIndex('recordings_expiry')
				.on('recordings')
				.column('expires_at')
				.execute();
			// A recording's parts in order, one per owner stint (a hand-over starts the next).
			// chunk_version counts the chunks stored; a segment whose assembled_version differs
			// (never assembled, or a late chunk since) is assembled again.
			await db.schema
				.createTable('recording_segments')
				.addColumn('recording_id', 'text', (c) =>
					c.notNull().references('recordings.id').onDelete('cascade')
				)
				.addColumn('segment', 'integer', (c) => c.notNull())
				.addColumn('owner_id', 'text', (c) => c.notNull())
				.addColumn('mime_type', 'text', (c) => c.notNull())
				.addColumn('started_at', 'bigint', (c) => c.notNull())
				.addColumn('last_activity_at', 'bigint', (c) => c.notNull())
				.addColumn('ended_at', 'bigint')
				.addColumn('ended_by', 'text')
				.addColumn('chunk_count', 'integer')
				.addColumn('duration_ms', 'bigint')
				.addColumn('chunk_version', 'integer', (c) => c.notNull().defaultTo(0))
				.addColumn('assembled_version', 'integer')
				.addColumn('assembling_at', 'bigint')
				.addColumn('file_size', 'bigint')
				.addColumn('file_duration_ms', 'bigint')
				.addColumn('assembly_note', 'text')
				.addPrimaryKeyConstraint('recording_segments_pk', ['recording_id', 'segment'])
				.execute();
			await db.schema
				.createIndex('recording_segments_ended')
				.on('recording_segments')
				.columns(['ended_at', 'assembled_version'])
				.execute();
			// Each chunk as uploaded: 'pending' from the moment its upload takes its space (the
			// limits count uploads under way), 'stored' once on disk, 'merged' once the assembled
			// file holds it and its own file is gone (the row stays: which indexes arrived).
			await db.schema
				.createTable('recording_chunks')
				.addColumn('recording_id', 'text', (c) =>
					c.notNull().references('recordings.id').onDelete('cascade')
				)
				.addColumn('segment', 'integer', (c) => c.notNull())
				.addColumn('chunk_index', 'integer', (c) => c.notNull())
				.addColumn('status', 'text', (c) => c.notNull())
				.addColumn('size', 'bigint', (c) => c.notNull())
				.addColumn('upload_id', 'text', (c) => c.notNull())
				.addColumn('storage_key', 'text', (c) => c.notNull())
				.addColumn('reserved_at', 'bigint', (c) => c.notNull())
				.addColumn('stored_at', 'bigint')
				.addPrimaryKeyConstraint('recording_chunks_pk', ['recording_id', 'segment', 'chunk_index'])
				.execute();
			await db.schema
				.createIndex('recording_chunks_status')
				.on('recording_chunks')
				.columns(['status', 'reserved_at'])
				.execute();
			// The server's total (RECORDINGS_MAX_GB) as one row every reservation locks, so
			// uploads to different sessions, on any process, never exceed it together.
			await db.schema
				.createTable('recording_space')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('bytes', 'bigint', (c) => c.notNull())
				.execute();
			await sql`insert into recording_space (id, bytes) values ('total', 0)`.execute(db);
			// Uploads refused for size, counted for the administrator (the log has each one).
			await db.schema
				.createTable('recording_refusals')
				.addColumn('reason', 'text', (c) => c.primaryKey())
				.addColumn('count', 'bigint', (c) => c.notNull())
				.addColumn('last_at', 'bigint')
				.execute();
			await sql`insert into recording_refusals (reason, count, last_at) values
				('chunk-too-large', 0, null), ('session-full', 0, null), ('server-full', 0, null)`.execute(db);
		}
	}
};

export const migrationProvider: MigrationProvider = {
	async getMigrations() {
		return migrations;
	}
};
