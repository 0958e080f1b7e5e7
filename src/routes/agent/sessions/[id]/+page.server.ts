import { error } from '@sveltejs/kit';
import { m } from '$lib/paraglide/messages';
import type { PageServerLoad } from './$types';
import { sessionForReader } from '$lib/server/access';
import { formatSessionCode } from '$lib/server/codes';
import { codeCookieName } from '$lib/server/code-cookie';
import { getRuntime } from '$lib/server/runtime';
import { hasJoined, joinAsAgent } from '$lib/server/invitations';
import {
	agentTicket,
	agentViewStatus,
	chatEvents,
	presentAgents
} from '$lib/server/support-sessions';
import { iceServersFor } from '$lib/server/turn';

export const load: PageServerLoad = async ({ params, locals, cookies }) => {
	const runtime = await getRuntime();
	const user = locals.user!;
	const session = await sessionForReader(runtime, params.id, user);
	const status = agentViewStatus(session);
	const expired = status === 'expired';
	const live = session.status !== 'ended' && !expired;
	const code =
		session.status === 'waiting' && !expired ? cookies.get(codeCookieName(session.id)) : undefined;
	if (session.status !== 'waiting')
		cookies.delete(codeCookieName(session.id), { path: `/agent/sessions/${session.id}` });
	const agentsPresent = live ? await presentAgents(runtime, session.id) : [];
	const present = agentsPresent.some((a) => a.userId === user.id);
	// The owner, an agent who joined, or an administrator (who then joins as an agent).
	if (live && user.role !== 'admin' && session.agent_id !== user.id && !present) {
		error(403, m.agent_session_not_yours());
	}
	// An administrator who left and looks in again joins again (signaling admits present
	// participants only); anyone else here is present already, or the owner.
	const identity = !live
		? null
		: user.role === 'admin' && !present && (await hasJoined(runtime, session.id, user.id))
			? await joinAsAgent(runtime, session.id, user)
			: await agentTicket(runtime, session, user);
	const others = agentsPresent.filter((a) => a.userId !== user.id);
	// The chat so far, from the server's records: a reloaded viewer picks up where it was.
	const chatRows = live ? await chatEvents(runtime, session.id) : [];
	const history = chatRows.flatMap((row) => {
		try {
			const data = JSON.parse(row.data) as {
				name?: string;
				role?: string;
				text?: string;
				sentAt?: number;
			};
			if (typeof data.text !== 'string' || typeof data.sentAt !== 'number') return [];
			const role = data.role === 'customer' ? ('customer' as const) : ('agent' as const);
			return [
				{
					id: row.id,
					name: String(data.name ?? ''),
					role,
					text: data.text,
					sentAt: data.sentAt,
					mine: role === 'agent' && row.actor === user.id && data.name === user.name
				}
			];
		} catch {
			return [];
		}
	});
	return {
		history,
		otherAgents: others,
		isOwner: session.agent_id === user.id,
		userId: user.id,
		session: {
			id: session.id,
			status,
			customerName: session.customer_name,
			customerPeerId: session.customer_peer_id,
			codeExpiresAt: session.code_expires_at,
			endReason: session.end_reason,
			createdAt: session.created_at
		},
		code: code && /^\d{9}$/.test(code) ? { digits: code, display: formatSessionCode(code) } : null,
		identity,
		agentName: user.name,
		iceServers: identity ? iceServersFor(runtime, identity.peerId) : [],
		iceTransportPolicy: runtime.config.iceTransportPolicy,
		ticketKey: runtime.secrets.ticketPublicKeyRaw
	};
};
