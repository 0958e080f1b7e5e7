import { error, json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { DEVICE_ID_PATTERN, getDevice } from '$lib/server/devices';
import { getRuntime } from '$lib/server/runtime';
import { ConnectRequest, firstIssue, v } from '$lib/server/schemas';
import { effectiveSettingsFor } from '$lib/server/support-sessions';

async function allowedAgent(locals: App.Locals, deviceId: string) {
	const runtime = await getRuntime();
	const user = locals.user;
	if (!user) error(401, 'Not logged in');
	if (!(await effectiveSettingsFor(runtime, user)).unattended) {
		error(403, 'Unattended access is not allowed for you.');
	}
	if (!DEVICE_ID_PATTERN.test(deviceId)) error(404, 'Unknown device');
	const device = await getDevice(runtime, deviceId);
	if (!device || device.removed_at !== null) error(404, 'Unknown device');
	if (device.blocked) error(409, 'The customer has blocked unattended access to this computer.');
	return { runtime, user, device };
}

/** Without `request`: the device's exchange key, if it is available. With it: that request's state. */
export const GET: RequestHandler = async ({ params, locals, url }) => {
	const { runtime, user, device } = await allowedAgent(locals, params.id);
	const requestId = url.searchParams.get('request');
	if (requestId) {
		const status = runtime.unattended.connectStatus(requestId, user.id);
		if (!status) error(404, 'Unknown request');
		return json(status);
	}
	const entry = runtime.unattended.availability(device.id);
	if (!entry) error(409, 'This computer is not available right now.');
	return json({ exchangeKey: entry.exchangeKey });
};

/** The agent's request, with the password sealed to the device's exchange key. */
export const POST: RequestHandler = async ({ params, locals, request }) => {
	const { runtime, user, device } = await allowedAgent(locals, params.id);
	const parsed = v.safeParse(ConnectRequest, await request.json().catch(() => null));
	if (!parsed.success) error(400, firstIssue(parsed.issues));
	if (!runtime.unattended.availability(device.id))
		error(409, 'This computer is not available right now.');
	if (runtime.unattended.connectStatus(parsed.output.requestId, user.id))
		error(409, 'Request already made');
	runtime.unattended.openConnectRequest(
		device.id,
		user,
		parsed.output.requestId,
		parsed.output.envelope
	);
	return json({ ok: true });
};
