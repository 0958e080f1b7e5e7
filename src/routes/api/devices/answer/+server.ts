import { error, json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { verifyDeviceTicket } from '$lib/server/devices';
import { CUSTOMER_COOKIE } from '$lib/server/join';
import { getRuntime } from '$lib/server/runtime';
import { DeviceAnswer, firstIssue, v } from '$lib/server/schemas';
import { iceServersFor } from '$lib/server/turn';
import { refuseRequest, startUnattendedSession } from '$lib/server/unattended-connect';

/** The device answers a connect request; on success the session starts. */
export const POST: RequestHandler = async ({ request, cookies, url }) => {
	const runtime = await getRuntime();
	const parsed = v.safeParse(DeviceAnswer, await request.json().catch(() => null));
	if (!parsed.success) error(400, firstIssue(parsed.issues));
	const check = await verifyDeviceTicket(runtime, parsed.output.ticket);
	if (!check.ok) error(check.error === 'blocked' ? 403 : 401, check.error);
	const pending = runtime.unattended.requestForDevice(parsed.output.requestId, check.device.id);
	if (!pending) error(410, 'The request is no longer waiting');
	const { result } = parsed.output;
	if (result !== 'ok') {
		refuseRequest(pending, {
			status: 'refused',
			reason: result,
			retryAfterMs: parsed.output.retryAfterMs
		});
		return json({ ok: true });
	}
	const session = await startUnattendedSession(runtime, pending, check.device);
	// The customer cookie, as a join sets it: ending the session from the device uses it.
	cookies.set(CUSTOMER_COOKIE, session.ticket, {
		path: '/',
		httpOnly: true,
		sameSite: 'strict',
		secure: url.protocol === 'https:',
		maxAge: 24 * 60 * 60
	});
	return json({
		ok: true,
		session: {
			...session,
			organisation: runtime.config.organisationName,
			ticketKey: runtime.secrets.ticketPublicKeyRaw,
			iceServers: iceServersFor(runtime, session.peerId),
			iceTransportPolicy: runtime.config.iceTransportPolicy
		}
	});
};
