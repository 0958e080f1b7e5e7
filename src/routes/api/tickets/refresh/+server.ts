import { error, json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { getRuntime } from '$lib/server/runtime';
import { TicketRefreshRequest, firstIssue, v } from '$lib/server/schemas';
import { refreshTicket } from '$lib/server/support-sessions';

/**
 * Pages trade their ticket for a fresh one while the session lives, picking up settings changes;
 * an ended session answers 410 with its end reason, so both browsers learn of it.
 */
export const POST: RequestHandler = async ({ request }) => {
	const runtime = await getRuntime();
	const parsed = v.safeParse(TicketRefreshRequest, await request.json().catch(() => null));
	if (!parsed.success) error(400, firstIssue(parsed.issues));
	const result = await refreshTicket(runtime, parsed.output.ticket);
	if (result.ok) {
		return json({ ticket: result.ticket, features: result.features, present: result.present });
	}
	if (result.error === 'ended')
		return json({ ended: true, reason: result.reason }, { status: 410 });
	error(401, 'This ticket cannot be refreshed');
};
