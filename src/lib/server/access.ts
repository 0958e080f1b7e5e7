import { error } from '@sveltejs/kit';
import { m } from '$lib/paraglide/messages';
import type { SessionUser } from './auth';
import { participationOf } from './participants';
import type { Runtime } from './runtime';
import { getSupportSession } from './support-sessions';

/**
 * Two questions, never one: who may read what happened in a session (its report keeps what a
 * former participant did while present), and who may act on the live session now.
 */

/**
 * The session, if this user may read its report: an administrator, its owner, or anyone who was
 * ever one of its agents (also after leaving). 404/403 otherwise.
 */
export async function sessionForReader(runtime: Runtime, sessionId: string, user: SessionUser) {
	const session = await getSupportSession(runtime, sessionId);
	if (!session) error(404, m.agent_report_not_found());
	if (user.role === 'admin' || session.agent_id === user.id) return session;
	if (!(await participationOf(runtime.db, sessionId, user.id))) {
		error(403, m.agent_session_other_agent());
	}
	return session;
}

/**
 * Whether this user may act on the session now (chat, end, invite, record new events): the
 * session is live and they are one of its present agents — or its owner before their viewer
 * first opened (no place yet), or an administrator (whose viewer joins them as an agent).
 */
export async function mayActOn(
	runtime: Runtime,
	session: { id: string; status: string; agent_id: string },
	user: SessionUser
): Promise<boolean> {
	if (session.status === 'ended') return false;
	if (user.role === 'admin') return true;
	const participation = await participationOf(runtime.db, session.id, user.id);
	if (participation) return participation.left_at === null;
	return session.agent_id === user.id;
}

/** The live session, if this user may act on it now; 404/403 (or 410 once ended) otherwise. */
export async function sessionForActor(runtime: Runtime, sessionId: string, user: SessionUser) {
	const session = await sessionForReader(runtime, sessionId, user);
	if (session.status === 'ended') error(410, m.agent_session_ended_already());
	if (!(await mayActOn(runtime, session, user))) error(403, m.agent_session_not_present());
	return session;
}
