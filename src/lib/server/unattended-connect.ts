import type { Features } from '$lib/session/protocol';
import { audit } from './audit';
import type { DeviceRow } from './devices';
import { openStint } from './participants';
import type { Runtime } from './runtime';
import { randomId } from './secrets';
import {
	customerTicket,
	endSupportSession,
	featuresFor,
	recordServerEvent
} from './support-sessions';

/**
 * Connecting to an available device. Held in memory only: which devices are available (with the
 * one-time exchange key the password is sealed to) and the connect requests in flight. The
 * server relays each sealed password to the device and forgets it once the device answers.
 */

/** A device that has not checked in for this long is no longer available. */
export const AVAILABLE_WINDOW_MS = 15_000;
const REQUEST_TTL_MS = 60_000;

export interface SealedPassword {
	epk: { x: string; y: string };
	iv: string;
	ciphertext: string;
}

interface Availability {
	exchangeKey: { x: string; y: string };
	seenAt: number;
}

export type ConnectStatus =
	| { status: 'pending' }
	| { status: 'connected'; sessionId: string }
	| { status: 'refused'; reason: 'wrong-password' | 'blocked' | 'backoff'; retryAfterMs?: number }
	| { status: 'expired' };

interface ConnectRequest {
	id: string;
	deviceId: string;
	agent: { id: string; name: string };
	envelope: SealedPassword | null;
	createdAt: number;
	result: ConnectStatus;
}

/**
 * What the server remembers between a device's check-ins and an agent's polls, for the lifetime
 * of the process: Runtime holds one.
 */
export class UnattendedConnections {
	#available = new Map<string, Availability>();
	#requests = new Map<string, ConnectRequest>();
	/** Unattended sessions started on each device, so revoking can end them. */
	#deviceSessions = new Map<string, Set<string>>();

	markAvailable(deviceId: string, exchangeKey: Availability['exchangeKey']) {
		this.#available.set(deviceId, { exchangeKey, seenAt: Date.now() });
	}

	markUnavailable(deviceId: string) {
		this.#available.delete(deviceId);
		for (const request of this.#requests.values()) {
			if (request.deviceId === deviceId && request.result.status === 'pending') {
				refuseRequest(request, { status: 'expired' });
			}
		}
	}

	availability(deviceId: string, now = Date.now()) {
		const entry = this.#available.get(deviceId);
		return entry && now - entry.seenAt <= AVAILABLE_WINDOW_MS ? entry : null;
	}

	openConnectRequest(
		deviceId: string,
		agent: { id: string; name: string },
		requestId: string,
		envelope: SealedPassword
	) {
		const now = Date.now();
		for (const [id, request] of this.#requests) {
			if (now - request.createdAt > REQUEST_TTL_MS * 5) this.#requests.delete(id);
		}
		this.#requests.set(requestId, {
			id: requestId,
			deviceId,
			agent,
			envelope,
			createdAt: now,
			result: { status: 'pending' }
		});
	}

	/** What the device must answer: pending requests with their sealed passwords. */
	pendingRequestsFor(deviceId: string, now = Date.now()) {
		const pending = [];
		for (const request of this.#requests.values()) {
			if (request.deviceId !== deviceId || request.result.status !== 'pending') continue;
			if (now - request.createdAt > REQUEST_TTL_MS) {
				refuseRequest(request, { status: 'expired' });
				continue;
			}
			pending.push({
				id: request.id,
				agentId: request.agent.id,
				agentName: request.agent.name,
				envelope: request.envelope
			});
		}
		return pending;
	}

	connectStatus(requestId: string, agentId: string): ConnectStatus | null {
		const request = this.#requests.get(requestId);
		if (!request || request.agent.id !== agentId) return null;
		return request.result;
	}

	requestForDevice(requestId: string, deviceId: string) {
		const request = this.#requests.get(requestId);
		return request && request.deviceId === deviceId && request.result.status === 'pending'
			? request
			: null;
	}

	addSession(deviceId: string, sessionId: string) {
		const started = this.#deviceSessions.get(deviceId) ?? new Set<string>();
		started.add(sessionId);
		this.#deviceSessions.set(deviceId, started);
	}

	/** The device's unattended sessions, forgotten as they are handed over. */
	takeSessions(deviceId: string): Set<string> {
		const sessions = this.#deviceSessions.get(deviceId) ?? new Set<string>();
		this.#deviceSessions.delete(deviceId);
		return sessions;
	}
}

/**
 * Blocking or removing a device (by the customer or an administrator) makes it unavailable
 * and ends its unattended sessions on the server at once: their tickets stop working.
 */
export async function revokeDevice(runtime: Runtime, deviceId: string) {
	runtime.unattended.markUnavailable(deviceId);
	for (const sessionId of runtime.unattended.takeSessions(deviceId)) {
		await endSupportSession(runtime, sessionId, { reason: 'customer', by: null });
	}
}

export function refuseRequest(request: ConnectRequest, result: ConnectStatus) {
	request.result = result;
	request.envelope = null;
}

/**
 * The device verified the password: an active session between the agent and the device, the
 * device in the customer's place. Returns what the device page needs to run it.
 */
export async function startUnattendedSession(
	runtime: Runtime,
	request: ConnectRequest,
	device: DeviceRow
): Promise<{
	sessionId: string;
	peerId: string;
	ticket: string;
	features: Features;
	agentName: string;
}> {
	const now = Date.now();
	const sessionId = randomId(12);
	const peerId = `p${randomId(16).replace(/[^A-Za-z0-9]/g, 'x')}`;
	await runtime.db
		.insertInto('support_sessions')
		.values({
			id: sessionId,
			code_hash: null,
			code_expires_at: now,
			agent_id: request.agent.id,
			customer_name: device.name,
			customer_peer_id: peerId,
			status: 'active',
			created_at: now,
			joined_at: now,
			ended_at: null,
			end_reason: null,
			ended_by: null
		})
		.execute();
	await runtime.db
		.insertInto('session_participants')
		.values({
			session_id: sessionId,
			peer_id: peerId,
			role: 'customer',
			user_id: null,
			name: device.name,
			joined_at: now,
			left_at: null
		})
		.execute();
	await openStint(runtime.db, sessionId, peerId, now);
	await recordServerEvent(
		runtime,
		sessionId,
		'session.created',
		{ agent: request.agent.name, unattended: true, deviceId: device.id },
		request.agent.id
	);
	await audit(runtime.db, {
		actorId: request.agent.id,
		action: 'device.connected',
		target: device.id,
		detail: { sessionId }
	});
	runtime.unattended.addSession(device.id, sessionId);
	const features = await featuresFor(runtime, request.agent);
	request.result = { status: 'connected', sessionId };
	request.envelope = null;
	return {
		sessionId,
		peerId,
		ticket: customerTicket(runtime, {
			id: sessionId,
			customerPeerId: peerId,
			customerName: device.name,
			features
		}),
		features,
		agentName: request.agent.name
	};
}
