import { del, get, set } from 'idb-keyval';
import { Device, deviceStatement, type DeviceIdentity, type KeyValueStore } from './device';
import { CUSTOMER_DB, yieldingStore } from './storage';
import type { Features } from '$lib/session/protocol';

/**
 * The customer app's side of unattended access: this browser's Device (kept in the customer
 * app's IndexedDB, so "remove the customer app" removes it too) and its signed requests.
 */

let device: Device | null = null;

/** A session an agent opened on this device while it was available, as the server hands it over. */
export interface LiveDeviceSession {
	sessionId: string;
	peerId: string;
	ticket: string;
	ticketKey: string;
	features: Features;
	agentName: string;
	deviceName: string;
	iceServers: RTCIceServer[];
	iceTransportPolicy: RTCIceTransportPolicy;
}

export function thisDevice(): Device {
	if (!device) {
		const store = yieldingStore(`${CUSTOMER_DB}-device`, 'device');
		const keyValues: KeyValueStore = {
			get: (key) => get(key, store),
			set: (key, value) => set(key, value, store),
			del: (key) => del(key, store)
		};
		device = new Device(keyValues);
	}
	return device;
}

async function failure(response: Response): Promise<string> {
	const body = (await response.json().catch(() => null)) as { message?: string } | null;
	return body?.message ?? `The server answered ${response.status}.`;
}

/** Accepts the agent's request: a new identity, proven to the server, then kept here. */
export async function enrolThisDevice(input: {
	enrolmentId: string;
	computerName: string;
	agentName: string;
	password: string;
}): Promise<{ ok: true } | { ok: false; error: string }> {
	const device = thisDevice();
	const identity = await device.createIdentity(input.computerName, input.agentName);
	const signature = await device.sign(
		identity,
		deviceStatement('enrol', identity.deviceId, input.enrolmentId)
	);
	const response = await fetch('/api/customer/unattended', {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({
			enrolmentId: input.enrolmentId,
			accept: true,
			deviceId: identity.deviceId,
			name: input.computerName,
			publicKey: identity.publicKeyJwk,
			signature
		})
	});
	if (!response.ok) return { ok: false, error: await failure(response) };
	await device.enrol(identity, input.password);
	return { ok: true };
}

export async function declineEnrolment(enrolmentId: string): Promise<void> {
	await fetch('/api/customer/unattended', {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ enrolmentId, accept: false })
	});
}

export type DeviceAnswer =
	{ ok: true; body: Record<string, unknown> } | { ok: false; removed: boolean; error: string };

/** One request signed with the device key over a fresh server challenge. */
export async function signedDeviceRequest(
	identity: DeviceIdentity,
	action: 'block' | 'unblock' | 'remove' | 'ticket' | 'status'
): Promise<DeviceAnswer> {
	const challengeResponse = await fetch('/api/devices/challenge', { cache: 'no-store' });
	if (!challengeResponse.ok) {
		return { ok: false, removed: false, error: await failure(challengeResponse) };
	}
	const { challenge } = (await challengeResponse.json()) as { challenge: string };
	const signature = await thisDevice().sign(
		identity,
		deviceStatement(action, identity.deviceId, challenge)
	);
	const response = await fetch(`/api/devices/${identity.deviceId}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ action, challenge, signature })
	});
	const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
	if (response.ok) return { ok: true, body };
	return {
		ok: false,
		removed: body.removed === true,
		error:
			typeof body.message === 'string' ? body.message : `The server answered ${response.status}.`
	};
}
