import { error } from '@sveltejs/kit';
import { m } from '$lib/paraglide/messages';
import type { SessionUser } from './auth';
import type { Runtime } from './runtime';
import { getSupportSession } from './support-sessions';

/** The session, if this user may see it (its agents, or an administrator); 404/403 otherwise. */
export async function sessionForUser(runtime: Runtime, sessionId: string, user: SessionUser) {
	const session = await getSupportSession(runtime, sessionId);
	if (!session) error(404, m.agent_report_not_found());
	if (user.role === 'admin' || session.agent_id === user.id) return session;
	const participant = await runtime.db
		.selectFrom('session_participants')
		.select('peer_id')
		.where('session_id', '=', sessionId)
		.where('user_id', '=', user.id)
		.executeTakeFirst();
	if (!participant) error(403, m.agent_session_other_agent());
	return session;
}
