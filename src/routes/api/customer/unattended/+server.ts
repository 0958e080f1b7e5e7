import { error, json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { completeEnrolment, declineEnrolment, pendingEnrolment } from '$lib/server/devices';
import { CUSTOMER_COOKIE } from '$lib/server/join';
import { getRuntime } from '$lib/server/runtime';
import { EnrolmentAnswer, firstIssue, v } from '$lib/server/schemas';
import { getSupportSession } from '$lib/server/support-sessions';
import { verifyTicketSignature } from '$lib/server/tickets';

/** The customer's live session, from the customer cookie (as the session page reads it). */
async function customerSession(cookie: string | undefined) {
	const runtime = await getRuntime();
	const check = verifyTicketSignature(runtime.secrets.ticketPublicKey, cookie, 0);
	if (!check.ok || check.claims.role !== 'customer') error(401, 'No session');
	const session = await getSupportSession(runtime, check.claims.sid);
	if (!session || session.customer_peer_id !== check.claims.pid) error(401, 'No session');
	if (session.status !== 'active') error(409, 'The session is not active');
	return { runtime, session };
}

/** Is an agent asking to set up unattended access? */
export const GET: RequestHandler = async ({ cookies }) => {
	const { runtime, session } = await customerSession(cookies.get(CUSTOMER_COOKIE));
	const pending = await pendingEnrolment(runtime, session.id);
	return json({ enrolment: pending ?? null });
};

/** The customer's answer: decline, or accept with the device's new public key. */
export const POST: RequestHandler = async ({ cookies, request, getClientAddress }) => {
	const { runtime, session } = await customerSession(cookies.get(CUSTOMER_COOKIE));
	const parsed = v.safeParse(EnrolmentAnswer, await request.json().catch(() => null));
	if (!parsed.success) error(400, firstIssue(parsed.issues));
	const answer = parsed.output;
	if (!answer.accept) {
		await declineEnrolment(runtime, session.id, answer.enrolmentId);
		return json({ ok: true });
	}
	const result = await completeEnrolment(runtime, {
		sessionId: session.id,
		enrolmentId: answer.enrolmentId,
		deviceId: answer.deviceId,
		name: answer.name,
		publicKey: answer.publicKey,
		signature: answer.signature,
		ip: getClientAddress()
	});
	if (!result.ok) error(result.status, result.error);
	return json({ ok: true });
};
