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
	recordings: RecordingsTable;
	recording_segments: RecordingSegmentsTable;
	recording_chunks: RecordingChunksTable;
	recording_space: RecordingSpaceTable;
	recording_refusals: RecordingRefusalsTable;
}

/** A session's recording (at most one per session). */
export interface RecordingsTable {
	id: string;
	session_id: string;
	created_at: number;
	/** The owner's "Keep recordings for" when the recording began. */
	retention_days: number;
	/** When the retention sweep deletes it: set once the session has ended. */
	expires_at: number | null;
	/** What its chunks take (uploads under way included), charged before a byte is read. */
	bytes: number;
}

export interface RecordingSegmentsTable {
	recording_id: string;
	/** 0, 1, 2… in the order they began. */
	segment: number;
	/** The agent whose browser records it (the session's owner when it began). */
	owner_id: string;
	mime_type: string;
	started_at: number;
	/** The last chunk reserved (or the start): a segment idle too long is ended by the server. */
	last_activity_at: number;
	ended_at: number | null;
	/** 'browser' (its end call) or 'server' (session ended, a new segment, the grace sweep). */
	ended_by: 'browser' | 'server' | null;
	/** How many chunks it has: the browser's count, or the server's (highest index + 1). */
	chunk_count: number | null;
	/** The browser's own measure of its length. */
	duration_ms: number | null;
	/** Incremented with every chunk stored. */
	chunk_version: number;
	/** The chunk_version the assembled file was made from; NULL: never assembled. */
	assembled_version: number | null;
	/** Set while a process assembles it (a claim; a stale one is taken over). */
	assembling_at: number | null;
	file_size: number | null;
	/** The assembled file's duration as its cues say. */
	file_duration_ms: number | null;
	/** Why the file is missing or partial: 'no-start' (chunk 0 never arrived), 'unreadable'. */
	assembly_note: string | null;
}

export interface RecordingChunksTable {
	recording_id: string;
	segment: number;
	chunk_index: number;
	status: 'pending' | 'stored' | 'merged';
	/** Bytes charged: the upload's Content-Length (what it stored, once stored). */
	size: number;
	/** Which upload holds the reservation: a retry takes it over, the older one then gives up. */
	upload_id: string;
	storage_key: string;
	reserved_at: number;
	stored_at: number | null;
}

export interface RecordingSpaceTable {
	id: string;
	bytes: number;
}

export interface RecordingRefusalsTable {
	reason: 'chunk-too-large' | 'session-full' | 'server-full';
	count: number;
	last_at: number | null;
}
