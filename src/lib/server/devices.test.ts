import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Device, deviceStatement, type KeyValueStore } from '$lib/customer-app/device';
import { createUser, type SessionUser } from './auth';
import {
	CHALLENGE_TTL_MS,
	UsedNonces,
	authenticateDevice,
	completeEnrolment,
	issueChallenge,
	listDevices,
	pendingEnrolment,
	removeDevice,
	requestEnrolment,
	setDeviceBlocked,
	signDeviceTicket,
	verifyDeviceTicket
} from './devices';
import type { Runtime } from './runtime';
import { claimSessionCode, createSupportSession } from './support-sessions';
import { verifyTicketSignature } from './tickets';
import { openTestRuntime } from './test-runtime';

let runtime: Runtime;
let allowed: SessionUser;
let denied: SessionUser;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ponte-devices-'));

/** A different last character (the challenge's MAC is compared as text). */
function changeLastCharacter(text: string): string {
	return `${text.slice(0, -1)}${text.endsWith('A') ? 'B' : 'A'}`;
}

/** A different first signature character: its bits all count, unlike a base64 tail's padding. */
function changeSignatureStart(ticket: string): string {
	const [body, signature] = ticket.split('.');
	return `${body}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
}

function memoryStore(): KeyValueStore {
	const data = new Map<string, unknown>();
	return {
		get: async <T>(key: string) => data.get(key) as T | undefined,
		set: async (key, value) => void data.set(key, value),
		del: async (key) => void data.delete(key)
	};
}

async function activeSession(agent: SessionUser) {
	const { id, code } = await createSupportSession(runtime, agent);
	const claimed = await claimSessionCode(runtime, {
		code,
		customerName: 'Maria',
		clientAddress: '192.0.2.9'
	});
	expect(claimed.ok).toBe(true);
	return id;
}

/** A device set up through an agent's request in an attended session. */
async function enrolledDevice() {
	const sessionId = await activeSession(allowed);
	const request = await requestEnrolment(runtime, { sessionId, agent: allowed });
	if (!request.ok) throw new Error(request.error);
	const device = new Device(memoryStore());
	const identity = await device.createIdentity('Front desk', allowed.name);
	const result = await completeEnrolment(runtime, {
		sessionId,
		enrolmentId: request.id,
		deviceId: identity.deviceId,
		name: identity.name,
		publicKey: identity.publicKeyJwk as Record<string, unknown>,
		signature: await device.sign(identity, deviceStatement('enrol', identity.deviceId, request.id))
	});
	expect(result).toEqual({ ok: true });
	return { device, identity, sessionId };
}

async function signed(
	device: Device,
	identity: Awaited<ReturnType<Device['createIdentity']>>,
	action: 'block' | 'unblock' | 'remove' | 'ticket' | 'status'
) {
	const challenge = issueChallenge(runtime);
	return {
		deviceId: identity.deviceId,
		action,
		challenge,
		signature: await device.sign(identity, deviceStatement(action, identity.deviceId, challenge))
	};
}

beforeAll(async () => {
	runtime = await openTestRuntime(dataDir);
	allowed = await createUser(runtime.db, {
		email: 'allowed@unit.test',
		name: 'Ada Allowed',
		password: 'agent-password-1',
		role: 'agent'
	});
	denied = await createUser(runtime.db, {
		email: 'denied@unit.test',
		name: 'Dan Denied',
		password: 'agent-password-2',
		role: 'agent'
	});
	await runtime.db
		.insertInto('agent_overrides')
		.values({
			user_id: allowed.id,
			file_transfer: null,
			max_file_size: null,
			unattended: 1,
			agent_screen_share: null,
			voice: null,
			multi_agent: null,
			code_lifetime_minutes: null,
			remove_customer_app_at_end: null,
			record_sessions: null,
			recording_retention_days: null,
			updated_at: Date.now()
		})
		.execute();
});

afterAll(async () => {
	await runtime.close();
	fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('enrolment', () => {
	it('needs the agent to be allowed unattended access and the customer present', async () => {
		const sessionId = await activeSession(denied);
		expect(await requestEnrolment(runtime, { sessionId, agent: denied })).toMatchObject({
			ok: false,
			status: 403
		});
		const waiting = await createSupportSession(runtime, allowed);
		expect(
			await requestEnrolment(runtime, { sessionId: waiting.id, agent: allowed })
		).toMatchObject({ ok: false, status: 409 });
	});

	it('records the device with its public key only after it proves the key', async () => {
		const sessionId = await activeSession(allowed);
		const request = await requestEnrolment(runtime, { sessionId, agent: allowed });
		if (!request.ok) throw new Error(request.error);
		expect(await pendingEnrolment(runtime, sessionId)).toEqual({
			id: request.id,
			agentName: 'Ada Allowed'
		});
		const device = new Device(memoryStore());
		const identity = await device.createIdentity('Laptop', allowed.name);
		const other = await device.createIdentity('Laptop', allowed.name);
		const input = {
			sessionId,
			enrolmentId: request.id,
			deviceId: identity.deviceId,
			name: 'Laptop',
			publicKey: identity.publicKeyJwk as Record<string, unknown>
		};
		// Signed by another key, or over another enrolment: refused.
		expect(
			await completeEnrolment(runtime, {
				...input,
				signature: await device.sign(other, deviceStatement('enrol', identity.deviceId, request.id))
			})
		).toMatchObject({ ok: false, status: 400 });
		expect(
			await completeEnrolment(runtime, {
				...input,
				signature: await device.sign(identity, deviceStatement('enrol', identity.deviceId, 'x'))
			})
		).toMatchObject({ ok: false, status: 400 });
		// A private key offered as the public one is refused outright.
		expect(
			await completeEnrolment(runtime, {
				...input,
				publicKey: { ...input.publicKey, d: 'secret' },
				signature: await device.sign(
					identity,
					deviceStatement('enrol', identity.deviceId, request.id)
				)
			})
		).toMatchObject({ ok: false, status: 400 });
		expect(
			await completeEnrolment(runtime, {
				...input,
				signature: await device.sign(
					identity,
					deviceStatement('enrol', identity.deviceId, request.id)
				)
			})
		).toEqual({ ok: true });
		expect(await pendingEnrolment(runtime, sessionId)).toBeUndefined();
		const listed = (await listDevices(runtime)).find((d) => d.id === identity.deviceId);
		expect(listed).toMatchObject({ name: 'Laptop', state: 'online', enrolledBy: 'Ada Allowed' });
	});
});

describe('device requests', () => {
	it('accept a fresh challenge signed for that action, once', async () => {
		const { device, identity } = await enrolledDevice();
		const request = await signed(device, identity, 'block');
		expect(await authenticateDevice(runtime, request)).toMatchObject({ ok: true });
		// Replayed: the challenge was used.
		expect(await authenticateDevice(runtime, request)).toEqual({
			ok: false,
			error: 'bad-challenge'
		});
		// A signature for "block" does not unblock.
		const blockSigned = await signed(device, identity, 'block');
		expect(await authenticateDevice(runtime, { ...blockSigned, action: 'unblock' })).toEqual({
			ok: false,
			error: 'bad-signature'
		});
		// An old or forged challenge is refused.
		const old = issueChallenge(runtime, Date.now() - 10 * 60 * 1000);
		expect(
			await authenticateDevice(runtime, {
				deviceId: identity.deviceId,
				action: 'ticket',
				challenge: old,
				signature: await device.sign(identity, deviceStatement('ticket', identity.deviceId, old))
			})
		).toEqual({ ok: false, error: 'bad-challenge' });
		const forged = changeLastCharacter(issueChallenge(runtime));
		expect(
			await authenticateDevice(runtime, {
				deviceId: identity.deviceId,
				action: 'ticket',
				challenge: forged,
				signature: await device.sign(identity, deviceStatement('ticket', identity.deviceId, forged))
			})
		).toEqual({ ok: false, error: 'bad-challenge' });
	});

	it('device tickets stop working when the device is blocked or removed', async () => {
		const { device, identity } = await enrolledDevice();
		const auth = await authenticateDevice(runtime, await signed(device, identity, 'ticket'));
		if (!auth.ok) throw new Error(auth.error);
		const ticket = signDeviceTicket(runtime, identity.deviceId);
		expect(await verifyDeviceTicket(runtime, ticket)).toMatchObject({ ok: true });
		// A device ticket is no session ticket.
		expect(verifyTicketSignature(runtime.secrets.ticketPublicKey, ticket).ok).toBe(false);
		expect(
			await verifyDeviceTicket(runtime, signDeviceTicket(runtime, identity.deviceId, 0))
		).toEqual({ ok: false, error: 'expired' });
		expect(await verifyDeviceTicket(runtime, changeSignatureStart(ticket))).toMatchObject({
			ok: false
		});

		await setDeviceBlocked(runtime, auth.device, true);
		expect(await verifyDeviceTicket(runtime, ticket)).toEqual({ ok: false, error: 'blocked' });
		expect((await listDevices(runtime)).find((d) => d.id === identity.deviceId)?.state).toBe(
			'blocked'
		);
		await setDeviceBlocked(runtime, auth.device, false);
		expect(await verifyDeviceTicket(runtime, ticket)).toMatchObject({ ok: true });

		expect(await removeDevice(runtime, identity.deviceId, null)).toBe(true);
		expect(await verifyDeviceTicket(runtime, ticket)).toEqual({
			ok: false,
			error: 'unknown-device'
		});
		// The key is gone from the server: the device can no longer sign anything in.
		expect(await authenticateDevice(runtime, await signed(device, identity, 'ticket'))).toEqual({
			ok: false,
			error: 'unknown-device'
		});
		const row = await runtime.db
			.selectFrom('devices')
			.select(['public_key', 'removed_at'])
			.where('id', '=', identity.deviceId)
			.executeTakeFirstOrThrow();
		expect(row.public_key).toBeNull();
		expect(row.removed_at).not.toBeNull();
	});
});

describe('used nonces', () => {
	it('are single use until their challenge expires', () => {
		const nonces = new UsedNonces();
		const now = Date.now();
		expect(nonces.use('n1', now, now)).toBe(true);
		expect(nonces.use('n1', now, now)).toBe(false);
		expect(nonces.use('n1', now, now + CHALLENGE_TTL_MS + 1)).toBe(true);
	});
});
