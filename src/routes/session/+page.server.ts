import { redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { CUSTOMER_COOKIE } from '$lib/server/join';
import { getRuntime } from '$lib/server/runtime';
import {
	customerTicket,
	featuresFor,
	getSupportSession,
	presentAgents
} from '$lib/server/support-sessions';
import { verifyTicketSignature } from '$lib/server/tickets';

export const load: PageServerLoad = async ({ cookies }) => {
	const runtime = await getRuntime();
	// Expiry is not checked here: the cookie proves who this browser is, and a live session gets
	// a fresh ticket below. An ended session gets none.
	const check = verifyTicketSignature(
		runtime.secrets.ticketPublicKey,
		cookies.get(CUSTOMER_COOKIE),
		0
	);
	if (!check.ok || check.claims.role !== 'customer') redirect(303, '/');
	const claims = check.claims;
	const session = await getSupportSession(runtime, claims.sid);
	if (!session || session.customer_peer_id !== claims.pid) redirect(303, '/');

	const agent = await runtime.db
		.selectFrom('users')
		.select(['id', 'name'])
		.where('id', '=', session.agent_id)
		.executeTakeFirstOrThrow();
	const base = {
		sessionId: session.id,
		customerName: session.customer_name ?? claims.name,
		agentName: agent.name,
		organisation: runtime.config.organisationName
	};
	if (session.status === 'ended') {
		return { ...base, ended: true as const, endReason: session.end_reason };
	}
	const features = await featuresFor(runtime, agent);
	return {
		...base,
		ended: false as const,
		peerId: claims.pid,
		ticket: customerTicket(runtime, {
			id: session.id,
			customerPeerId: claims.pid,
			customerName: base.customerName,
			features
		}),
		features,
		agents: await presentAgents(runtime, session.id),
		iceServers: runtime.config.iceServers,
		ticketKey: runtime.secrets.ticketPublicKeyRaw
	};
};
