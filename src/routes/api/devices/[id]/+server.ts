import { error, json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import {
	DEVICE_ID_PATTERN,
	authenticateDevice,
	removeDevice,
	setDeviceBlocked,
	signDeviceTicket,
	touchDevice
} from '$lib/server/devices';
import { getRuntime } from '$lib/server/runtime';
import { DeviceRequest, firstIssue, v } from '$lib/server/schemas';
import { revokeDevice } from '$lib/server/unattended-connect';

/**
 * What a device asks for itself, each request signed with its key over a fresh challenge:
 * block or allow unattended access, remove itself, its current status, or a device ticket.
 */
export const POST: RequestHandler = async ({ params, request }) => {
	const runtime = await getRuntime();
	if (!DEVICE_ID_PATTERN.test(params.id)) error(404, 'Unknown device');
	const parsed = v.safeParse(DeviceRequest, await request.json().catch(() => null));
	if (!parsed.success) error(400, firstIssue(parsed.issues));
	const { action } = parsed.output;
	const auth = await authenticateDevice(runtime, { deviceId: params.id, ...parsed.output });
	if (!auth.ok) {
		// A removed device learns it was removed, so it can forget itself too.
		if (auth.error === 'unknown-device') return json({ removed: true }, { status: 404 });
		error(401, 'The device could not be verified');
	}
	const device = auth.device;
	if (action === 'block' || action === 'unblock') {
		await setDeviceBlocked(runtime, device, action === 'block');
		if (action === 'block') await revokeDevice(runtime, device.id);
		return json({ blocked: action === 'block' });
	}
	if (action === 'remove') {
		await removeDevice(runtime, device.id, null);
		await revokeDevice(runtime, device.id);
		return json({ removed: true });
	}
	await touchDevice(runtime, device.id);
	if (action === 'ticket') {
		if (device.blocked) error(403, 'Unattended access is blocked on this computer');
		return json({ ticket: signDeviceTicket(runtime, device.id) });
	}
	return json({ name: device.name, blocked: device.blocked !== 0, removed: false });
};
