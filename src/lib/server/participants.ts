import type { Role } from '$lib/session/protocol';
import type { DB } from './db';

/**
 * Who is in a session right now, and who was in it when. Kysely only (no SQLite-specific SQL),
 * so signaling, tickets and the API ask the same question the same way on any database.
 */

/**
 * Whether this peer may use the session now: the session is live, the peer is a participant in
 * this role who has not left, and (an agent) the account is enabled. Signaling asks on every
 * connect and the ticket refresh on every refresh, so leaving or disabling bites at once.
 */
export async function isPresentParticipant(
	db: DB,
	sessionId: string,
	peerId: string,
	role: Role
): Promise<boolean> {
	const row = await db
		.selectFrom('session_participants')
		.innerJoin('support_sessions', 'support_sessions.id', 'session_participants.session_id')
		.leftJoin('users', 'users.id', 'session_participants.user_id')
		.select(['session_participants.user_id', 'users.disabled_at', 'users.id as account'])
		.where('session_participants.session_id', '=', sessionId)
		.where('session_participants.peer_id', '=', peerId)
		.where('session_participants.role', '=', role)
		.where('session_participants.left_at', 'is', null)
		.where('support_sessions.status', '!=', 'ended')
		.executeTakeFirst();
	if (!row) return false;
	if (role === 'customer') return true;
	return row.account !== null && row.disabled_at === null;
}

/** The peer IDs present in a session now (a customer's page refuses any agent not listed). */
export async function presentPeerIds(db: DB, sessionId: string): Promise<string[]> {
	const rows = await db
		.selectFrom('session_participants')
		.select('peer_id')
		.where('session_id', '=', sessionId)
		.where('left_at', 'is', null)
		.execute();
	return rows.map((r) => r.peer_id);
}

/** A user's place in a session, if they ever had one. */
export async function participationOf(db: DB, sessionId: string, userId: string) {
	return db
		.selectFrom('session_participants')
		.select(['peer_id', 'joined_at', 'left_at'])
		.where('session_id', '=', sessionId)
		.where('user_id', '=', userId)
		.executeTakeFirst();
}

/** Each stretch of a participant's presence, oldest first (`left_at` NULL: present now). */
export async function stintsOf(db: DB, sessionId: string, peerId: string) {
	return db
		.selectFrom('participant_stints')
		.select(['joined_at', 'left_at'])
		.where('session_id', '=', sessionId)
		.where('peer_id', '=', peerId)
		.orderBy('joined_at')
		.execute();
}

/** The participant is present from `at`: a new stint, unless one is open already. */
export async function openStint(db: DB, sessionId: string, peerId: string, at: number) {
	const open = await db
		.selectFrom('participant_stints')
		.select('joined_at')
		.where('session_id', '=', sessionId)
		.where('peer_id', '=', peerId)
		.where('left_at', 'is', null)
		.executeTakeFirst();
	if (open) return;
	await db
		.insertInto('participant_stints')
		.values({ session_id: sessionId, peer_id: peerId, joined_at: at, left_at: null })
		.execute();
}

/** The open stint of one participant (or, with no peer, of everyone in the session) ends at `at`. */
export async function closeStints(db: DB, sessionId: string, peerId: string | null, at: number) {
	let update = db
		.updateTable('participant_stints')
		.set({ left_at: at })
		.where('session_id', '=', sessionId)
		.where('left_at', 'is', null);
	if (peerId !== null) update = update.where('peer_id', '=', peerId);
	await update.execute();
}
