import { error, json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { touchDevice, verifyDeviceTicket } from '$lib/server/devices';
import { getRuntime } from '$lib/server/runtime';
import { DevicePresence, firstIssue, v } from '$lib/server/schemas';

/** An available device checks in; the answer carries the connect requests waiting for it. */
export const POST: RequestHandler = async ({ request }) => {
	const runtime = await getRuntime();
	const parsed = v.safeParse(DevicePresence, await request.json().catch(() => null));
	if (!parsed.success) error(400, firstIssue(parsed.issues));
	const check = await verifyDeviceTicket(runtime, parsed.output.ticket);
	if (!check.ok) error(check.error === 'blocked' ? 403 : 401, check.error);
	const deviceId = check.device.id;
	await touchDevice(runtime, deviceId);
	if (!parsed.output.available || !parsed.output.exchangeKey) {
		runtime.unattended.markUnavailable(deviceId);
		return json({ requests: [] });
	}
	runtime.unattended.markAvailable(deviceId, parsed.output.exchangeKey);
	return json({ requests: runtime.unattended.pendingRequestsFor(deviceId) });
};
