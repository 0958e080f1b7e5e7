import { describe, expect, it } from 'vitest';
import { until } from '$lib/session/file-test-helpers';
import {
	Availability,
	CHECK_IN_MS,
	TICKET_REFRESH_MS,
	type AvailableDevice,
	type CapturedScreen
} from './availability';
import type { PasswordCheck } from './device';
import type {
	ConnectionRequest,
	DevicePresenceServer,
	HandedOverSession,
	PresenceAnswer,
	RequestAnswer
} from './device-presence-server';
import { seal } from './envelope';

const identity = { deviceId: 'device-1', name: 'Reception PC' };
const PASSWORD = 'correct horse battery';

const handedOver: HandedOverSession = {
	sessionId: 'session-1',
	peerId: 'peer-1',
	ticket: 'session-ticket',
	ticketKey: 'key',
	features: {} as HandedOverSession['features'],
	agentName: 'Marco',
	iceServers: [],
	iceTransportPolicy: 'all'
};

type ExchangeKey = { x: string; y: string };

/** The presence endpoints in memory: each check-in takes the next answer queued (or no requests). */
function fakeServer() {
	const server = {
		ticketsIssued: 0,
		refuseTickets: false,
		checkIns: [] as { ticket: string; exchangeKey: ExchangeKey }[],
		next: [] as ((key: ExchangeKey) => Promise<PresenceAnswer> | PresenceAnswer)[],
		answers: [] as {
			ticket: string;
			requestId: string;
			result: RequestAnswer;
			retryAfterMs?: number;
		}[],
		checkOuts: [] as string[]
	};
	const port: DevicePresenceServer = {
		async ticket() {
			if (server.refuseTickets) return null;
			return `device-ticket-${++server.ticketsIssued}`;
		},
		async checkIn(ticket, exchangeKey) {
			server.checkIns.push({ ticket, exchangeKey });
			const next = server.next.shift();
			return next ? next(exchangeKey) : { kind: 'requests', requests: [] };
		},
		async checkOut(ticket) {
			server.checkOuts.push(ticket);
		},
		async answer(ticket, requestId, result, retryAfterMs) {
			server.answers.push({ ticket, requestId, result, retryAfterMs });
			return result === 'ok' ? { session: handedOver } : {};
		}
	};
	return Object.assign(server, { port });
}

/** An agent's request, the password sealed the way the agent's browser seals it. */
async function request(
	key: ExchangeKey,
	password: string,
	id = 'request-1',
	deviceId = identity.deviceId
): Promise<ConnectionRequest> {
	const agentId = 'agent-7';
	const envelope = await seal(key, password, [deviceId, agentId, id].join('\n'));
	return { id, agentId, agentName: 'Marco', envelope };
}

function fakeDevice() {
	const device = {
		blocked: false,
		/** What the next password check says; by default, right when it is PASSWORD. */
		verdict: null as PasswordCheck | null,
		checked: [] as { password: string; who: string }[],
		started: [] as string[],
		ended: [] as number[]
	};
	const port: AvailableDevice = {
		isBlocked: async () => device.blocked,
		async checkPassword(password: string, who: string): Promise<PasswordCheck> {
			device.checked.push({ password, who });
			if (device.verdict) return device.verdict;
			return password === PASSWORD ? { ok: true } : { ok: false, error: 'wrong-password' };
		},
		async connectionStarted(agentName: string) {
			device.started.push(agentName);
			return 42;
		},
		async connectionEnded(startedAt: number) {
			device.ended.push(startedAt);
		}
	};
	return Object.assign(device, { port });
}

/** Timers the test fires by hand: nothing waits on a real clock. */
function manualScheduler() {
	const pending: { run: () => void; ms: number; cancelled: boolean }[] = [];
	return {
		schedule(run: () => void, ms: number) {
			const timer = { run, ms, cancelled: false };
			pending.push(timer);
			return () => (timer.cancelled = true);
		},
		get waiting() {
			return pending.filter((timer) => !timer.cancelled).map((timer) => timer.ms);
		},
		fire() {
			const index = pending.findIndex((timer) => !timer.cancelled);
			if (index < 0) throw new Error('nothing scheduled');
			const [timer] = pending.splice(index, 1);
			timer.run();
		}
	};
}

function fakeScreen() {
	const screen = {
		stopped: 0,
		getTracks: () => [{ stop: () => screen.stopped++ }]
	};
	return screen satisfies CapturedScreen;
}

function setUp() {
	const server = fakeServer();
	const device = fakeDevice();
	const scheduler = manualScheduler();
	const clock = { time: 1_000_000 };
	const availability = new Availability<ReturnType<typeof fakeScreen>>({
		identity,
		server: server.port,
		device: device.port,
		now: () => clock.time,
		schedule: scheduler.schedule
	});
	const seen = { changes: 0, connections: 0, stopping: 0 };
	availability.on('change', () => seen.changes++);
	availability.on('connection', () => seen.connections++);
	availability.on('stopping', () => seen.stopping++);
	const screen = fakeScreen();
	const goAvailable = () => availability.goAvailable(async () => screen);
	return { server, device, scheduler, clock, availability, seen, screen, goAvailable };
}

describe('Availability: going available', () => {
	it('checks in at once with its exchange key, then every 2 s', async () => {
		const { server, scheduler, availability, screen, goAvailable } = setUp();
		await goAvailable();
		expect(availability.screen).toBe(screen);
		await until(() => scheduler.waiting.length === 1);
		expect(scheduler.waiting).toEqual([CHECK_IN_MS]);
		expect(server.checkIns).toEqual([
			{ ticket: 'device-ticket-1', exchangeKey: { x: expect.any(String), y: expect.any(String) } }
		]);
		scheduler.fire();
		await until(() => server.checkIns.length === 2 && scheduler.waiting.length === 1);
		// The same ticket and the same key: one of each per period of being available.
		expect(server.checkIns[1]).toEqual(server.checkIns[0]);
		expect(server.ticketsIssued).toBe(1);
	});

	it('says so when no screen was given, and does not check in', async () => {
		const { server, scheduler, availability } = setUp();
		await availability.goAvailable(async () => {
			throw new DOMException('Permission denied', 'NotAllowedError');
		});
		expect(availability.problem).toBe('not-shared');
		expect(availability.screen).toBeNull();
		expect(server.checkIns).toEqual([]);
		expect(scheduler.waiting).toEqual([]);
	});

	it('signs for a fresh ticket after ten minutes, or at once when the server refuses one', async () => {
		const { server, scheduler, clock, goAvailable } = setUp();
		await goAvailable();
		await until(() => scheduler.waiting.length === 1);
		clock.time += TICKET_REFRESH_MS;
		scheduler.fire();
		await until(() => server.checkIns.length === 2 && scheduler.waiting.length === 1);
		expect(server.checkIns[1].ticket).toBe('device-ticket-2');

		server.next.push(() => ({ kind: 'ticket-refused' }));
		scheduler.fire();
		await until(() => server.checkIns.length === 3 && scheduler.waiting.length === 1);
		scheduler.fire();
		await until(() => server.checkIns.length === 4);
		expect(server.checkIns[3].ticket).toBe('device-ticket-3');
	});

	it('stops, saying why, when the server will not give a ticket', async () => {
		const { server, scheduler, availability, seen, screen, goAvailable } = setUp();
		server.refuseTickets = true;
		await goAvailable();
		await until(() => availability.screen === null);
		expect(availability.problem).toBe('refused');
		expect(screen.stopped).toBe(1);
		expect(seen.stopping).toBe(1);
		expect(server.checkIns).toEqual([]);
		expect(scheduler.waiting).toEqual([]);
	});

	it('stops when the server forbids this device, and checks out', async () => {
		const { server, scheduler, availability, goAvailable } = setUp();
		server.next.push(() => ({ kind: 'forbidden' }));
		await goAvailable();
		await until(() => availability.screen === null);
		expect(availability.problem).toBeNull();
		expect(server.checkOuts).toEqual(['device-ticket-1']);
		expect(scheduler.waiting).toEqual([]);
	});

	it('keeps checking in through a network failure', async () => {
		const { server, scheduler, availability, goAvailable } = setUp();
		server.next.push(() => Promise.reject(new TypeError('Failed to fetch')));
		await goAvailable();
		await until(() => scheduler.waiting.length === 1);
		expect(availability.screen).not.toBeNull();
		scheduler.fire();
		await until(() => server.checkIns.length === 2);
	});

	it('stopping gives up the screen, cancels the next check-in and checks out', async () => {
		const { server, scheduler, availability, seen, screen, goAvailable } = setUp();
		await goAvailable();
		await until(() => scheduler.waiting.length === 1);
		availability.stop();
		expect(seen.stopping).toBe(1);
		expect(screen.stopped).toBe(1);
		expect(availability.screen).toBeNull();
		expect(scheduler.waiting).toEqual([]);
		await until(() => server.checkOuts.length === 1);
		expect(server.checkOuts).toEqual(['device-ticket-1']);
	});
});

describe("Availability: answering an agent's request", () => {
	it('opens the sealed password, checks it and hands the live session over', async () => {
		const { server, device, scheduler, availability, seen, goAvailable } = setUp();
		server.next.push(async (key) => ({
			kind: 'requests',
			requests: [await request(key, PASSWORD)]
		}));
		await goAvailable();
		await until(() => scheduler.waiting.length === 1);
		expect(device.checked).toEqual([{ password: PASSWORD, who: 'agent-7' }]);
		expect(server.answers).toEqual([
			{ ticket: 'device-ticket-1', requestId: 'request-1', result: 'ok', retryAfterMs: undefined }
		]);
		expect(availability.live).toEqual({ ...handedOver, deviceName: 'Reception PC' });
		expect(device.started).toEqual(['Marco']);
		expect(seen.connections).toBe(1);

		await availability.liveEnded();
		expect(device.ended).toEqual([42]);
		expect(availability.live).toBeNull();
		expect(seen.connections).toBe(2);
	});

	it('answers a wrong password, and the wait the device imposes after too many', async () => {
		const { server, device, scheduler, goAvailable } = setUp();
		server.next.push(async (key) => ({
			kind: 'requests',
			requests: [await request(key, 'guess', 'request-1')]
		}));
		await goAvailable();
		await until(() => scheduler.waiting.length === 1);
		device.verdict = { ok: false, error: 'backoff', retryAfterMs: 30_000 };
		server.next.push(async (key) => ({
			kind: 'requests',
			requests: [await request(key, PASSWORD, 'request-2')]
		}));
		scheduler.fire();
		await until(() => server.answers.length === 2);
		expect(
			server.answers.map(({ requestId, result, retryAfterMs }) => ({
				requestId,
				result,
				retryAfterMs
			}))
		).toEqual([
			{ requestId: 'request-1', result: 'wrong-password', retryAfterMs: undefined },
			{ requestId: 'request-2', result: 'backoff', retryAfterMs: 30_000 }
		]);
	});

	it('an envelope sealed for another device opens to nothing: the check sees no password', async () => {
		const { server, device, scheduler, availability, goAvailable } = setUp();
		server.next.push(async (key) => ({
			kind: 'requests',
			requests: [await request(key, PASSWORD, 'request-1', 'another-device')]
		}));
		await goAvailable();
		await until(() => scheduler.waiting.length === 1);
		expect(device.checked).toEqual([{ password: '', who: 'agent-7' }]);
		expect(server.answers[0].result).toBe('wrong-password');
		expect(availability.live).toBeNull();
	});

	it('refuses while blocked, and while a session is already live', async () => {
		const { server, device, scheduler, availability, goAvailable } = setUp();
		device.blocked = true;
		server.next.push(async (key) => ({
			kind: 'requests',
			requests: [await request(key, PASSWORD)]
		}));
		await goAvailable();
		await until(() => scheduler.waiting.length === 1);
		expect(device.checked).toEqual([]);
		expect(server.answers.map((a) => a.result)).toEqual(['blocked']);

		device.blocked = false;
		server.next.push(async (key) => ({
			kind: 'requests',
			requests: [
				await request(key, PASSWORD, 'request-2'),
				await request(key, PASSWORD, 'request-3')
			]
		}));
		scheduler.fire();
		await until(() => server.answers.length === 3);
		expect(server.answers.map((a) => a.result)).toEqual(['blocked', 'ok', 'blocked']);
		expect(availability.live?.sessionId).toBe('session-1');
	});
});
