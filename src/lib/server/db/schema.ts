import type { Generated } from 'kysely';

export type Role = 'agent' | 'admin';
export type SupportSessionStatus = 'waiting' | 'active' | 'ended';

export interface UsersTable {
	id: string;
	email: string;
	name: string;
	password_hash: string;
	role: Role;
	created_at: number;
	disabled_at: number | null;
	/** Every user belongs to one group ('default' unless moved). */
	group_id: Generated<string>;
	/** The language the user chose ("en", "it"); NULL lets the browser decide. */
	locale: Generated<string | null>;
}

export interface LoginSessionsTable {
	/** SHA-256 of the cookie token: a leaked database does not leak live logins. */
	token_hash: string;
	user_id: string;
	created_at: number;
	expires_at: number;
}

export interface SupportSessionsTable {
	id: string;
	/** HMAC of the 9-digit code while it can still be used; NULL once used or expired. */
	code_hash: string | null;
	code_expires_at: number;
	agent_id: string;
	customer_name: string | null;
	customer_peer_id: string | null;
	status: SupportSessionStatus;
	created_at: number;
	joined_at: number | null;
	ended_at: number | null;
	end_reason: string | null;
	ended_by: string | null;
}

export interface SessionParticipantsTable {
	session_id: string;
	peer_id: string;
	role: 'customer' | 'agent';
	user_id: string | null;
	name: string;
	joined_at: number;
	left_at: number | null;
}

/** One stretch of a participant's presence: joined (or rejoined) until left (NULL: present). */
export interface ParticipantStintsTable {
	session_id: string;
	peer_id: string;
	joined_at: number;
	left_at: number | null;
}

export interface SessionEventsTable {
	/** The event's own ID, chosen by whoever recorded it: a retried batch is stored once. */
	id: string;
	session_id: string;
	type: string;
	at: number;
	actor: string | null;
	data: string;
	received_at: number;
	seq: Generated<number>;
}

export interface AuditLogTable {
	id: Generated<number>;
	at: number;
	actor_id: string | null;
	action: string;
	target: string | null;
	detail: string | null;
	ip: string | null;
}

export interface AbuseReportsTable {
	id: string;
	session_id: string;
	created_at: number;
	description: string;
	contact: string | null;
}

export interface SessionInvitationsTable {
	id: string;
	session_id: string;
	invited_user_id: string;
	invited_by: string;
	created_at: number;
	status: 'pending' | 'accepted' | 'declined' | 'cancelled';
	answered_at: number | null;
}

/** Booleans are 0/1: SQLite has no boolean type. */
export interface GroupsTable {
	id: string;
	name: string;
	file_transfer: number;
	max_file_size: number;
	unattended: number;
	agent_screen_share: number;
	/** Voice calls in a session (the migration turned it on for groups from before it). */
	voice: number;
	multi_agent: number;
	/** NULL: the server's default (SESSION_CODE_TTL_MINUTES). */
	code_lifetime_minutes: number | null;
	remove_customer_app_at_end: number;
	/** Every session recorded (off by default). */
	record_sessions: number;
	/** Days a recording is kept after its session. */
	recording_retention_days: number;
	created_at: number;
	updated_at: number;
}

/** One row per agent with overrides; each NULL column inherits the group's value. */
export interface AgentOverridesTable {
	user_id: string;
	file_transfer: number | null;
	max_file_size: number | null;
	unattended: number | null;
	agent_screen_share: number | null;
	voice: number | null;
	multi_agent: number | null;
	code_lifetime_minutes: number | null;
	remove_customer_app_at_end: number | null;
	record_sessions: number | null;
	recording_retention_days: number | null;
	updated_at: number;
}

/** One-time set-password links: only the token's SHA-256 is stored. */
export interface PasswordTokensTable {
	token_hash: string;
	user_id: string;
	purpose: 'invite' | 'reset';
	created_at: number;
	expires_at: number;
	used_at: number | null;
	created_by: string | null;
}

/** A computer set up for unattended access. Booleans are 0/1. */
export interface DevicesTable {
	/** Chosen by the device (random, 128 bits, base64url). */
	id: string;
	name: string;
	/** The device's ECDSA P-256 public key as JWK JSON; NULL once the device is removed. */
	public_key: string | null;
	enrolled_by: string;
	enrolled_at: number;
	enrolled_in_session: string | null;
	blocked: Generated<number>;
	blocked_at: number | null;
	last_seen_at: number | null;
	removed_at: number | null;
}

export interface DeviceEnrolmentsTable {
	id: string;
	session_id: string;
	agent_id: string;
	created_at: number;
	expires_at: number;
	status: 'pending' | 'accepted' | 'declined' | 'cancelled';
	answered_at: number | null;
	device_id: string | null;
}

/** A picture of the customer's screen or camera an agent took; the bytes are in storage. */
export interface SnapshotsTable {
	id: string;
	session_id: string;
	/** The user ID of the agent who took it. */
	taken_by: string;
	taken_at: number;
	source: 'screen' | 'camera';
	/** 1 when the agent drew on it first. */
	annotated: number;
	/** 'pending' while its upload runs (it counts towards the session's limit), then 'stored'. */
	status: 'pending' | 'stored';
	/** Bytes, and the SHA-256 (hex) of the stored picture; NULL while pending. */
	size: number | null;
	sha256: string | null;
	/** Where storage keeps it: `<sessionId>/<id>.png`. */
	storage_key: string;
}

export interface Database {
	users: UsersTable;
	login_sessions: LoginSessionsTable;
	support_sessions: SupportSessionsTable;
	session_participants: SessionParticipantsTable;
	participant_stints: ParticipantStintsTable;
	session_events: SessionEventsTable;
	audit_log: AuditLogTable;
	abuse_reports: AbuseReportsTable;
	session_invitations: SessionInvitationsTable;
	groups: GroupsTable;
	agent_overrides: AgentOverridesTable;
	password_tokens: PasswordTokensTable;
	devices: DevicesTable;
	device_enrolments: DeviceEnrolmentsTable;
	snapshots: SnapshotsTable;
}
