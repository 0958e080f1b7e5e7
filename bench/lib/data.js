// Direct access to a bench server's data: its ticket key and database. Used to mint sessions and
// tickets without the UI, exactly as src/lib/server/tickets.ts and support-sessions.ts do.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';

export const SIGNALING_KEY = 'ponte';
export const SIGNALING_SOCKET_PATH = '/peerjs/peerjs';
const TICKET_TTL_MS = 15 * 60 * 1000;

export function readSecrets(dataDir) {
	const stored = JSON.parse(fs.readFileSync(path.join(dataDir, 'secrets.json'), 'utf8'));
	return {
		hmacKey: Buffer.from(stored.hmacKey, 'base64url'),
		ticketPrivateKey: crypto.createPrivateKey(stored.ticketPrivateKeyPem)
	};
}

/** The same format as signTicket() in src/lib/server/tickets.ts. */
export function signTicket(privateKey, { sessionId, role, peerId, name }, now = Date.now()) {
	const claims = {
		v: 1,
		sid: sessionId,
		role,
		pid: peerId,
		name,
		org: 'Ponte bench',
		features: {},
		iat: now,
		exp: now + TICKET_TTL_MS
	};
	const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
	const signature = crypto.sign(null, Buffer.from(body), privateKey).toString('base64url');
	return `${body}.${signature}`;
}

/** The hash a session code is stored under (hmac() in src/lib/server/secrets.ts). */
export function codeHash(hmacKey, code) {
	return crypto.createHmac('sha256', hmacKey).update(`session-code\0${code}`).digest('base64url');
}

export function randomId(bytes = 12) {
	return crypto.randomBytes(bytes).toString('base64url');
}

export function peerId() {
	return `p${randomId(16).replace(/[^A-Za-z0-9]/g, 'x')}`;
}

export function openDatabase(dataDir) {
	const db = new SQLite(path.join(dataDir, 'ponte.sqlite'));
	db.pragma('busy_timeout = 5000');
	return db;
}

export function adminId(db) {
	const row = db.prepare("SELECT id FROM users WHERE role = 'admin' LIMIT 1").get();
	if (!row) throw new Error('no admin user in the bench database');
	return row.id;
}

/**
 * Inserts support sessions the signaling server will accept tickets for: `active` ones whose
 * `participants` ({ peerId, role }) are present (signaling admits present participants only), or
 * `waiting` ones with a known code for real joins through the join form.
 */
export function insertSessions(db, sessions) {
	const insert = db.prepare(
		`INSERT INTO support_sessions (id, code_hash, code_expires_at, agent_id, customer_name,
			customer_peer_id, status, created_at, joined_at, ended_at, end_reason, ended_by)
		VALUES (@id, @codeHash, @codeExpiresAt, @agentId, NULL, NULL, @status, @now, NULL, NULL, NULL, NULL)`
	);
	const participant = db.prepare(
		`INSERT INTO session_participants (session_id, peer_id, role, user_id, name, joined_at, left_at)
		VALUES (@sessionId, @peerId, @role, @userId, @role, @now, NULL)`
	);
	const now = Date.now();
	db.transaction(() => {
		for (const session of sessions) {
			insert.run({
				id: session.id,
				codeHash: session.codeHash ?? null,
				codeExpiresAt: now + 10 * 60_000,
				agentId: session.agentId,
				status: session.status ?? 'active',
				now
			});
			for (const { peerId, role } of session.participants ?? []) {
				const userId = role === 'agent' ? session.agentId : null;
				participant.run({ sessionId: session.id, peerId, role, userId, now });
			}
		}
	})();
}

export function signalingUrl(baseUrl, id, ticket) {
	const url = new URL(SIGNALING_SOCKET_PATH, baseUrl.replace(/^http/, 'ws'));
	url.searchParams.set('key', SIGNALING_KEY);
	url.searchParams.set('id', id);
	url.searchParams.set('token', ticket);
	url.searchParams.set('version', '1.5.5');
	return url.toString();
}
