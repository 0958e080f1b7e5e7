/**
 * One browser's side of a support session: joins signaling with the server's ticket, checks
 * every other peer's ticket before answering it, carries the screen over media calls and hands
 * verified control channels to the core `SupportSession`. Plain TypeScript (browser APIs, no
 * runes): the Svelte view in `session-view.svelte.ts` renders it.
 */
import type { EndReason, Features, Role } from '$lib/session/protocol';
import { SupportSession } from '$lib/session/session';
import { verifyTicket, type TicketClaims } from '$lib/session/ticket';
import type { MessageChannel } from '$lib/session/transport';
import {
	MediaLink,
	PeerLink,
	type IncomingCall,
	type IncomingData,
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
	features: Features;
	/** Peers to contact at start: the agents (customer side) or the customer (agent side). */
	contacts: string[];
	/** How often the ticket is traded for a fresh one (and the session's liveness checked). */
	ticketRefreshMs?: number;
	/** Called once the session ends here, to tell the server (revokes the tickets). */
	notifyServerOfEnd?: (reason: EndReason) => Promise<void>;
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

function isHandshake(data: unknown): data is Handshake {
	return (
		!!data &&
		typeof data === 'object' &&
		(data as Handshake).type === 'ticket' &&
		typeof (data as Handshake).ticket === 'string'
	);
}

export type ShareResult = { ok: true } | { ok: false; error: 'declined' | 'unsupported' | string };

export class SupportClient {
	readonly options: SupportClientOptions;
	readonly session: SupportSession;
	#link: PeerLink | null = null;
	#peers = new Map<string, VerifiedPeer>();
	#screen: MediaStream | null = null;
	#remoteStream: MediaStream | null = null;
	#remoteAgentStream: MediaStream | null = null;
	#signaling: SignalingState = 'connecting';
	#error: string | null = null;
	#changeHandlers = new Set<() => void>();
	#refusedPeers = 0;
	#ticketKey: CryptoKey | null = null;

	constructor(options: SupportClientOptions) {
		this.options = options;
		this.session = new SupportSession({
			role: options.role,
			name: options.name,
			features: options.features
		});
		this.session.on('change', () => this.#changed());
		// The core emits 'ended' synchronously from end(): whether it ended here is known then.
		this.session.on('ended', (reason) => {
			this.#ending = this.#afterEnd(reason, this.#endingHere);
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
	get error() {
		return this.#error;
	}
	get refusedPeers() {
		return this.#refusedPeers;
	}
	get verifiedPeers(): { peerId: string; name: string; role: Role }[] {
		return [...this.#peers.values()].map((p) => ({
			peerId: p.peerId,
			name: p.claims.name,
			role: p.claims.role
		}));
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
				iceServers: this.options.iceServers
			});
		} catch (error) {
			this.#signaling = 'offline';
			this.#error = `Could not reach the signaling server (${(error as Error).message ?? error}).`;
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
			this.options.ticketRefreshMs ?? 20_000
		);
	}

	#refreshTimer: ReturnType<typeof setInterval> | null = null;

	/**
	 * Trades the ticket for a fresh one. The server answers 410 once the session has ended
	 * (ended elsewhere, the agent was disabled, …): then it ends here too.
	 */
	async refreshTicket(): Promise<void> {
		if (this.session.state.status === 'ended') return;
		let response: Response;
		try {
			response = await fetch('/api/tickets/refresh', {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ ticket: this.options.ticket })
			});
		} catch {
			return; // Server unreachable: the peer-to-peer session goes on; try again later.
		}
		if (response.status === 410) {
			const body = (await response.json().catch(() => ({}))) as { reason?: EndReason };
			const reason: EndReason =
				body.reason ?? (this.options.role === 'customer' ? 'agent' : 'customer');
			this.session.end(reason);
			await this.#afterEnd(reason, false);
			return;
		}
		if (!response.ok) return;
		const body = (await response.json()) as { ticket: string };
		this.options.ticket = body.ticket;
		this.#link?.reconnect(body.ticket);
	}

	#reconnectTimer: ReturnType<typeof setTimeout> | null = null;
	#reconnectDelay = 500;
	#scheduleReconnect() {
		if (this.#reconnectTimer) return;
		this.#reconnectTimer = setTimeout(() => {
			this.#reconnectTimer = null;
			if (this.session.state.status === 'ended' || this.#signaling === 'online') return;
			this.#link?.reconnect();
			this.#reconnectDelay = Math.min(this.#reconnectDelay * 2, 10_000);
			this.#scheduleReconnect();
		}, this.#reconnectDelay);
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
		const check = await verifyTicket(ticket, await this.#key(), {
			sessionId: this.options.sessionId,
			peerId,
			role: this.counterpartRole
		});
		if (check.ok) return check.claims;
		this.#refusedPeers++;
		this.#changed();
		return null;
	}

	/** Opens a control channel to a peer and checks its ticket (sent back as its first message). */
	async connectTo(remote: string): Promise<void> {
		if (!this.#link || this.session.state.status === 'ended') return;
		let channel: MessageChannel;
		try {
			channel = await this.#link.connectControl(remote, { ticket: this.options.ticket });
		} catch {
			return; // The other side is not there yet; it will contact us when it arrives.
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
			channel.close();
			return;
		}
		this.#adopt(remote, claims, channel, this.options.peerId);
	}

	async #onIncomingData(incoming: IncomingData) {
		const ticket = (incoming.metadata as { ticket?: unknown } | null)?.ticket;
		const claims = await this.#verify(ticket, incoming.peer);
		if (!claims || this.session.state.status === 'ended') {
			incoming.reject();
			return;
		}
		if (incoming.label !== 'control') {
			// File channels arrive in a later issue's code path; refuse what we do not handle.
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

	#adopt(peerId: string, claims: TicketClaims, channel: MessageChannel, initiator: string) {
		const existing = this.#peers.get(peerId);
		if (existing && existing.channel.open) {
			// Two channels to one peer (both opened at once, or a reload): both sides keep the same
			// one — the newest from the same initiator, else the one the smaller peer ID opened.
			const keepNew = existing.initiator === initiator || initiator < existing.initiator;
			if (!keepNew) {
				channel.close();
				return;
			}
			this.#peers.delete(peerId);
			existing.outgoingCall?.close();
			existing.channel.close();
			this.session.removePeer(peerId);
		}
		const peer: VerifiedPeer = { peerId, claims, channel, initiator, outgoingCall: null };
		this.#peers.set(peerId, peer);
		channel.onClose(() => {
			if (this.#peers.get(peerId) === peer) {
				this.#peers.delete(peerId);
				peer.outgoingCall?.close();
				this.#changed();
			}
		});
		this.session.addPeer(peerId, claims.role, channel);
		if (this.#screen) this.#callWithScreen(peer);
		this.#changed();
	}

	async #onIncomingCall(incoming: IncomingCall) {
		const metadata = incoming.metadata as { ticket?: unknown; kind?: unknown } | null;
		const claims = await this.#verify(metadata?.ticket, incoming.peer);
		// Only a peer we already talk to, in the role that may send this kind of screen.
		const known = this.#peers.has(incoming.peer);
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
		link.onStream((stream) => {
			if (kind === 'screen') this.#remoteStream = stream;
			else this.#remoteAgentStream = stream;
			this.#changed();
		});
		link.onClose(() => {
			if (kind === 'screen') this.#remoteStream = null;
			else this.#remoteAgentStream = null;
			this.#changed();
		});
	}

	#callWithScreen(peer: VerifiedPeer) {
		if (!this.#link || !this.#screen) return;
		const kind = this.options.role === 'customer' ? 'screen' : 'agent-screen';
		if (peer.outgoingCall && !peer.outgoingCall.closed) {
			void peer.outgoingCall.replaceVideoTrack(this.#screen.getVideoTracks()[0] ?? null);
			return;
		}
		peer.outgoingCall = this.#link.call(peer.peerId, this.#screen, {
			ticket: this.options.ticket,
			kind
		});
	}

	/**
	 * Asks the browser for the screen (needs the user's click) and sends it to every agent,
	 * reusing existing calls so a restart swaps the track without renegotiating.
	 */
	async shareScreen(): Promise<ShareResult> {
		if (this.session.state.status === 'ended') return { ok: false, error: 'ended' };
		if (!navigator.mediaDevices?.getDisplayMedia) return { ok: false, error: 'unsupported' };
		let stream: MediaStream;
		try {
			stream = await navigator.mediaDevices.getDisplayMedia({
				video: { width: { ideal: 1920 }, height: { ideal: 1080 }, frameRate: { ideal: 30 } },
				audio: false
			});
		} catch {
			if (this.options.role === 'customer') this.session.shareDeclined();
			this.#changed();
			return { ok: false, error: 'declined' };
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
		this.#changed();
		return { ok: true };
	}

	async stopSharing(): Promise<void> {
		const stream = this.#screen;
		if (!stream) return;
		this.#screen = null;
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

	#endingHere = false;
	#ending: Promise<void> = Promise.resolve();

	async end(reason: EndReason): Promise<void> {
		if (this.session.state.status === 'ended') return;
		this.#endingHere = true;
		this.session.end(reason);
		await this.#ending;
	}

	#ended = false;
	async #afterEnd(reason: EndReason, local: boolean) {
		if (this.#ended) return;
		this.#ended = true;
		this.#screen?.getTracks().forEach((t) => t.stop());
		this.#screen = null;
		this.#remoteStream = null;
		this.#remoteAgentStream = null;
		for (const peer of this.#peers.values()) peer.outgoingCall?.close();
		this.#peers.clear();
		if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
		if (this.#refreshTimer) clearInterval(this.#refreshTimer);
		this.#changed();
		try {
			if (local) await this.options.notifyServerOfEnd?.(reason);
		} finally {
			// Give the 'end' message a moment on the wire before the connections go.
			setTimeout(() => this.#link?.destroy(), local ? 300 : 0);
		}
	}

	/** Closes everything without ending the session (page unload). */
	dispose() {
		if (this.#refreshTimer) clearInterval(this.#refreshTimer);
		this.#link?.destroy();
	}
}
