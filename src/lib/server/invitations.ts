import type { SessionUser } from './auth';
import { audit } from './audit';
import { closeStints, openStint, participationOf } from './participants';
import type { Runtime } from './runtime';
import { hmac, randomId } from './secrets';
import {
	agentTicket,
	endSupportSession,
	featuresFor,
	getSupportSession,
	presentAgents,
	recordServerEvent
} from './support-sessions';

export async function markPresent(runtime: Runtime, userId: string) {
	await runtime.presence.markPresent(userId);
}

/** Which of these agents have the console open now. */
export async function onlineAmong(runtime: Runtime, userIds: readonly string[]) {
	return runtime.presence.onlineAmong(userIds);
}

/** Whether this session may have more than one agent (the owner's effective settings). */
export async function multiAgentAllowed(runtime: Runtime, sessionId: string): Promise<boolean> {
	const session = await getSupportSession(runtime, sessionId);
	if (!session || session.status === 'ended') return false;
	return (await featuresFor(runtime, { id: session.agent_id })).multiAgent;
}

export const MAX_AGENTS_PER_SESSION = 6;

export type InviteResult = { ok: true; id: string } | { ok: false; error: string };

export async function inviteAgent(
	runtime: Runtime,
	sessionId: string,
	by: SessionUser,
	invitedUserId: string
): Promise<InviteResult> {
	if (!(await multiAgentAllowed(runtime, sessionId))) {
		return { ok: false, error: 'This session cannot have several agents.' };
	}
	const present = await presentAgents(runtime, sessionId);
	if (!present.some((p) => p.userId === by.id))
		return { ok: false, error: 'You are not in this session.' };
	if (present.some((p) => p.userId === invitedUserId)) {
		return { ok: false, error: 'That agent is already in the session.' };
	}
	if (present.length >= MAX_AGENTS_PER_SESSION) {
		return { ok: false, error: `At most ${MAX_AGENTS_PER_SESSION} agents can join one session.` };
	}
	const invited = await runtime.db
		.selectFrom('users')
		.select(['id', 'disabled_at'])
		.where('id', '=', invitedUserId)
		.executeTakeFirst();
	if (!invited || invited.disabled_at !== null) return { ok: false, error: 'No such agent.' };
	const id = randomId(12);
	await runtime.db
		.insertInto('session_invitations')
		.values({
			id,
			session_id: sessionId,
			invited_user_id: invitedUserId,
			invited_by: by.id,
			created_at: Date.now(),
			status: 'pending',
			answered_at: null
		})
		.execute();
	await audit(runtime.db, {
		actorId: by.id,
		action: 'session.agent-invited',
		target: sessionId,
		detail: { invited: invitedUserId }
	});
	return { ok: true, id };
}

export async function pendingInvitations(runtime: Runtime, userId: string) {
	return runtime.db
		.selectFrom('session_invitations')
		.innerJoin('support_sessions', 'support_sessions.id', 'session_invitations.session_id')
		.innerJoin('users', 'users.id', 'session_invitations.invited_by')
		.select([
			'session_invitations.id',
			'session_invitations.session_id as sessionId',
			'session_invitations.created_at as createdAt',
			'users.name as fromName',
			'support_sessions.customer_name as customerName'
		])
		.where('session_invitations.invited_user_id', '=', userId)
		.where('session_invitations.status', '=', 'pending')
		.where('support_sessions.status', '!=', 'ended')
		.orderBy('session_invitations.created_at')
		.execute();
}

/** Whether the user was ever in the session: present now, or left. */
export async function hasJoined(runtime: Runtime, sessionId: string, userId: string) {
	return (await participationOf(runtime.db, sessionId, userId)) !== undefined;
}

/** Adds an agent to a live session (invitation accepted or join link opened). */
export async function joinAsAgent(runtime: Runtime, sessionId: string, user: SessionUser) {
	const session = await getSupportSession(runtime, sessionId);
	if (!session || session.status === 'ended') return null;
	const before = await presentAgents(runtime, sessionId);
	const identity = await agentTicket(runtime, session, user);
	// A returning agent (left earlier) is present again, in a new stint.
	const rejoined = await runtime.db
		.updateTable('session_participants')
		.set({ left_at: null })
		.where('session_id', '=', sessionId)
		.where('user_id', '=', user.id)
		.returning(['peer_id'])
		.executeTakeFirst();
	if (rejoined) await openStint(runtime.db, sessionId, rejoined.peer_id, Date.now());
	// agentTicket records 'agent.joined' for the report when it adds the participant.
	if (!before.some((p) => p.userId === user.id)) {
		await audit(runtime.db, {
			actorId: user.id,
			action: 'session.agent-joined',
			target: sessionId
		});
	}
	return identity;
}

export async function answerInvitation(
	runtime: Runtime,
	invitationId: string,
	user: SessionUser,
	accept: boolean
): Promise<{ ok: true; sessionId: string } | { ok: false; error: string }> {
	const invitation = await runtime.db
		.updateTable('session_invitations')
		.set({ status: accept ? 'accepted' : 'declined', answered_at: Date.now() })
		.where('id', '=', invitationId)
		.where('invited_user_id', '=', user.id)
		.where('status', '=', 'pending')
		.returning(['session_id'])
		.executeTakeFirst();
	if (!invitation) return { ok: false, error: 'This invitation is no longer open.' };
	if (!accept) return { ok: true, sessionId: invitation.session_id };
	if (!(await multiAgentAllowed(runtime, invitation.session_id))) {
		return { ok: false, error: 'The session has ended or cannot take another agent.' };
	}
	const joined = await joinAsAgent(runtime, invitation.session_id, user);
	if (!joined) return { ok: false, error: 'The session has ended.' };
	return { ok: true, sessionId: invitation.session_id };
}

/** A join link any agent of the organisation can open (while the session takes several agents). */
export function inviteLinkToken(runtime: Runtime, sessionId: string) {
	return hmac(runtime.secrets.hmacKey, 'invite-link', sessionId).slice(0, 32);
}

/**
 * An agent leaves: the session goes on for the others, and ends when no agent remains.
 * `handOverTo` first makes another present agent the session's owner.
 */
export async function leaveSession(
	runtime: Runtime,
	sessionId: string,
	user: SessionUser,
	handOverTo?: string
): Promise<{ ok: true; ended: boolean } | { ok: false; error: string }> {
	const session = await getSupportSession(runtime, sessionId);
	if (!session || session.status === 'ended') return { ok: false, error: 'The session has ended.' };
	const present = await presentAgents(runtime, sessionId);
	const leaving = present.find((p) => p.userId === user.id);
	if (!leaving) return { ok: false, error: 'You are not in this session.' };
	if (handOverTo !== undefined) {
		if (session.agent_id !== user.id && user.role !== 'admin') {
			return { ok: false, error: 'Only the session owner can hand it over.' };
		}
		const target = present.find((p) => p.userId === handOverTo && handOverTo !== user.id);
		if (!target) return { ok: false, error: 'That agent is not in the session.' };
		await runtime.db
			.updateTable('support_sessions')
			.set({ agent_id: handOverTo })
			.where('id', '=', sessionId)
			.execute();
		await recordServerEvent(
			runtime,
			sessionId,
			'session.handed-over',
			{ from: user.name, to: target.name },
			user.id
		);
		await audit(runtime.db, {
			actorId: user.id,
			action: 'session.handed-over',
			target: sessionId,
			detail: { to: handOverTo }
		});
	} else if (session.agent_id === user.id && present.length > 1) {
		return { ok: false, error: 'Hand the session over before leaving it.' };
	}
	const leftAt = Date.now();
	await runtime.db
		.updateTable('session_participants')
		.set({ left_at: leftAt })
		.where('session_id', '=', sessionId)
		.where('user_id', '=', user.id)
		.execute();
	await closeStints(runtime.db, sessionId, leaving.peerId, leftAt);
	// Their ticket stops working now: signaling drops the socket and refuses it from here on.
	runtime.events.publish('participant-left', sessionId, leaving.peerId);
	await recordServerEvent(runtime, sessionId, 'agent.left', { name: user.name }, user.id);
	if (present.length <= 1) {
		await endSupportSession(runtime, sessionId, { reason: 'agent', by: user.id });
		return { ok: true, ended: true };
	}
	return { ok: true, ended: false };
}
