import { error, json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { CUSTOMER_COOKIE } from '$lib/server/join';
import { getRuntime } from '$lib/server/runtime';
import { endSupportSession } from '$lib/server/support-sessions';
import { v } from '$lib/server/schemas';
import { verifyTicketSignature } from '$lib/server/tickets';

const CustomerEnd = v.object({
	reason: v.optional(v.picklist(['customer', 'connection-lost']), 'customer')
});

/** The customer ends the session: its tickets stop working at once. */
export const POST: RequestHandler = async ({ cookies, request }) => {
	const runtime = await getRuntime();
	// The signature proves the server issued it; expiry does not matter for ending.
	const check = verifyTicketSignature(
		runtime.secrets.ticketPublicKey,
		cookies.get(CUSTOMER_COOKIE),
		0
	);
	if (!check.ok || check.claims.role !== 'customer') error(401, 'No session');
	const body = v.safeParse(CustomerEnd, await request.json().catch(() => ({})));
	const reason = body.success ? body.output.reason : 'customer';
	const ended = await endSupportSession(runtime, check.claims.sid, { reason, by: null });
	return json({ ended });
};
