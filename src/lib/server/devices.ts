import crypto from 'node:crypto';
import { deviceStatement } from '$lib/customer-app/device';
import { audit } from './audit';
import type { Selectable } from 'kysely';
import type { DevicesTable } from './db/schema';
import type { Runtime } from './runtime';
import { hmac, randomId } from './secrets';
import { effectiveSettingsFor } from './support-sessions';

/**
 * Unattended devices, server side. The server knows each device's public key (never its
 * password) and believes a device only when it signs a fresh, single-use challenge with the
 * matching private key. Enrolment needs the customer's consent in an attended session whose
 * requesting agent may use unattended access.
 */

export const ENROLMENT_TTL_MS = 10 * 60 * 1000;
export const CHALLENGE_TTL_MS = 2 * 60 * 1000;
export const DEVICE_TICKET_TTL_MS = 15 * 60 * 1000;
/** A device that checked in this recently counts as online. */
export const ONLINE_WINDOW_MS = 60 * 1000;
export const MAX_DEVICE_NAME_LENGTH = 80;
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;

export type DeviceAction = 'block' | 'unblock' | 'remove' | 'ticket' | 'status';

export type DeviceRow = Selectable<DevicesTable>;

/** Where a device stands, as agents see it. */
export type DeviceState = 'online' | 'offline' | 'blocked';

export function deviceState(device: DeviceRow, now = Date.now()): DeviceState {
	if (device.blocked) return 'blocked';
	return device.last_seen_at !== null && now - device.last_seen_at <= ONLINE_WINDOW_MS
		? 'online'
		: 'offline';
}

// ---------------------------------------------------------------------------------------------
// Enrolment

export async function requestEnrolment(
	runtime: Runtime,
	input: { sessionId: string; agent: { id: string; name: string } }
): Promise<{ ok: true; id: string } | { ok: false; error: string; status: number }> {
	const settings = await effectiveSettingsFor(runtime, input.agent);
	if (!settings.unattended) {
		return { ok: false, status: 403, error: 'Unattended access is not allowed for you.' };
	}
	const session = await runtime.db
		.selectFrom('support_sessions')
		.select(['status'])
		.where('id', '=', input.sessionId)
		.executeTakeFirst();
	if (session?.status !== 'active') {
		return { ok: false, status: 409, error: 'The customer must be in the session.' };
	}
	const now = Date.now();
	const id = randomId(16);
	await runtime.db
		.updateTable('device_enrolments')
		.set({ status: 'cancelled', answered_at: now })
		.where('session_id', '=', input.sessionId)
		.where('status', '=', 'pending')
		.execute();
	await runtime.db
		.insertInto('device_enrolments')
		.values({
			id,
			session_id: input.sessionId,
			agent_id: input.agent.id,
			created_at: now,
			expires_at: now + ENROLMENT_TTL_MS,
			status: 'pending',
			answered_at: null,
			device_id: null
		})
		.execute();
	await audit(runtime.db, {
		actorId: input.agent.id,
		action: 'device.enrolment-requested',
		target: input.sessionId
	});
	return { ok: true, id };
}

/** The request waiting for the customer's answer in this session, if any. */
export async function pendingEnrolment(runtime: Runtime, sessionId: string, now = Date.now()) {
	return runtime.db
		.selectFrom('device_enrolments')
		.innerJoin('users', 'users.id', 'device_enrolments.agent_id')
		.select(['device_enrolments.id', 'users.name as agentName'])
		.where('device_enrolments.session_id', '=', sessionId)
		.where('device_enrolments.status', '=', 'pending')
		.where('device_enrolments.expires_at', '>', now)
		.orderBy('device_enrolments.created_at', 'desc')
		.executeTakeFirst();
}

/** The state of one enrolment request, for the agent who made it. */
export async function enrolmentStatus(runtime: Runtime, sessionId: string, enrolmentId: string) {
	return runtime.db
		.selectFrom('device_enrolments')
		.leftJoin('devices', 'devices.id', 'device_enrolments.device_id')
		.select(['device_enrolments.status', 'device_enrolments.expires_at', 'devices.name'])
		.where('device_enrolments.id', '=', enrolmentId)
		.where('device_enrolments.session_id', '=', sessionId)
		.executeTakeFirst();
}

export async function declineEnrolment(runtime: Runtime, sessionId: string, enrolmentId: string) {
	const result = await runtime.db
		.updateTable('device_enrolments')
		.set({ status: 'declined', answered_at: Date.now() })
		.where('id', '=', enrolmentId)
		.where('session_id', '=', sessionId)
		.where('status', '=', 'pending')
		.executeTakeFirst();
	if (result.numUpdatedRows > 0n) {
		await audit(runtime.db, { action: 'device.enrolment-declined', target: sessionId });
	}
	return result.numUpdatedRows > 0n;
}

/** An EC P-256 public key as JWK, nothing else (a private `d` would be a mistake to keep). */
export function publicKeyFromJwk(jwk: Record<string, unknown>): crypto.KeyObject | null {
	if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || 'd' in jwk) return null;
	if (typeof jwk.x !== 'string' || typeof jwk.y !== 'string') return null;
	try {
		return crypto.createPublicKey({
			key: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y },
			format: 'jwk'
		});
	} catch {
		return null;
	}
}

/** Checks an ECDSA P-256 / SHA-256 signature in WebCrypto's r||s form, base64url. */
export function verifyDeviceSignature(
	publicKey: crypto.KeyObject,
	statement: string,
	signature: string
): boolean {
	const bytes = Buffer.from(signature, 'base64url');
	if (bytes.length !== 64) return false;
	try {
		return crypto.verify(
			'sha256',
			Buffer.from(statement),
			{ key: publicKey, dsaEncoding: 'ieee-p1363' },
			bytes
		);
	} catch {
		return false;
	}
}

export async function completeEnrolment(
	runtime: Runtime,
	input: {
		sessionId: string;
		enrolmentId: string;
		deviceId: string;
		name: string;
		publicKey: Record<string, unknown>;
		signature: string;
		ip?: string | null;
	}
): Promise<{ ok: true } | { ok: false; error: string; status: number }> {
	const now = Date.now();
	const enrolment = await runtime.db
		.selectFrom('device_enrolments')
		.innerJoin('users', 'users.id', 'device_enrolments.agent_id')
		.select(['device_enrolments.agent_id', 'device_enrolments.expires_at', 'users.name'])
		.where('device_enrolments.id', '=', input.enrolmentId)
		.where('device_enrolments.session_id', '=', input.sessionId)
		.where('device_enrolments.status', '=', 'pending')
		.executeTakeFirst();
	if (!enrolment || enrolment.expires_at <= now) {
		return { ok: false, status: 410, error: 'This request has expired. Ask your agent again.' };
	}
	// Settings can change between the request and the answer: the agent must still be allowed.
	if (!(await effectiveSettingsFor(runtime, { id: enrolment.agent_id })).unattended) {
		return { ok: false, status: 403, error: 'Unattended access is no longer allowed.' };
	}
	const key = publicKeyFromJwk(input.publicKey);
	if (!key) return { ok: false, status: 400, error: 'The device key is not valid.' };
	// Proof of possession: the device signs this very enrolment with its new key.
	const statement = deviceStatement('enrol', input.deviceId, input.enrolmentId);
	if (!verifyDeviceSignature(key, statement, input.signature)) {
		return { ok: false, status: 400, error: 'The device key could not be verified.' };
	}
	const taken = await runtime.db
		.selectFrom('devices')
		.select('id')
		.where('id', '=', input.deviceId)
		.executeTakeFirst();
	if (taken) return { ok: false, status: 409, error: 'This device is already set up.' };

	const publicKeyJson = JSON.stringify(key.export({ format: 'jwk' }));
	await runtime.db.transaction().execute(async (trx) => {
		await trx
			.insertInto('devices')
			.values({
				id: input.deviceId,
				name: input.name,
				public_key: publicKeyJson,
				enrolled_by: enrolment.agent_id,
				enrolled_at: now,
				enrolled_in_session: input.sessionId,
				blocked_at: null,
				last_seen_at: now,
				removed_at: null
			})
			.execute();
		await trx
			.updateTable('device_enrolments')
			.set({ status: 'accepted', answered_at: now, device_id: input.deviceId })
			.where('id', '=', input.enrolmentId)
			.execute();
	});
	await audit(runtime.db, {
		actorId: enrolment.agent_id,
		action: 'device.enrolled',
		target: input.deviceId,
		detail: { name: input.name, sessionId: input.sessionId },
		ip: input.ip ?? null
	});
	return { ok: true };
}

// ---------------------------------------------------------------------------------------------
// Challenges: stateless (HMAC), single use (remembered until they expire)

/** The nonces of challenges already answered, each until its challenge expires: Runtime holds one. */
export class UsedNonces {
	#issuedAt = new Map<string, number>();

	/** False when the nonce was used already; otherwise remembers it. */
	use(nonce: string, issuedAt: number, now: number): boolean {
		for (const [used, at] of this.#issuedAt) {
			if (now - at > CHALLENGE_TTL_MS) this.#issuedAt.delete(used);
		}
		if (this.#issuedAt.has(nonce)) return false;
		this.#issuedAt.set(nonce, issuedAt);
		return true;
	}
}

export function issueChallenge(runtime: Runtime, now = Date.now()): string {
	const body = `${randomId(16)}.${now}`;
	return `${body}.${hmac(runtime.secrets.hmacKey, 'device-challenge', body)}`;
}

function consumeChallenge(runtime: Runtime, challenge: string, now: number): boolean {
	const parts = challenge.split('.');
	if (parts.length !== 3) return false;
	const [nonce, issued, mac] = parts;
	const expected = hmac(runtime.secrets.hmacKey, 'device-challenge', `${nonce}.${issued}`);
	if (
		mac.length !== expected.length ||
		!crypto.timingSafeEqual(Buffer.from(mac), Buffer.from(expected))
	) {
		return false;
	}
	const issuedAt = Number(issued);
	if (!Number.isSafeInteger(issuedAt) || issuedAt > now + 5_000) return false;
	if (now - issuedAt > CHALLENGE_TTL_MS) return false;
	return runtime.usedNonces.use(nonce, issuedAt, now);
}

export async function getDevice(runtime: Runtime, deviceId: string) {
	return runtime.db.selectFrom('devices').selectAll().where('id', '=', deviceId).executeTakeFirst();
}

/**
 * A request signed by a device: the challenge must be ours, fresh and unused, and the
 * signature must match the device's key for exactly this action.
 */
export async function authenticateDevice(
	runtime: Runtime,
	input: { deviceId: string; action: DeviceAction; challenge: string; signature: string },
	now = Date.now()
): Promise<{ ok: true; device: DeviceRow } | { ok: false; error: string }> {
	if (!consumeChallenge(runtime, input.challenge, now))
		return { ok: false, error: 'bad-challenge' };
	const device = await getDevice(runtime, input.deviceId);
	if (!device || device.removed_at !== null || !device.public_key) {
		return { ok: false, error: 'unknown-device' };
	}
	const key = publicKeyFromJwk(JSON.parse(device.public_key) as Record<string, unknown>);
	const statement = deviceStatement(input.action, input.deviceId, input.challenge);
	if (!key || !verifyDeviceSignature(key, statement, input.signature)) {
		return { ok: false, error: 'bad-signature' };
	}
	return { ok: true, device };
}

export async function setDeviceBlocked(runtime: Runtime, device: DeviceRow, blocked: boolean) {
	const now = Date.now();
	await runtime.db
		.updateTable('devices')
		.set({ blocked: blocked ? 1 : 0, blocked_at: blocked ? now : null, last_seen_at: now })
		.where('id', '=', device.id)
		.execute();
	await audit(runtime.db, {
		action: blocked ? 'device.blocked' : 'device.unblocked',
		target: device.id
	});
}

/** The device is gone: its key is deleted, so nothing can speak for it again. */
export async function removeDevice(runtime: Runtime, deviceId: string, by: string | null) {
	const result = await runtime.db
		.updateTable('devices')
		.set({ public_key: null, removed_at: Date.now() })
		.where('id', '=', deviceId)
		.where('removed_at', 'is', null)
		.executeTakeFirst();
	if (result.numUpdatedRows > 0n) {
		await audit(runtime.db, { actorId: by, action: 'device.removed', target: deviceId });
	}
	return result.numUpdatedRows > 0n;
}

export async function touchDevice(runtime: Runtime, deviceId: string, now = Date.now()) {
	await runtime.db
		.updateTable('devices')
		.set({ last_seen_at: now })
		.where('id', '=', deviceId)
		.execute();
}

// ---------------------------------------------------------------------------------------------
// Device tickets: what a device that proved its key shows signaling and the server

interface DeviceTicketClaims {
	v: 1;
	typ: 'device';
	did: string;
	iat: number;
	exp: number;
}

export function signDeviceTicket(runtime: Runtime, deviceId: string, now = Date.now()): string {
	const claims: DeviceTicketClaims = {
		v: 1,
		typ: 'device',
		did: deviceId,
		iat: now,
		exp: now + DEVICE_TICKET_TTL_MS
	};
	// No `role` or `sid`: a device ticket can never pass for a session ticket.
	const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
	const signature = crypto
		.sign(null, Buffer.from(body), runtime.secrets.ticketPrivateKey)
		.toString('base64url');
	return `${body}.${signature}`;
}

export async function verifyDeviceTicket(
	runtime: Runtime,
	ticket: unknown,
	now = Date.now()
): Promise<{ ok: true; device: DeviceRow } | { ok: false; error: string }> {
	if (typeof ticket !== 'string' || ticket.length > 2048) return { ok: false, error: 'malformed' };
	const [body, signature, extra] = ticket.split('.');
	if (!body || !signature || extra !== undefined) return { ok: false, error: 'malformed' };
	const valid = crypto.verify(
		null,
		Buffer.from(body),
		runtime.secrets.ticketPublicKey,
		Buffer.from(signature, 'base64url')
	);
	if (!valid) return { ok: false, error: 'bad-signature' };
	let claims: DeviceTicketClaims;
	try {
		claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as DeviceTicketClaims;
	} catch {
		return { ok: false, error: 'malformed' };
	}
	if (claims.v !== 1 || claims.typ !== 'device' || typeof claims.did !== 'string') {
		return { ok: false, error: 'malformed' };
	}
	if (typeof claims.exp !== 'number' || claims.exp <= now) return { ok: false, error: 'expired' };
	const device = await getDevice(runtime, claims.did);
	if (!device || device.removed_at !== null) return { ok: false, error: 'unknown-device' };
	// Blocking takes effect at once, whatever tickets are still out there.
	if (device.blocked) return { ok: false, error: 'blocked' };
	return { ok: true, device };
}

// ---------------------------------------------------------------------------------------------
// The agents' list

export interface DeviceListing {
	id: string;
	name: string;
	state: DeviceState;
	lastSeenAt: number | null;
	enrolledAt: number;
	enrolledBy: string;
}

export async function listDevices(runtime: Runtime, now = Date.now()): Promise<DeviceListing[]> {
	const rows = await runtime.db
		.selectFrom('devices')
		.innerJoin('users', 'users.id', 'devices.enrolled_by')
		.selectAll('devices')
		.select('users.name as enrolledByName')
		.where('devices.removed_at', 'is', null)
		.orderBy('devices.name')
		.orderBy('devices.enrolled_at')
		.execute();
	return rows.map((row) => ({
		id: row.id,
		name: row.name,
		state: deviceState(row, now),
		lastSeenAt: row.last_seen_at,
		enrolledAt: row.enrolled_at,
		enrolledBy: row.enrolledByName
	}));
}
