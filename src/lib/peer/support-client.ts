/**
 * One browser's side of a support session: joins signaling with the server's ticket, checks
 * every other peer's ticket before answering it, carries the screen over media calls and hands
 * verified control channels to the core `SupportSession`. Plain TypeScript (browser APIs, no
 * runes): the Svelte view in `session-view.svelte.ts` renders it.
 */
import { FileTransfers } from '$lib/session/files';
import { hashInWorker } from './sha256-worker';
import type { SessionServer } from './session-server';
import type { EndReason, Features, Role, ScreenMode } from '$lib/session/protocol';
import { SupportSession } from '$lib/session/session';
import { signalingFailureReason, type SignalingFailureReason } from '$lib/signaling-failure';
import { verifyTicket, type TicketClaims } from '$lib/session/ticket';
import type { MessageChannel } from '$lib/session/transport';
import { classifyCaptureError, type CaptureFailure } from '$lib/session/capture-failure';
import {
	MediaLink,
	PeerLink,
	type IncomingCall,
	type IncomingData,
	type PeerMessageChannel,
	type SignalingState
} from './peer-link';

export interface SupportClientOptions {
	role: Role;
	name: string;
	sessionId: string;
	peerId: string;
	ticket: string;
	ticketKey: string;
	iceServers: RTCIceServer[];
	iceTransportPolicy?: RTCIceTransportPolicy;
	features: Features;
	/** Peers to contact at start: the agents (customer side) or the customer (agent side). */
	contacts: string[];
	/** How long a lost peer is waited for before the session ends as 'connection-lost'. */
	reconnectLimitMs?: number;
	/** How often the ticket is traded for a fresh one (and the session's liveness checked). */
	ticketRefreshMs?: number;
	/** The session's HTTP calls: ticket refresh, and telling the server the session ended here. */
	server: SessionServer;
}

interface VerifiedPeer {
	peerId: string;
	claims: TicketClaims;
	channel: MessageChannel;
	/** Who opened this channel: decides which of two simultaneous channels survives. */
	initiator: string;
	outgoingCall: MediaLink | null;
}

interface Handshake {
	type: 'ticket';
	ticket: string;
}

const HANDSHAKE_TIMEOUT_MS = 10_000;
/** The file channel waits this long at most for the media call to connect first… */
const MEDIA_FIRST_MS = 2_000;
/** …and this long after it. */
const FILES_AFTER_MEDIA_MS = 1_000;

function isHandshake(data: unknown): data is Handshake {
	return (
		!!data &&
		typeof data === 'object' &&
		(data as Handshake).type === 'ticket' &&
		typeof (data as Handshake).ticket === 'string'
	);
}

/**
 * Why the client could not reach the signaling server: a reason the page words in its language,
 * and the browser's own (untranslated) message.
 */
export type ClientFailure = { reason: SignalingFailureReason; detail: string };

export type ShareResult =
	{ ok: true } | { ok: false; error: 'declined' | 'unsupported' | string; reason?: CaptureFailure };

export class SupportClient {
	readonly options: SupportClientOptions;
	readonly session: SupportSession;
	#link: PeerLink | null = null;
	#peers = new Map<string, VerifiedPeer>();
	#screen: MediaStream | null = null;
	#remoteStream: MediaStream | null = null;
	#remoteAgentStream: MediaStream | null = null;
	#signaling: SignalingState = 'connecting';
	#failure: ClientFailure | null = null;
	#changeHandlers = new Set<() => void>();
	#refusedPeers = 0;
	#ticketKey: CryptoKey | null = null;
	/**
	 * Peers this side should be connected to: a lost one (network cut, ICE failure, reload) is
	 * contacted again until it answers; one that said 'end' is gone for good.
	 */
	#known = new Map<string, { role: Role; lostAt: number | null; gone: boolean }>();
	#lostSince: number | null = null;
	#giveUpTimer: ReturnType<typeof setInterval> | null = null;
	/** One file-transfer channel per verified peer (files never share the chat channel). */
	#files = new Map<string, FileTransfers>();
	#filesHandlers = new Set<(peerId: string, transfers: FileTransfers | null) => void>();

	constructor(options: SupportClientOptions) {
		this.options = options;
		this.session = new SupportSession({
			role: options.role,
			name: options.name,
			features: options.features
		});
		this.session.on('change', () => this.#changed());
		this.session.on('screen-mode', (peerId, mode) => {
			this.#screenModes.set(peerId, mode);
			const peer = this.#peers.get(peerId);
			if (peer) void this.#encodeFor(peer);
		});
		this.session.on('ended', (reason) => {
			this.#endTask = this.#afterEnd(reason, this.#endingLocally);
		});
	}

	get counterpartRole(): Role {
		return this.options.role === 'customer' ? 'agent' : 'customer';
	}
	/** The customer's screen (agent side), or the agent's screen (customer side). */
	get remoteStream() {
		return this.#remoteStream;
	}
	get remoteAgentStream() {
		return this.#remoteAgentStream;
	}
	get localScreen() {
		return this.#screen;
	}
	get signaling() {
		return this.#signaling;
	}
	/** Why signaling could not be reached, if it could not. */
	get failure(): ClientFailure | null {
		return this.#failure;
	}
	get refusedPeers() {
		return this.#refusedPeers;
	}
	get verifiedPeers(): { peerId: string; name: string; role: Role; userId: string | null }[] {
		return [...this.#peers.values()].map((p) => ({
			peerId: p.peerId,
			name: p.claims.name,
			role: p.claims.role,
			userId: p.claims.uid ?? null
		}));
	}

	/** The file transfers with a peer, once its file channel is open. */
	filesWith(peerId: string): FileTransfers | null {
		return this.#files.get(peerId) ?? null;
	}

	/** Told when a peer's file channel opens (transfers) or goes (null). */
	onFiles(handler: (peerId: string, transfers: FileTransfers | null) => void) {
		this.#filesHandlers.add(handler);
		for (const [peerId, transfers] of this.#files) handler(peerId, transfers);
		return () => this.#filesHandlers.delete(handler);
	}

	#setFiles(peerId: string, transfers: FileTransfers | null) {
		const previous = this.#files.get(peerId);
		if (previous && previous !== transfers) previous.close();
		if (transfers) this.#files.set(peerId, transfers);
		else this.#files.delete(peerId);
		this.#filesHandlers.forEach((h) => h(peerId, transfers));
		this.#changed();
	}

	#peerName(peerId: string) {
		return this.#peers.get(peerId)?.claims.name ?? 'the other side';
	}

	/**
	 * Opens the file channel to a verified peer (the side that opened the control channel does).
	 * The media call to that peer goes first: two connections negotiating at once, while the
	 * customer's screen capture starts, each take longer, and the screen is what the agent waits for.
	 */
	async #openFiles(remote: string) {
		if (!this.#link || !this.options.features.fileTransfer) return;
		if (this.#peers.get(remote)?.claims.role !== this.counterpartRole) return;
		await this.#mediaSettled(remote);
		if (!this.#link || !this.#peers.has(remote)) return;
		try {
			const channel = await this.#link.connectFiles(remote, { ticket: this.options.ticket });
			if (!this.#peers.has(remote)) {
				channel.close();
				return;
			}
			this.#attachFiles(remote, channel);
		} catch {
			// No file channel (refused, or the peer left): chat and screen go on without it.
		}
	}

	/**
	 * Our call to the peer, or its call to us, once connected (or given up on: at most 2 s), and
	 * a moment more: the customer's first frame (capture start, first keyframe) comes then.
	 */
	async #mediaSettled(remote: string): Promise<void> {
		const calls = [this.#peers.get(remote)?.outgoingCall, this.#incomingCalls.get(remote)];
		const call = calls.find((c) => c && !c.closed);
		if (!call) return;
		await call.settled(MEDIA_FIRST_MS);
		await new Promise((resolve) => setTimeout(resolve, FILES_AFTER_MEDIA_MS));
	}

	/** The screen calls peers made to us, by peer (the agent's view of a customer's call). */
	#incomingCalls = new Map<string, MediaLink>();

	#attachFiles(remote: string, channel: import('$lib/session/transport').BinaryChannel) {
		// Both sides hash every file byte: in a Worker, off the thread that moves them. It starts
		// with the first file channel, not with the page, so it does not slow the join down.
		void hashInWorker();
		const transfers = new FileTransfers({
			channel,
			features: this.options.features,
			peerName: this.#peerName(remote)
		});
		channel.onClose(() => {
			if (this.#files.get(remote) === transfers) this.#setFiles(remote, null);
		});
		this.#setFiles(remote, transfers);
	}

	/**
	 * The RTCPeerConnection under the control channel to a peer (the first verified peer when not
	 * named), else under our call to it: for connection stats and the safety code.
	 */
	peerConnectionFor(peerId?: string): RTCPeerConnection | null {
		const peer = peerId ? this.#peers.get(peerId) : this.#peers.values().next().value;
		if (!peer) return null;
		// PeerLink's control channels are PeerMessageChannels; the core's type knows no connections.
		const channel = peer.channel as MessageChannel & Partial<PeerMessageChannel>;
		return channel.peerConnection ?? peer.outgoingCall?.peerConnection ?? null;
	}

	onChange(handler: () => void) {
		this.#changeHandlers.add(handler);
		return () => this.#changeHandlers.delete(handler);
	}

	#changed() {
		this.#changeHandlers.forEach((h) => h());
	}

	async start(): Promise<void> {
		try {
			this.#link = await PeerLink.open({
				peerId: this.options.peerId,
				ticket: this.options.ticket,
				iceServers: this.options.iceServers,
				iceTransportPolicy: this.options.iceTransportPolicy
			});
		} catch (error) {
			this.#signaling = 'offline';
			this.#failure = {
				reason: signalingFailureReason(error),
				detail: String((error as Error).message ?? error)
			};
			this.#changed();
			return;
		}
		this.#signaling = 'online';
		this.#link.onState((state) => {
			this.#signaling = state;
			this.#changed();
			if (state === 'offline' && this.session.state.status !== 'ended') this.#scheduleReconnect();
		});
		this.#link.onData((incoming) => void this.#onIncomingData(incoming));
		this.#link.onCall((incoming) => void this.#onIncomingCall(incoming));
		this.#changed();
		for (const contact of this.options.contacts) void this.connectTo(contact);
		this.#refreshTimer = setInterval(
			() => void this.refreshTicket(),
			this.options.ticketRefreshMs ?? 10_000
		);
	}

	#refreshTimer: ReturnType<typeof setInterval> | null = null;

	/**
	 * Trades the ticket for a fresh one. The server answers 410 once the session has ended
	 * (ended elsewhere, the agent was disabled, …): then it ends here too.
	 */
	async refreshTicket(): Promise<void> {
		if (this.session.state.status === 'ended') return;
		const refresh = await this.options.server.refreshTicket(this.options.ticket);
		// Server unreachable: the peer-to-peer session goes on; try again later.
		if (refresh.kind === 'unavailable') return;
		if (refresh.kind === 'ended') {
			const reason: EndReason =
				refresh.reason ?? (this.options.role === 'customer' ? 'agent' : 'customer');
			this.session.end(reason);
			await this.#endTask;
			return;
		}
		const body = refresh;
		this.options.ticket = body.ticket;
		this.#link?.reconnect(body.ticket);
		if (body.features) this.#applyFeatures(body.features);
		if (Array.isArray(body.present)) this.#keepOnlyPresent(body.present);
	}

	/**
	 * Peers the server no longer lists as present (an agent who left or was disabled): still
	 * holding a ticket with a valid signature, but dropped here and refused from now on, until
	 * the server lists them again (an agent who rejoins).
	 */
	#departed = new Set<string>();

	#keepOnlyPresent(present: string[]) {
		const listed = new Set(present);
		for (const peerId of [...this.#departed]) if (listed.has(peerId)) this.#departed.delete(peerId);
		const seen = new Set([
			...this.#peers.keys(),
			...this.#known.keys(),
			...this.#incomingCalls.keys()
		]);
		let dropped = false;
		for (const peerId of seen) {
			if (listed.has(peerId) || peerId === this.options.peerId) continue;
			dropped = true;
			this.#departed.add(peerId);
			const known = this.#known.get(peerId);
			if (known) known.gone = true;
			this.#incomingCalls.get(peerId)?.close();
			this.#dropEarlyCall(peerId);
			// Its close handler clears the peer's call and files; being gone, it is not called back.
			this.#peers.get(peerId)?.channel.close();
		}
		if (!dropped) return;
		this.#updateLost();
		this.#changed();
	}

	/** Settings changed by an administrator reach a live session: what became denied stops. */
	#applyFeatures(features: Features) {
		const before = this.options.features;
		this.options.features = features;
		if (before.fileTransfer && !features.fileTransfer) {
			for (const [peerId, transfers] of [...this.#files]) {
				transfers.close();
				this.#setFiles(peerId, null);
			}
		}
		if (!before.fileTransfer && features.fileTransfer) {
			// Allowed again: the side that opened each control channel opens its file channel.
			for (const peer of this.#peers.values()) {
				if (peer.initiator === this.options.peerId) void this.#openFiles(peer.peerId);
			}
		}
		if (
			before.agentScreenShare &&
			!features.agentScreenShare &&
			this.options.role === 'agent' &&
			this.#screen
		) {
			void this.stopSharing();
		}
		this.#changed();
	}

	get features(): Features {
		return this.options.features;
	}

	#reconnectTimer: ReturnType<typeof setTimeout> | null = null;
	#reconnectDelay = 500;
	#scheduleReconnect() {
		if (this.#reconnectTimer) return;
		this.#reconnectTimer = setTimeout(() => {
			this.#reconnectTimer = null;
			if (this.session.state.status === 'ended' || this.#signaling === 'online') {
				this.#reconnectDelay = 500;
				return;
			}
			// A fresh ticket first (the old one may have aged while the server was away); the
			// refresh re-registers on success, else try with the ticket we have.
			void this.refreshTicket().finally(() => {
				if (this.#signaling !== 'online') this.#link?.reconnect();
			});
			this.#reconnectDelay = Math.min(this.#reconnectDelay * 2, 5_000);
			this.#scheduleReconnect();
		}, this.#reconnectDelay);
	}

	/** Since when the other side has been unreachable (null while connected). */
	get reconnectingSince(): number | null {
		return this.#lostSince;
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
				const limit = this.options.reconnectLimitMs ?? 120_000;
				if (this.#lostSince !== null && Date.now() - this.#lostSince >= limit) {
					void this.end('connection-lost');
				}
				this.#changed();
			}, 1000);
		} else if (!lost && this.#lostSince !== null) {
			this.#lostSince = null;
			if (this.#giveUpTimer) clearInterval(this.#giveUpTimer);
			this.#giveUpTimer = null;
		}
	}

	async #key(): Promise<CryptoKey> {
		this.#ticketKey ??= await crypto.subtle.importKey(
			'raw',
			Uint8Array.from(atob(this.options.ticketKey.replace(/-/g, '+').replace(/_/g, '/')), (c) =>
				c.charCodeAt(0)
			),
			{ name: 'Ed25519' },
			false,
			['verify']
		);
		return this.#ticketKey;
	}

	async #verify(ticket: unknown, peerId: string): Promise<TicketClaims | null> {
		if (this.#departed.has(peerId)) {
			this.#refusedPeers++;
			this.#changed();
			return null;
		}
		const check = await verifyTicket(ticket, await this.#key(), {
			sessionId: this.options.sessionId,
			peerId
		});
		// A customer talks to agents; an agent to the customer and, in a multi-agent session,
		// to the other agents (so chat reaches everyone).
		const allowed =
			check.ok &&
			(check.claims.role === this.counterpartRole ||
				(this.options.role === 'agent' && this.options.features.multiAgent));
		if (check.ok && allowed) return check.claims;
		this.#refusedPeers++;
		this.#changed();
		return null;
	}

	/**
	 * Opens a control channel to a peer and checks its ticket (sent back as its first message).
	 * A peer that is not there yet (its page still loading) is tried again with backoff until it
	 * answers, contacts us itself, or the session ends.
	 */
	async connectTo(remote: string): Promise<void> {
		// One attempt loop per peer at a time.
		if (this.#connecting.has(remote)) return;
		this.#connecting.add(remote);
		try {
			await this.#connectWithRetry(remote, 0);
		} finally {
			this.#connecting.delete(remote);
		}
	}

	#connecting = new Set<string>();

	async #connectWithRetry(remote: string, attempt: number): Promise<void> {
		if (!this.#link || this.session.state.status === 'ended' || this.#peers.has(remote)) return;
		if (this.#known.get(remote)?.gone) return;
		let channel: MessageChannel;
		this.#placeEarlyCall(remote);
		try {
			channel = await this.#link.connectControl(remote, { ticket: this.options.ticket });
		} catch {
			this.#dropEarlyCall(remote);
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
		const claims = await this.#verify(ticket, remote);
		if (!claims) {
			this.#dropEarlyCall(remote);
			channel.close();
			return;
		}
		if (this.#adopt(remote, claims, channel, this.options.peerId)) void this.#openFiles(remote);
		else this.#dropEarlyCall(remote);
	}

	async #onIncomingData(incoming: IncomingData) {
		const ticket = (incoming.metadata as { ticket?: unknown } | null)?.ticket;
		const claims = await this.#verify(ticket, incoming.peer);
		if (!claims || this.session.state.status === 'ended') {
			incoming.reject();
			return;
		}
		if (incoming.label === 'files') {
			// Files only from a peer we already talk to, and only if the session allows them.
			const from = this.#peers.get(incoming.peer);
			if (!this.options.features.fileTransfer || from?.claims.role !== this.counterpartRole) {
				incoming.reject();
				return;
			}
			try {
				this.#attachFiles(incoming.peer, await incoming.acceptFiles());
			} catch {
				// The channel never opened: nothing to clean up.
			}
			return;
		}
		if (incoming.label !== 'control') {
			incoming.reject();
			return;
		}
		let channel: MessageChannel;
		try {
			channel = await incoming.acceptControl();
		} catch {
			return;
		}
		channel.send({ type: 'ticket', ticket: this.options.ticket } satisfies Handshake);
		this.#adopt(incoming.peer, claims, channel, incoming.peer);
	}

	/** Returns whether the channel was kept. */
	#adopt(
		peerId: string,
		claims: TicketClaims,
		channel: MessageChannel,
		initiator: string
	): boolean {
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
			existing.outgoingCall?.close();
			existing.channel.close();
			this.#setFiles(peerId, null);
			this.session.removePeer(peerId);
		}
		const peer: VerifiedPeer = { peerId, claims, channel, initiator, outgoingCall: null };
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
			if (this.#peers.get(peerId) === peer) {
				this.#peers.delete(peerId);
				peer.outgoingCall?.close();
				this.#setFiles(peerId, null);
				const known = this.#known.get(peerId);
				if (known && !known.gone && this.session.state.status !== 'ended') {
					known.lostAt = Date.now();
					// Both sides try; the tie-break in #adopt keeps one channel.
					setTimeout(() => void this.connectTo(peerId), 300);
				}
				this.#updateLost();
				this.#changed();
			}
		});
		this.session.addPeer(peerId, claims.role, channel);
		this.#updateLost();
		if (this.#screen || this.options.role === 'customer') this.#callWithScreen(peer);
		this.#changed();
		return true;
	}

	async #onIncomingCall(incoming: IncomingCall) {
		const metadata = incoming.metadata as { ticket?: unknown; kind?: unknown } | null;
		const claims = await this.#verify(metadata?.ticket, incoming.peer);
		// Only a peer we already talk to, in the role that may send this kind of screen. Its call
		// may overtake our check of its control channel's ticket: wait for that a moment.
		const known = !!claims && (await this.#whenVerified(incoming.peer, 5_000));
		const kind = metadata?.kind;
		const allowed =
			!!claims &&
			known &&
			((kind === 'screen' && claims.role === 'customer') ||
				(kind === 'agent-screen' &&
					claims.role === 'agent' &&
					this.options.features.agentScreenShare));
		if (!allowed || this.session.state.status === 'ended') {
			incoming.reject();
			return;
		}
		const link = incoming.answer();
		this.#incomingCalls.set(incoming.peer, link);
		link.onStream((stream) => {
			if (kind === 'screen') this.#remoteStream = stream;
			else this.#remoteAgentStream = stream;
			this.#changed();
		});
		link.onClose(() => {
			if (this.#incomingCalls.get(incoming.peer) === link)
				this.#incomingCalls.delete(incoming.peer);
			if (kind === 'screen') this.#remoteStream = null;
			else this.#remoteAgentStream = null;
			this.#changed();
		});
	}

	#whenVerified(peerId: string, timeoutMs: number): Promise<boolean> {
		if (this.#peers.has(peerId)) return Promise.resolve(true);
		return new Promise((resolve) => {
			const timer = setTimeout(() => {
				off();
				resolve(this.#peers.has(peerId));
			}, timeoutMs);
			const off = this.onChange(() => {
				if (!this.#peers.has(peerId)) return;
				clearTimeout(timer);
				off();
				resolve(true);
			});
		});
	}

	#placeholder: MediaStream | null = null;
	/** How each agent asked for our screen ('sharp' unless it said otherwise). */
	#screenModes = new Map<string, ScreenMode>();
	#encodingTimer: ReturnType<typeof setInterval> | null = null;

	/**
	 * Sets the encoding of our real screen for one peer in the mode it chose: when the track goes
	 * in, when the agent switches, and (Smooth motion) as the measured path changes.
	 */
	async #encodeFor(peer: VerifiedPeer) {
		const call = peer.outgoingCall;
		if (!this.#screen || !call || call.closed) return;
		await call.applyScreenMode(this.#screenModes.get(peer.peerId) ?? 'sharp');
	}

	/**
	 * While we share, Smooth motion follows the path: its encoding depends on the measured
	 * bitrate, so it is set again every few seconds (Sharp text depends on the capture only).
	 */
	#followPathWhileSharing() {
		if (this.#screen && !this.#encodingTimer) {
			this.#encodingTimer = setInterval(() => {
				for (const peer of this.#peers.values()) {
					if (this.#screenModes.get(peer.peerId) === 'smooth') void this.#encodeFor(peer);
				}
			}, 5000);
		} else if (!this.#screen && this.#encodingTimer) {
			clearInterval(this.#encodingTimer);
			this.#encodingTimer = null;
		}
	}

	/**
	 * A video track that sends nothing: a canvas that is never painted. The customer's media
	 * call is placed with it as soon as an agent is verified, so sharing only swaps the real
	 * track in (no ICE/DTLS setup after the click) and nothing leaves the machine before it.
	 */
	#placeholderStream(): MediaStream | null {
		if (this.#placeholder) return this.#placeholder;
		if (typeof document === 'undefined') return null;
		const canvas = document.createElement('canvas');
		canvas.width = canvas.height = 2;
		this.#placeholder = canvas.captureStream?.(0) ?? null;
		return this.#placeholder;
	}

	#callWithScreen(peer: VerifiedPeer) {
		if (!this.#link) return;
		// The customer's screen goes to every agent; an agent's screen to the customer only.
		if (peer.claims.role !== this.counterpartRole) return;
		// The customer calls every agent in advance (placeholder); an agent only when sharing.
		const stream =
			this.#screen ?? (this.options.role === 'customer' ? this.#placeholderStream() : null);
		if (!stream) return;
		const kind = this.options.role === 'customer' ? 'screen' : 'agent-screen';
		if (!peer.outgoingCall || peer.outgoingCall.closed) {
			const early = this.#earlyCalls.get(peer.peerId);
			this.#earlyCalls.delete(peer.peerId);
			if (early && !early.closed) {
				peer.outgoingCall = early;
				this.#placeAgainWhenDropped(peer, early);
			}
		}
		if (peer.outgoingCall && !peer.outgoingCall.closed) {
			void peer.outgoingCall
				.replaceVideoTrack(this.#screen?.getVideoTracks()[0] ?? null)
				.then(() => this.#encodeFor(peer));
			return;
		}
		const call = this.#link.call(peer.peerId, stream, {
			ticket: this.options.ticket,
			kind
		});
		peer.outgoingCall = call;
		void this.#encodeFor(peer);
		this.#placeAgainWhenDropped(peer, call);
	}

	/**
	 * A call that drops while the peer is still connected is placed again (the customer's always,
	 * an agent's while it shares).
	 */
	#placeAgainWhenDropped(peer: VerifiedPeer, call: MediaLink) {
		call.onClose(() => {
			if (peer.outgoingCall !== call) return;
			peer.outgoingCall = null;
			setTimeout(() => {
				const wanted = this.#screen !== null || this.options.role === 'customer';
				if (wanted && this.#peers.get(peer.peerId) === peer && !peer.outgoingCall) {
					this.#callWithScreen(peer);
				}
			}, 1000);
		});
	}

	/**
	 * Customer: media calls placed together with the control channel, before the agent's ticket
	 * is checked, by agent peer ID. Each carries the placeholder (nothing leaves the machine) and
	 * our ticket, and the agent answers only once it has verified us; so the call is connected
	 * by the time the customer shares, instead of setting up while the capture starts. A call is
	 * adopted when its agent checks out, and closed when it does not.
	 */
	#earlyCalls = new Map<string, MediaLink>();

	#placeEarlyCall(remote: string) {
		if (this.options.role !== 'customer' || !this.#link || this.#peers.has(remote)) return;
		const existing = this.#earlyCalls.get(remote);
		if (existing && !existing.closed) return;
		const stream = this.#placeholderStream();
		if (!stream) return;
		const call = this.#link.call(remote, stream, { ticket: this.options.ticket, kind: 'screen' });
		this.#earlyCalls.set(remote, call);
		call.onClose(() => {
			if (this.#earlyCalls.get(remote) === call) this.#earlyCalls.delete(remote);
		});
	}

	#dropEarlyCall(remote: string) {
		const call = this.#earlyCalls.get(remote);
		this.#earlyCalls.delete(remote);
		call?.close();
	}

	/**
	 * Asks the browser for the screen (needs the user's click) and sends it to every agent,
	 * reusing existing calls so a restart swaps the track without renegotiating.
	 */
	async shareScreen(captured?: MediaStream): Promise<ShareResult> {
		if (this.session.state.status === 'ended') return { ok: false, error: 'ended' };
		if (!captured && !navigator.mediaDevices?.getDisplayMedia) {
			const reason = window.isSecureContext ? 'unsupported' : 'insecure';
			if (this.options.role === 'customer') this.session.shareDeclined(reason);
			this.#changed();
			return { ok: false, error: 'unsupported', reason };
		}
		let stream: MediaStream;
		try {
			// An unattended device shares the capture it was given when it went available.
			stream =
				captured ??
				(await navigator.mediaDevices.getDisplayMedia({
					video: { width: { max: 1920 }, height: { max: 1080 }, frameRate: { ideal: 30, max: 30 } },
					audio: false
				}));
		} catch (error) {
			// The customer's Cancel, or the computer refusing: the agent is told which.
			const reason = classifyCaptureError(error, { secureContext: window.isSecureContext });
			if (this.options.role === 'customer') this.session.shareDeclined(reason);
			this.#changed();
			return { ok: false, error: 'declined', reason };
		}
		const track = stream.getVideoTracks()[0];
		if (track) {
			track.contentHint = 'detail';
			// The browser's own "Stop sharing" bar ends the track; our button stops it ourselves.
			track.addEventListener('ended', () => {
				if (this.#screen === stream) void this.stopSharing();
			});
		}
		const result =
			this.options.role === 'customer'
				? this.session.shareStarted()
				: this.session.agentShareStarted();
		if (!result.ok) {
			stream.getTracks().forEach((t) => t.stop());
			return result;
		}
		this.#screen = stream;
		for (const peer of this.#peers.values()) this.#callWithScreen(peer);
		this.#followPathWhileSharing();
		this.#changed();
		return { ok: true };
	}

	async stopSharing(): Promise<void> {
		const stream = this.#screen;
		if (!stream) return;
		this.#screen = null;
		this.#followPathWhileSharing();
		stream.getTracks().forEach((t) => t.stop());
		for (const peer of this.#peers.values()) {
			if (peer.outgoingCall && !peer.outgoingCall.closed)
				await peer.outgoingCall.replaceVideoTrack(null);
		}
		if (this.options.role === 'customer') this.session.shareStopped();
		else {
			this.session.agentShareStopped();
			// The customer's viewer closes with the call; a new share makes a new call.
			for (const peer of this.#peers.values()) {
				peer.outgoingCall?.close();
				peer.outgoingCall = null;
			}
		}
		this.#changed();
	}

	async end(reason: EndReason): Promise<void> {
		if (this.session.state.status === 'ended') return;
		this.#endingLocally = true;
		this.session.end(reason);
		await this.#endTask;
	}

	#endingLocally = false;
	#endTask: Promise<void> = Promise.resolve();
	#ended = false;
	async #afterEnd(reason: EndReason, local: boolean) {
		if (this.#ended) return;
		this.#ended = true;
		this.#placeholder?.getTracks().forEach((t) => t.stop());
		this.#screen?.getTracks().forEach((t) => t.stop());
		this.#screen = null;
		this.#remoteStream = null;
		this.#remoteAgentStream = null;
		for (const peer of this.#peers.values()) peer.outgoingCall?.close();
		for (const remote of [...this.#earlyCalls.keys()]) this.#dropEarlyCall(remote);
		this.#peers.clear();
		for (const peerId of [...this.#files.keys()]) this.#setFiles(peerId, null);
		if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
		if (this.#refreshTimer) clearInterval(this.#refreshTimer);
		if (this.#giveUpTimer) clearInterval(this.#giveUpTimer);
		if (this.#encodingTimer) clearInterval(this.#encodingTimer);
		this.#lostSince = null;
		this.#changed();
		try {
			if (local) await this.options.server.end(reason);
		} finally {
			// Give the 'end' message a moment on the wire before the connections go.
			setTimeout(() => this.#link?.destroy(), local ? 300 : 0);
		}
	}

	/**
	 * This agent leaves a session that goes on (others remain, or it was handed over): the
	 * peers are told ('end' from one agent of several only removes that agent), nothing more.
	 */
	async leave(): Promise<void> {
		if (this.session.state.status === 'ended') return;
		this.#endingLocally = false;
		this.session.end('agent');
		await this.#endTask;
	}

	/** Closes everything without ending the session (page unload). */
	dispose() {
		if (this.#refreshTimer) clearInterval(this.#refreshTimer);
		if (this.#giveUpTimer) clearInterval(this.#giveUpTimer);
		this.#link?.destroy();
	}
}
