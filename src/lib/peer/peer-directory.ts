/**
 * Who this side talks to: the handshake that trades tickets over a new control channel, the
 * check of each peer's ticket and role, the one channel kept per peer (the duplicate-channel
 * tie-break), calling lost peers back, and giving up on a counterpart gone too long. It hands
 * each kept channel to the core session and tells the other parts, by events, who came and went.
 */
import { Emitter } from '$lib/session/emitter';
import type { Features, Role } from '$lib/session/protocol';
import type { SupportSession } from '$lib/session/session';
import type { TicketClaims } from '$lib/session/ticket';
import type { MessageChannel } from '$lib/session/transport';
import type { TicketChecker } from './ticket-check';

/** A peer whose ticket checked out, with the one control channel kept to it. */
export interface VerifiedPeer {
	readonly peerId: string;
	readonly claims: TicketClaims;
	readonly channel: MessageChannel;
	/** Who opened this channel: decides which of two simultaneous channels survives. */
	readonly initiator: string;
}

/** What the directory needs of the signaling link: opening a control channel to a peer. */
export interface ControlLink {
	connectControl(remote: string, metadata: unknown): Promise<MessageChannel>;
}

/** A control channel a peer opened to us, not yet accepted. */
export interface IncomingControl {
	readonly peer: string;
	acceptControl(): Promise<MessageChannel>;
}

export interface PeerDirectoryOptions {
	selfId: string;
	role: Role;
	/** Our current ticket (it is refreshed while the session lasts). */
	ticket(): string;
	/** The session's current features (an administrator may change them). */
	features(): Features;
	tickets: Pick<TicketChecker, 'check'>;
	session: Pick<SupportSession, 'addPeer' | 'removePeer' | 'state'>;
	/** How long a lost counterpart is waited for before 'give-up'. */
	reconnectLimitMs?: number;
}

export interface PeerDirectoryEvents {
	change: [];
	/** We start contacting `peerId` (before its channel opens or its ticket is checked). */
	dialing: [peerId: string];
	/** That attempt ended without a kept channel (no answer, a bad ticket, the other channel won). */
	'dial-failed': [peerId: string];
	/** A verified peer's channel was kept and handed to the session. */
	adopted: [peer: VerifiedPeer];
	/** A kept channel went: closed, or replaced by a newer one to the same peer. */
	removed: [peer: VerifiedPeer];
	/** The server no longer lists `peerId` as present: it is dropped and refused from now on. */
	departed: [peerId: string];
	/** The counterpart has been unreachable for longer than the limit. */
	'give-up': [];
}

interface Handshake {
	type: 'ticket';
	ticket: string;
}

function isHandshake(data: unknown): data is Handshake {
	return (
		!!data &&
		typeof data === 'object' &&
		(data as Handshake).type === 'ticket' &&
		typeof (data as Handshake).ticket === 'string'
	);
}

const HANDSHAKE_TIMEOUT_MS = 10_000;
/** A lost peer is called again after this (both sides try; the tie-break keeps one channel). */
const CALL_BACK_MS = 300;

export class PeerDirectory {
	readonly events = new Emitter<PeerDirectoryEvents>();
	readonly #options: PeerDirectoryOptions;
	#link: ControlLink | null = null;
	#peers = new Map<string, VerifiedPeer>();
	/**
	 * Peers this side should be connected to: a lost one (network cut, ICE failure, reload) is
	 * contacted again until it answers; one that said 'end' is gone for good.
	 */
	#known = new Map<string, { role: Role; lostAt: number | null; gone: boolean }>();
	/**
	 * Peers the server no longer lists as present (an agent who left or was disabled): still
	 * holding a ticket with a valid signature, but dropped here and refused from now on, until
	 * the server lists them again (an agent who rejoins).
	 */
	#departed = new Set<string>();
	/** One attempt loop per peer at a time. */
	#connecting = new Set<string>();
	#refused = 0;
	#lostSince: number | null = null;
	#giveUpTimer: ReturnType<typeof setInterval> | null = null;
	#closed = false;

	constructor(options: PeerDirectoryOptions) {
		this.#options = options;
	}

	get counterpartRole(): Role {
		return this.#options.role === 'customer' ? 'agent' : 'customer';
	}

	/** How many peers were refused (a bad ticket, a role we do not talk to, departed). */
	get refused() {
		return this.#refused;
	}

	/** Since when the counterpart has been unreachable (null while connected). */
	get lostSince(): number | null {
		return this.#lostSince;
	}

	get peers(): IterableIterator<VerifiedPeer> {
		return this.#peers.values();
	}

	get(peerId: string): VerifiedPeer | undefined {
		return this.#peers.get(peerId);
	}

	has(peerId: string): boolean {
		return this.#peers.has(peerId);
	}

	/** Starts contacting peers through `link` (signaling is up). */
	useLink(link: ControlLink) {
		this.#link = link;
	}

	get #ended() {
		return this.#closed || this.#options.session.state.status === 'ended';
	}

	/**
	 * The peer's claims if its ticket checks out and we talk to its role: a customer talks to
	 * agents; an agent to the customer and, in a multi-agent session, to the other agents (so
	 * chat reaches everyone). Null, counted as refused, otherwise.
	 */
	async admit(ticket: unknown, peerId: string): Promise<TicketClaims | null> {
		if (this.#departed.has(peerId)) return this.#refuse();
		const check = await this.#options.tickets.check(ticket, peerId);
		const allowed =
			check.ok &&
			(check.claims.role === this.counterpartRole ||
				(this.#options.role === 'agent' && this.#options.features().multiAgent));
		if (check.ok && allowed) return check.claims;
		return this.#refuse();
	}

	#refuse(): null {
		this.#refused++;
		this.events.emit('change');
		return null;
	}

	/** Resolves true once `peerId` is verified, false if it is not within `timeoutMs`. */
	whenVerified(peerId: string, timeoutMs: number): Promise<boolean> {
		if (this.#peers.has(peerId)) return Promise.resolve(true);
		return new Promise((resolve) => {
			const timer = setTimeout(() => {
				off();
				resolve(this.#peers.has(peerId));
			}, timeoutMs);
			const off = this.events.on('change', () => {
				if (!this.#peers.has(peerId)) return;
				clearTimeout(timer);
				off();
				resolve(true);
			});
		});
	}

	/**
	 * Opens a control channel to a peer and checks its ticket (sent back as its first message).
	 * A peer that is not there yet (its page still loading) is tried again with backoff until it
	 * answers, contacts us itself, or the session ends.
	 */
	async connectTo(remote: string): Promise<void> {
		if (this.#connecting.has(remote)) return;
		this.#connecting.add(remote);
		try {
			await this.#connectWithRetry(remote, 0);
		} finally {
			this.#connecting.delete(remote);
		}
	}

	async #connectWithRetry(remote: string, attempt: number): Promise<void> {
		if (!this.#link || this.#ended || this.#peers.has(remote)) return;
		if (this.#known.get(remote)?.gone) return;
		let channel: MessageChannel;
		this.events.emit('dialing', remote);
		try {
			channel = await this.#link.connectControl(remote, { ticket: this.#options.ticket() });
		} catch {
			this.events.emit('dial-failed', remote);
			const delay = Math.min(500 * 2 ** attempt, 3_000);
			await new Promise((resolve) => setTimeout(resolve, delay));
			return this.#connectWithRetry(remote, attempt + 1);
		}
		const ticket = await new Promise<unknown>((resolve) => {
			const timer = setTimeout(() => resolve(null), HANDSHAKE_TIMEOUT_MS);
			const off = channel.onMessage((data) => {
				if (!isHandshake(data)) return;
				clearTimeout(timer);
				off();
				resolve(data.ticket);
			});
		});
		const claims = await this.admit(ticket, remote);
		if (!claims) {
			this.events.emit('dial-failed', remote);
			channel.close();
			return;
		}
		if (!this.#adopt(remote, claims, channel, this.#options.selfId)) {
			this.events.emit('dial-failed', remote);
		}
	}

	/** Takes a control channel a peer opened (its ticket already admitted) and answers with ours. */
	async accept(incoming: IncomingControl, claims: TicketClaims): Promise<void> {
		let channel: MessageChannel;
		try {
			channel = await incoming.acceptControl();
		} catch {
			return;
		}
		channel.send({ type: 'ticket', ticket: this.#options.ticket() } satisfies Handshake);
		this.#adopt(incoming.peer, claims, channel, incoming.peer);
	}

	/** Returns whether the channel was kept. */
	#adopt(peerId: string, claims: TicketClaims, channel: MessageChannel, initiator: string) {
		const existing = this.#peers.get(peerId);
		if (existing && existing.channel.open) {
			// Two channels to one peer (both opened at once, or a reload): both sides keep the same
			// one — the newest from the same initiator, else the one the smaller peer ID opened.
			const keepNew = existing.initiator === initiator || initiator < existing.initiator;
			if (!keepNew) {
				channel.close();
				return false;
			}
			this.#peers.delete(peerId);
			this.events.emit('removed', existing);
			existing.channel.close();
			this.#options.session.removePeer(peerId);
		}
		const peer: VerifiedPeer = { peerId, claims, channel, initiator };
		this.#peers.set(peerId, peer);
		this.#known.set(peerId, { role: claims.role, lostAt: null, gone: false });
		channel.onMessage((data) => {
			// A peer that ends its part is not called back.
			if ((data as { type?: unknown } | null)?.type === 'end') {
				const known = this.#known.get(peerId);
				if (known) known.gone = true;
			}
		});
		channel.onClose(() => {
			if (this.#peers.get(peerId) !== peer) return;
			this.#peers.delete(peerId);
			this.events.emit('removed', peer);
			const known = this.#known.get(peerId);
			if (known && !known.gone && !this.#ended) {
				known.lostAt = Date.now();
				setTimeout(() => void this.connectTo(peerId), CALL_BACK_MS);
			}
			this.#updateLost();
			this.events.emit('change');
		});
		this.#options.session.addPeer(peerId, claims.role, channel);
		this.#updateLost();
		this.events.emit('adopted', peer);
		this.events.emit('change');
		return true;
	}

	/**
	 * Drops the peers the server does not list as `present` (also those in `alsoSeen`, e.g.
	 * peers whose calls we hold), and lets listed ones back in.
	 */
	keepOnlyPresent(present: string[], alsoSeen: Iterable<string> = []) {
		const listed = new Set(present);
		for (const peerId of [...this.#departed]) if (listed.has(peerId)) this.#departed.delete(peerId);
		const seen = new Set([...this.#peers.keys(), ...this.#known.keys(), ...alsoSeen]);
		let dropped = false;
		for (const peerId of seen) {
			if (listed.has(peerId) || peerId === this.#options.selfId) continue;
			dropped = true;
			this.#departed.add(peerId);
			const known = this.#known.get(peerId);
			if (known) known.gone = true;
			this.events.emit('departed', peerId);
			// Its close handler removes the peer; being gone, it is not called back.
			this.#peers.get(peerId)?.channel.close();
		}
		if (!dropped) return;
		this.#updateLost();
		this.events.emit('change');
	}

	#updateLost() {
		const expected = [...this.#known.entries()].filter(
			([, k]) => !k.gone && k.role === this.counterpartRole
		);
		const connected = expected.some(([peerId]) => this.#peers.has(peerId));
		const lost = expected.length > 0 && !connected;
		if (lost && this.#lostSince === null) {
			this.#lostSince = Date.now();
			this.#giveUpTimer = setInterval(() => {
				const limit = this.#options.reconnectLimitMs ?? 120_000;
				if (this.#lostSince !== null && Date.now() - this.#lostSince >= limit) {
					this.events.emit('give-up');
				}
				this.events.emit('change');
			}, 1000);
		} else if (!lost && this.#lostSince !== null) {
			this.#lostSince = null;
			this.#stopGiveUpTimer();
		}
	}

	#stopGiveUpTimer() {
		if (this.#giveUpTimer) clearInterval(this.#giveUpTimer);
		this.#giveUpTimer = null;
	}

	/** The session ended: forgets every peer (without telling anyone) and stops the timers. */
	close() {
		this.#closed = true;
		this.#peers.clear();
		this.#stopGiveUpTimer();
		this.#lostSince = null;
	}

	/** The page goes: stops the timers and leaves the peers as they are. */
	dispose() {
		this.#stopGiveUpTimer();
	}
}
