/**
 * "Available for unattended access": while the customer keeps the screen they gave, the device
 * checks in every 2 s with a key agents seal the device password to, opens each agent's request,
 * checks the password (with this device's backoff) and answers. An accepted request becomes the
 * live session the page connects. No DOM, no runes: the page renders it.
 */
import type { Device, DeviceIdentity } from './device';
import type {
	ConnectionRequest,
	DevicePresenceServer,
	RequestAnswer
} from './device-presence-server';
import { newExchangeKey, open } from './envelope';
import { Emitter } from '$lib/session/emitter';
import type { LiveDeviceSession } from './unattended';

export const CHECK_IN_MS = 2_000;
/** A device ticket is kept this long, then a fresh one is signed for. */
export const TICKET_REFRESH_MS = 10 * 60 * 1000;

/** The capture given when going available: only stopped here (the page shares copies of it). */
export interface CapturedScreen {
	getTracks(): { stop(): void }[];
}

/** Why the device is not available: the customer gave no screen, or the server refused a ticket. */
export type AvailabilityProblem = 'not-shared' | 'refused';

export type AvailableDevice = Pick<
	Device,
	'isBlocked' | 'checkPassword' | 'connectionStarted' | 'connectionEnded'
>;

export interface AvailabilityOptions {
	identity: Pick<DeviceIdentity, 'deviceId' | 'name'>;
	server: DevicePresenceServer;
	device: AvailableDevice;
	now?: () => number;
	/** Runs `run` after `ms`; the function returned cancels it. */
	schedule?: (run: () => void, ms: number) => () => void;
}

interface AvailabilityEvents {
	/** Anything the page shows changed: the screen, the live session, the problem. */
	change: [];
	/** A live session started or ended. */
	connection: [];
	/** Availability is ending: a live session must end with it. */
	stopping: [];
}

function scheduleWithTimers(run: () => void, ms: number): () => void {
	const timer = setTimeout(run, ms);
	return () => clearTimeout(timer);
}

export class Availability<Screen extends CapturedScreen = MediaStream> {
	readonly #identity: Pick<DeviceIdentity, 'deviceId' | 'name'>;
	readonly #server: DevicePresenceServer;
	readonly #device: AvailableDevice;
	readonly #now: () => number;
	readonly #schedule: (run: () => void, ms: number) => () => void;
	readonly #events = new Emitter<AvailabilityEvents>();

	#screen: Screen | null = null;
	#live: LiveDeviceSession | null = null;
	#problem: AvailabilityProblem | null = null;
	#exchange: Awaited<ReturnType<typeof newExchangeKey>> | null = null;
	#ticket: { value: string; at: number } | null = null;
	#cancelCheckIn: (() => void) | null = null;
	#liveStartedAt = 0;
	#busyAnswering = false;

	constructor(options: AvailabilityOptions) {
		this.#identity = options.identity;
		this.#server = options.server;
		this.#device = options.device;
		this.#now = options.now ?? Date.now;
		this.#schedule = options.schedule ?? scheduleWithTimers;
	}

	/** The screen given, while available. */
	get screen(): Screen | null {
		return this.#screen;
	}

	/** The session an agent has open on this device now. */
	get live(): LiveDeviceSession | null {
		return this.#live;
	}

	get problem(): AvailabilityProblem | null {
		return this.#problem;
	}

	on<K extends keyof AvailabilityEvents>(event: K, listener: () => void): () => void {
		return this.#events.on(event, listener);
	}

	/** The one gesture: the customer gives the screen once (`capture`), and it is kept while available. */
	async goAvailable(capture: () => Promise<Screen>): Promise<void> {
		this.#problem = null;
		this.#changed();
		try {
			const screen = await capture();
			this.#exchange = await newExchangeKey();
			this.#screen = screen;
			this.#changed();
			void this.#checkIn();
		} catch {
			this.#problem = 'not-shared';
			this.#changed();
		}
	}

	stop(): void {
		this.#cancelCheckIn?.();
		this.#cancelCheckIn = null;
		this.#events.emit('stopping');
		this.#screen?.getTracks().forEach((track) => track.stop());
		this.#screen = null;
		this.#exchange = null;
		const ticket = this.#ticket?.value;
		if (ticket) void this.#server.checkOut(ticket).catch(() => undefined);
		this.#changed();
	}

	/** The live session ended (either side): logged on the device, and the device stays available. */
	async liveEnded(): Promise<void> {
		await this.#device.connectionEnded(this.#liveStartedAt);
		this.#live = null;
		this.#changed();
		this.#events.emit('connection');
	}

	#changed() {
		this.#events.emit('change');
	}

	async #freshTicket(): Promise<string | null> {
		const ticket = this.#ticket;
		if (ticket && this.#now() - ticket.at < TICKET_REFRESH_MS) return ticket.value;
		const value = await this.#server.ticket();
		if (value === null) return null;
		this.#ticket = { value, at: this.#now() };
		return value;
	}

	async #checkIn(): Promise<void> {
		this.#cancelCheckIn?.();
		this.#cancelCheckIn = null;
		const exchange = this.#exchange;
		if (!this.#screen || !exchange) return;
		try {
			const ticket = await this.#freshTicket();
			if (!ticket) {
				this.#problem = 'refused';
				this.stop();
				return;
			}
			const answer = await this.#server.checkIn(ticket, exchange.publicJwk);
			if (answer.kind === 'ticket-refused') this.#ticket = null;
			if (answer.kind === 'forbidden') {
				this.stop();
				return;
			}
			if (answer.kind === 'requests' && !this.#busyAnswering) {
				this.#busyAnswering = true;
				try {
					for (const request of answer.requests) await this.#handle(ticket, request);
				} finally {
					this.#busyAnswering = false;
				}
			}
		} catch {
			// The network comes back: the next check-in tries again.
		}
		if (this.#screen) this.#cancelCheckIn = this.#schedule(() => void this.#checkIn(), CHECK_IN_MS);
	}

	async #handle(ticket: string, request: ConnectionRequest): Promise<void> {
		const answer = (result: RequestAnswer, retryAfterMs?: number) =>
			this.#server.answer(ticket, request.id, result, retryAfterMs);
		if (await this.#device.isBlocked()) {
			await answer('blocked');
			return;
		}
		const context = [this.#identity.deviceId, request.agentId, request.id].join('\n');
		const exchange = this.#exchange;
		const password = exchange ? await open(exchange.privateKey, request.envelope, context) : null;
		const check = await this.#device.checkPassword(password ?? '', request.agentId);
		if (!check.ok) {
			await (check.error === 'backoff'
				? answer('backoff', check.retryAfterMs)
				: answer('wrong-password'));
			return;
		}
		if (this.#live || !this.#screen) {
			await answer('blocked');
			return;
		}
		const accepted = await answer('ok');
		if (accepted?.session) {
			this.#liveStartedAt = await this.#device.connectionStarted(request.agentName);
			this.#live = { ...accepted.session, deviceName: this.#identity.name };
			this.#changed();
			this.#events.emit('connection');
		}
	}
}
