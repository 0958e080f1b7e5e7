/**
 * An available device's HTTP calls, behind one port (as `SessionServer` is for a session): its
 * ticket, its presence check-ins and its answers to agents, so the availability protocol can be
 * tested against an in-memory server.
 */
import type { DeviceIdentity } from './device';
import type { SealedEnvelope } from './envelope';
import { signedDeviceRequest, type LiveDeviceSession } from './unattended';

/** An agent asking to connect, with the device password sealed to this device's exchange key. */
export interface ConnectionRequest {
	id: string;
	agentId: string;
	agentName: string;
	envelope: SealedEnvelope;
}

/** What a check-in gave. */
export type PresenceAnswer =
	/** The device counts as available; these agents are waiting for an answer. */
	| { kind: 'requests'; requests: ConnectionRequest[] }
	/** The ticket is no longer taken (expired): a fresh one is needed. */
	| { kind: 'ticket-refused' }
	/** This device may not be available (removed, or its organisation stopped it). */
	| { kind: 'forbidden' }
	/** No answer worth acting on (a 5xx, a 429): check in again later. */
	| { kind: 'unavailable' };

export type RequestAnswer = 'ok' | 'wrong-password' | 'backoff' | 'blocked';

/** The session the agent opened on this device, as the server hands it over. */
export type HandedOverSession = Omit<LiveDeviceSession, 'deviceName'>;

export interface DevicePresenceServer {
	/** A device ticket, signed for with the device key; null when the server refuses one. */
	ticket(): Promise<string | null>;
	/** Says the device is available, with the key agents seal the password to. */
	checkIn(ticket: string, exchangeKey: { x: string; y: string }): Promise<PresenceAnswer>;
	/** Says the device is no longer available. */
	checkOut(ticket: string): Promise<void>;
	/** Answers a request; null when the server did not take the answer. */
	answer(
		ticket: string,
		requestId: string,
		result: RequestAnswer,
		retryAfterMs?: number
	): Promise<{ session?: HandedOverSession } | null>;
}

export function devicePresenceServer(
	identity: DeviceIdentity,
	fetchImpl: typeof fetch = fetch
): DevicePresenceServer {
	const post = (url: string, body: unknown) =>
		fetchImpl(url, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(body)
		});
	return {
		async ticket() {
			const answer = await signedDeviceRequest(identity, 'ticket');
			return answer.ok ? String(answer.body.ticket) : null;
		},
		async checkIn(ticket, exchangeKey) {
			const response = await post('/api/devices/presence', {
				ticket,
				available: true,
				exchangeKey
			});
			if (response.status === 401) return { kind: 'ticket-refused' };
			if (response.status === 403) return { kind: 'forbidden' };
			if (!response.ok) return { kind: 'unavailable' };
			const body = (await response.json()) as { requests: ConnectionRequest[] };
			return { kind: 'requests', requests: body.requests };
		},
		async checkOut(ticket) {
			await post('/api/devices/presence', { ticket, available: false });
		},
		async answer(ticket, requestId, result, retryAfterMs) {
			const response = await post('/api/devices/answer', {
				ticket,
				requestId,
				result,
				retryAfterMs
			});
			return response.ok ? ((await response.json()) as { session?: HandedOverSession }) : null;
		}
	};
}
