import { error, fail } from '@sveltejs/kit';
import { m } from '$lib/paraglide/messages';
import type { Actions, PageServerLoad } from './$types';
import { DEVICE_ID_PATTERN, listDevices, removeDevice } from '$lib/server/devices';
import { getRuntime } from '$lib/server/runtime';
import { effectiveSettingsFor } from '$lib/server/support-sessions';
import { revokeDevice } from '$lib/server/unattended-connect';

/** The organisation's unattended devices: every agent sees the same list. */
export const load: PageServerLoad = async ({ locals }) => {
	const runtime = await getRuntime();
	const user = locals.user!;
	return {
		devices: await listDevices(runtime),
		mayConnect: (await effectiveSettingsFor(runtime, user)).unattended,
		mayRemove: user.role === 'admin',
		agentId: user.id
	};
};

export const actions: Actions = {
	/** An administrator removes a device: its key is deleted from the server. */
	remove: async ({ locals, request }) => {
		const runtime = await getRuntime();
		const user = locals.user!;
		if (user.role !== 'admin') error(403, m.agent_admins_only());
		const deviceId = (await request.formData()).get('device');
		if (typeof deviceId !== 'string' || !DEVICE_ID_PATTERN.test(deviceId)) {
			return fail(400, { error: m.agent_devices_unknown() });
		}
		await removeDevice(runtime, deviceId, user.id);
		await revokeDevice(runtime, deviceId);
		return { removed: true };
	}
};
