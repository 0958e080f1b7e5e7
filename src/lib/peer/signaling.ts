/**
 * Our registration with the signaling server: opening the link with our ticket, its state and
 * (if it could not be reached) why, re-registering after a drop with backoff, and trading the
 * ticket for a fresh one on a timer (a drop tries a fresh ticket first: the old one may have
 * aged while the server was away).
 */
import { Emitter } from '$lib/session/emitter';
import { signalingFailureReason, type SignalingFailureReason } from '$lib/signaling-failure';
import { PeerLink, type PeerLinkOptions, type SignalingState } from './peer-link';

/**
 * Why the client could not reach the signaling server: a reason the page words in its language,
 * and the browser's own (untranslated) message.
 */
export type ClientFailure = { reason: SignalingFailureReason; detail: string };

export interface SignalingOptions {
	/** Trades the ticket for a fresh one (and re-registers with it when it gets one). */
	refresh(): Promise<void>;
	/** How often `refresh` runs. */
	refreshEveryMs: number;
	/** Whether the session has ended (no reconnecting then). */
	ended(): boolean;
}

const FIRST_RECONNECT_MS = 500;
const MAX_RECONNECT_MS = 5_000;

export class Signaling {
	readonly events = new Emitter<{ change: [] }>();
	readonly #options: SignalingOptions;
	#link: PeerLink | null = null;
	#state: SignalingState = 'connecting';
	#failure: ClientFailure | null = null;
	#reconnectTimer: ReturnType<typeof setTimeout> | null = null;
	#reconnectDelay = FIRST_RECONNECT_MS;
	#refreshTimer: ReturnType<typeof setInterval> | null = null;

	constructor(options: SignalingOptions) {
		this.#options = options;
	}

	get state(): SignalingState {
		return this.#state;
	}

	/** Why signaling could not be reached, if it could not. */
	get failure(): ClientFailure | null {
		return this.#failure;
	}

	/** Registers with the server; null (state 'offline', `failure` set) if it cannot. */
	async open(options: PeerLinkOptions): Promise<PeerLink | null> {
		let link: PeerLink;
		try {
			link = await PeerLink.open(options);
		} catch (error) {
			this.#state = 'offline';
			this.#failure = {
				reason: signalingFailureReason(error),
				detail: String((error as Error).message ?? error)
			};
			this.events.emit('change');
			return null;
		}
		this.#link = link;
		this.#state = 'online';
		link.onState((state) => {
			this.#state = state;
			this.events.emit('change');
			if (state === 'offline' && !this.#options.ended()) this.#scheduleReconnect();
		});
		this.#refreshTimer = setInterval(
			() => void this.#options.refresh(),
			this.#options.refreshEveryMs
		);
		return link;
	}

	/** Registers again with a fresh ticket (if signaling dropped meanwhile). */
	useTicket(ticket: string) {
		this.#link?.reconnect(ticket);
	}

	#scheduleReconnect() {
		if (this.#reconnectTimer) return;
		this.#reconnectTimer = setTimeout(() => {
			this.#reconnectTimer = null;
			if (this.#options.ended() || this.#state === 'online') {
				this.#reconnectDelay = FIRST_RECONNECT_MS;
				return;
			}
			// The refresh re-registers on success; else try with the ticket we have.
			void this.#options.refresh().finally(() => {
				if (this.#state !== 'online') this.#link?.reconnect();
			});
			this.#reconnectDelay = Math.min(this.#reconnectDelay * 2, MAX_RECONNECT_MS);
			this.#scheduleReconnect();
		}, this.#reconnectDelay);
	}

	/** Stops the timers (the session ended, or the page goes). */
	stop() {
		if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
		if (this.#refreshTimer) clearInterval(this.#refreshTimer);
	}

	/** Leaves the signaling server; every connection closes. */
	destroy() {
		this.#link?.destroy();
	}
}
