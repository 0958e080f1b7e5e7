/**
 * One peer's view of a support session: drives the state machine from local actions and from
 * validated peer messages, and keeps the chat. Media and signaling are the adapter's job.
 *
 * Topology: every agent has a channel to the customer; agents may also be linked to each other
 * (then chat reaches every agent directly). The customer is the authority on its screen share
 * and tells every agent about each change.
 *
 * Reliable delivery (wire format in protocol.ts, seq/outbox/ack/epoch in reliable-delivery.ts):
 * chat and state-bearing control messages carry a seq and stay in the peer's outbox until it
 * acknowledges them. When the adapter adds the same
 * peerId again (a reconnect), the outbox is re-sent in order right after our hello, and only
 * then the current screen state; the receiver drops what it already applied. The first hello
 * on a channel is answered, once, with our hello and outbox again: what we said before the peer
 * listened is not lost. Chat written while the peers are away is queued in their outboxes.
 * State changes made while a peer is away are not queued: the snapshot sent on reconnect
 * covers them.
 */
import { ChatLog, validateChatText, type ChatMessage } from './chat';
import {
	INITIAL_STATE,
	SCREEN_REQUEST_INTERVAL_MS,
	transition,
	type SessionEvent,
	type SessionState
} from './machine';
import {
	isSequenced,
	normalizeName,
	parsePeerMessage,
	type EndReason,
	type Features,
	type PeerMessage,
	type Role,
	type ScreenMode,
	type SequencedMessage
} from './protocol';
import { Emitter } from './emitter';
import { ReliableDelivery, type SentMessage, type Unsequenced } from './reliable-delivery';
import type { MessageChannel } from './transport';
import type { CaptureFailure } from './capture-failure';
import { VoiceCall } from './voice';
import { CameraShare } from './camera';
import { AnnotationBoard } from './annotation';
import type { PartContext, PartMessage, SessionPart } from './session-part';
import { RecordingStatus } from './recording/status';

/** The customer allows this much network jitter when checking the agents' request interval. */
export const REQUEST_JITTER_TOLERANCE_MS = 2_000;

/** Unacknowledged messages kept per peer; beyond this the oldest are dropped ('outbox-overflow'). */
export const OUTBOX_LIMIT = 500;

export interface SupportSessionOptions {
	role: Role;
	name: string;
	features: Features;
	now?: () => number;
	/** Defaults to crypto.randomUUID. */
	newId?: () => string;
	/** Defaults to OUTBOX_LIMIT. */
	outboxLimit?: number;
}

export interface SessionPeer {
	peerId: string;
	/** From the peer's hello; null until it arrives. */
	name: string | null;
	role: Role;
}

export type ActionResult = { ok: true } | { ok: false; error: string };

export type SendChatResult =
	| { ok: true; message: ChatMessage }
	| { ok: false; error: 'empty' | 'too-long' | 'ended' | 'no-peer' };

export interface RejectedMessage {
	peerId: string;
	error: string;
}

/** A peer's outbox was full: its oldest unacknowledged messages were dropped, never to be sent. */
export interface OutboxOverflow {
	peerId: string;
	dropped: number;
	/** The dropped chat messages (they may still reach other peers). */
	chatIds: string[];
}

interface SessionEvents {
	change: [];
	chat: [message: ChatMessage];
	'screen-request': [fromName: string];
	'request-answer': [accepted: boolean];
	/** Customer side: an agent chose how our screen is encoded for it. */
	'screen-mode': [peerId: string, mode: ScreenMode];
	ended: [reason: EndReason];
	rejected: [info: RejectedMessage];
	'outbox-overflow': [info: OutboxOverflow];
}

interface ConnectedPeer {
	peerId: string;
	role: Role;
	name: string | null;
	channel: MessageChannel;
	unsubscribe: () => void;
	/** The first seq (re)sent on this channel: an ack on it covers only what came after. */
	sentFrom: number;
	/** Whether its hello has arrived on this channel (it always comes first). */
	helloReceived: boolean;
}

const OK: ActionResult = Object.freeze({ ok: true });

export class SupportSession {
	readonly #role: Role;
	readonly #name: string;
	readonly #features: Features;
	readonly #now: () => number;
	readonly #newId: () => string;
	/** Seq, outboxes and acks: a peer has an outbox from addPeer until forgetPeer or the end. */
	readonly #delivery: ReliableDelivery;
	/** Our chat messages no peer has acknowledged yet: id -> seq, in seq order. */
	readonly #pendingChats = new Map<string, number>();
	#state: SessionState = INITIAL_STATE;
	/** Why the customer's screen is 'declined': their Cancel, or the computer refusing. */
	#captureFailure: CaptureFailure | null = null;
	readonly #chat = new ChatLog();
	readonly #peers = new Map<string, ConnectedPeer>();
	#peerList: readonly SessionPeer[] = Object.freeze([]);
	/** Customer side: which agent's screen we are shown, so only it (or its leaving) stops it. */
	#sharingAgentId: string | null = null;
	#screenMode: ScreenMode = 'sharp';
	// A failing UI handler must not leave the session half-updated; it is reported anyway.
	readonly #events = new Emitter<SessionEvents>();
	/** The parts that own a feature's messages (voice, camera, annotation), by message type. */
	readonly #parts = new Map<string, SessionPart>();
	readonly #allParts: SessionPart[] = [];
	/** The session's voice call. */
	readonly voice: VoiceCall;
	/** The customer's camera share. */
	readonly camera: CameraShare;
	/** The agent's "look here" annotation, as both sides see it. */
	readonly annotation: AnnotationBoard;
	/** Whether the session is recorded now, and whether the customer was told. */
	readonly recording: RecordingStatus;

	constructor(options: SupportSessionOptions) {
		this.#role = options.role;
		this.#name = normalizeName(options.name, options.role);
		this.#features = { ...options.features };
		this.#now = options.now ?? Date.now;
		this.#newId = options.newId ?? (() => crypto.randomUUID());
		this.#delivery = new ReliableDelivery(options.outboxLimit ?? OUTBOX_LIMIT);
		this.voice = this.#attach(new VoiceCall(this.#partContext()));
		this.camera = this.#attach(new CameraShare(this.#partContext()));
		this.annotation = this.#attach(new AnnotationBoard(this.#partContext()));
		this.recording = this.#attach(new RecordingStatus(this.#partContext()));
	}

	#attach<P extends SessionPart>(part: P): P {
		for (const type of part.handles) this.#parts.set(type, part);
		this.#allParts.push(part);
		return part;
	}

	/** What a part may use of the session: its peers, the reliable sender, the clock. */
	#partContext(): PartContext {
		return {
			role: this.#role,
			name: this.#name,
			features: this.#features,
			now: this.#now,
			newId: this.#newId,
			peers: () =>
				[...this.#peers.values()]
					.filter((peer) => peer.channel.open)
					.map((peer) => ({ peerId: peer.peerId, name: peer.name, role: peer.role })),
			send: (peerIds, message) => {
				if (this.#state.status === 'ended') return;
				const peers = peerIds.flatMap((id) => {
					const peer = this.#peers.get(id);
					return peer && peer.channel.open ? [peer] : [];
				});
				this.#sendReliable(peers, message);
			},
			ended: () => this.#state.status === 'ended',
			changed: () => this.#emit('change')
		};
	}

	get state(): SessionState {
		return this.#state;
	}

	/** While the screen is 'declined': why ('cancelled' is the customer's own choice). */
	get captureFailure(): CaptureFailure | null {
		return this.#state.screen === 'declined' ? this.#captureFailure : null;
	}

	get chat(): ChatLog {
		return this.#chat;
	}

	get peers(): readonly SessionPeer[] {
		return this.#peerList;
	}

	get role(): Role {
		return this.#role;
	}

	/** Our display name as sent to peers (normalized). */
	get name(): string {
		return this.#name;
	}

	/** This session instance's id, sent in our hello. */
	get epoch(): string {
		return this.#delivery.epoch;
	}

	/** How many of our messages the peer has not acknowledged yet (0 for an unknown peer). */
	outboxSize(peerId: string): number {
		return this.#delivery.outboxSize(peerId);
	}

	/**
	 * Adds a peer whose server ticket the caller has already verified. The same peerId again
	 * (a reconnect, with or without removePeer in between) replaces the old channel and re-sends
	 * what the peer has not acknowledged, in order, after our hello.
	 */
	addPeer(peerId: string, role: Role, channel: MessageChannel): void {
		if (this.#state.status === 'ended' || !channel.open) {
			// Once ended, no one may reach this session again.
			channel.close();
			return;
		}
		const refusal = this.#refusePeer(peerId, role);
		if (refusal) {
			this.#emit('rejected', { peerId, error: refusal });
			channel.close();
			return;
		}
		const previous = this.#peers.get(peerId);
		if (previous) this.#detach(previous);

		const sentFrom = this.#delivery.open(peerId);
		const peer: ConnectedPeer = {
			peerId,
			role,
			name: previous?.name ?? null,
			channel,
			unsubscribe: () => {},
			sentFrom,
			helloReceived: false
		};
		const stopClose = channel.onClose(() => {
			if (this.#peers.get(peerId) === peer) this.removePeer(peerId);
		});
		peer.unsubscribe = stopClose;
		this.#peers.set(peerId, peer);
		this.#apply({ type: 'peer-connected' });
		this.#updatePeerList();

		this.#sendHelloAndOutbox(peer);
		// The current state last: it supersedes anything older re-sent above.
		if (this.#role === 'customer' && role === 'agent') {
			this.#sendReliable([peer], { type: 'screen-sync', state: this.#state.screen });
		}
		if (this.#role === 'agent' && role === 'customer' && this.#state.agentScreen === 'sharing') {
			this.#sendReliable([peer], { type: 'agent-screen-state', state: 'sharing' });
		}
		if (this.#role === 'agent' && role === 'customer' && this.#screenMode !== 'sharp') {
			this.#sendReliable([peer], { type: 'screen-mode', mode: this.#screenMode });
		}
		for (const part of this.#allParts) {
			part.peerConnected?.({ peerId, name: peer.name, role });
		}
		// Listening last: a channel that hands over what it buffered at once still sees our hello
		// go out first.
		if (this.#peers.get(peerId) === peer) {
			const stopMessages = channel.onMessage((data) => this.#receive(peer, data));
			peer.unsubscribe = () => {
				stopMessages();
				stopClose();
			};
		}
		this.#emit('change');
	}

	/**
	 * Detaches a peer and closes its channel (also done when the channel closes). Never ends.
	 * Its outbox stays for a reconnect (forgetPeer drops it).
	 */
	removePeer(peerId: string): void {
		const peer = this.#peers.get(peerId);
		if (!peer) return;
		this.#detach(peer);
		if (this.#sharingAgentId === peerId) {
			this.#sharingAgentId = null;
			this.#apply({ type: 'agent-share-stopped' });
		}
		if (peer.name !== null) this.#addSystemMessage('left', peer.name);
		for (const part of this.#allParts) part.peerDisconnected?.(peerId);
		this.#updatePeerList();
		this.#emit('change');
	}

	/**
	 * Sends to every connected peer and queues for every peer that is reconnecting; 'no-peer'
	 * only if no peer was ever added (or all were forgotten). The message is `pending` in our log
	 * until a peer acknowledges it.
	 */
	sendChat(text: string): SendChatResult {
		if (this.#state.status === 'ended') return { ok: false, error: 'ended' };
		const checked = validateChatText(text);
		if (!checked.ok) return checked;
		const peerIds = this.#delivery.peerIds();
		if (peerIds.length === 0) return { ok: false, error: 'no-peer' };

		const message: ChatMessage = {
			id: this.#newId(),
			name: this.#name,
			role: this.#role,
			text: checked.text,
			sentAt: this.#now(),
			mine: true,
			pending: true
		};
		// In the log before sending: an ack can only clear what is already there.
		this.#chat.add(message);
		const wire = this.#delivery.sequence({
			type: 'chat',
			id: message.id,
			name: message.name,
			text: message.text,
			sentAt: message.sentAt
		});
		this.#pendingChats.set(message.id, wire.seq);
		for (const peerId of peerIds) {
			this.#enqueue(peerId, wire);
			const peer = this.#peers.get(peerId);
			if (peer) this.#send(peer, wire);
		}
		this.#emit('change');
		return { ok: true, message };
	}

	/**
	 * A peer gone for good (it ended its part, or the adapter gave up on it): drops its outbox,
	 * so nothing more is queued for it, and removes it if it is still connected.
	 */
	forgetPeer(peerId: string): void {
		this.#delivery.forget(peerId);
		this.removePeer(peerId);
		for (const part of this.#allParts) part.peerForgotten?.(peerId);
	}

	// Customer actions. The UI calls these after getDisplayMedia resolves, rejects or ends.

	shareStarted(): ActionResult {
		return this.#customerAction(
			{ type: 'share-started' },
			{ type: 'screen-state', state: 'sharing' }
		);
	}

	shareStopped(): ActionResult {
		return this.#customerAction(
			{ type: 'share-stopped' },
			{ type: 'screen-state', state: 'stopped' }
		);
	}

	/**
	 * The customer cancelled the screen picker, or their computer refused the capture (`reason`):
	 * the agents are told which.
	 */
	shareDeclined(reason: CaptureFailure = 'cancelled'): ActionResult {
		const previous = this.#captureFailure;
		this.#captureFailure = reason;
		const result = this.#customerAction(
			{ type: 'share-declined' },
			reason === 'cancelled'
				? { type: 'screen-state', state: 'declined' }
				: { type: 'screen-state', state: 'declined', reason }
		);
		if (!result.ok) this.#captureFailure = previous;
		return result;
	}

	/** Yes: the UI then calls getDisplayMedia and shareStarted() or shareDeclined(). */
	answerScreenRequest(accepted: boolean): ActionResult {
		return this.#customerAction(
			{ type: 'request-answered', accepted },
			{ type: 'screen-request-answer', accepted }
		);
	}

	// Agent actions.

	requestScreen(): ActionResult {
		if (this.#role !== 'agent') return { ok: false, error: 'wrong-role' };
		if (this.#state.status === 'ended') return { ok: false, error: 'ended' };
		const customers = this.#openPeers('customer');
		if (customers.length === 0) return { ok: false, error: 'no-customer' };
		const result = this.#apply({ type: 'screen-requested', at: this.#now() });
		if (!result.ok) return result;
		this.#sendReliable(customers, { type: 'screen-request' });
		this.#emit('change');
		return OK;
	}

	agentShareStarted(): ActionResult {
		if (this.#role !== 'agent') return { ok: false, error: 'wrong-role' };
		if (this.#state.status === 'ended') return { ok: false, error: 'ended' };
		if (!this.#features.agentScreenShare) return { ok: false, error: 'feature-disabled' };
		return this.#agentShareAction({ type: 'agent-share-started' }, 'sharing');
	}

	agentShareStopped(): ActionResult {
		if (this.#role !== 'agent') return { ok: false, error: 'wrong-role' };
		return this.#agentShareAction({ type: 'agent-share-stopped' }, 'stopped');
	}

	/** How this agent wants the customer's screen encoded ('sharp' until it says otherwise). */
	get screenMode(): ScreenMode {
		return this.#screenMode;
	}

	/** Tells the customer (now, and whenever it connects again) how to encode our view. */
	setScreenMode(mode: ScreenMode): ActionResult {
		if (this.#role !== 'agent') return { ok: false, error: 'wrong-role' };
		if (this.#state.status === 'ended') return { ok: false, error: 'ended' };
		if (mode === this.#screenMode) return OK;
		this.#screenMode = mode;
		this.#sendReliable(this.#openPeers('customer'), { type: 'screen-mode', mode });
		this.#emit('change');
		return OK;
	}

	/** Tells every peer, closes every channel. Idempotent. */
	end(reason: EndReason): void {
		if (this.#state.status === 'ended') return;
		for (const peer of this.#peers.values()) this.#send(peer, { type: 'end', reason });
		this.#finish(reason);
	}

	on<K extends keyof SessionEvents>(
		event: K,
		handler: (...args: SessionEvents[K]) => void
	): () => void {
		return this.#events.on(event, handler);
	}

	#emit<K extends keyof SessionEvents>(event: K, ...args: SessionEvents[K]): void {
		this.#events.emit(event, ...args);
	}

	#refusePeer(peerId: string, role: Role): string | null {
		const others = [...this.#peers.values()].filter((peer) => peer.peerId !== peerId);
		if (this.#role === 'customer' && role === 'customer') return 'wrong-role';
		if (role === 'customer' && others.some((peer) => peer.role === 'customer')) {
			return 'one-customer';
		}
		if (role === 'agent' && !this.#features.multiAgent) {
			const agentsPresent = others.some((peer) => peer.role === 'agent');
			if (agentsPresent || this.#role === 'agent') return 'multi-agent-disabled';
		}
		return null;
	}

	#detach(peer: ConnectedPeer): void {
		peer.unsubscribe();
		this.#peers.delete(peer.peerId);
		if (peer.channel.open) peer.channel.close();
	}

	#openPeers(role: Role): ConnectedPeer[] {
		return [...this.#peers.values()].filter((peer) => peer.role === role && peer.channel.open);
	}

	#send(peer: ConnectedPeer, message: PeerMessage): void {
		if (!peer.channel.open) return;
		try {
			peer.channel.send(message);
		} catch {
			// The channel is closing; its close handler removes the peer.
		}
	}

	/** Sends one sequenced message to these peers and keeps it until each acknowledges it. */
	#sendReliable(peers: ConnectedPeer[], message: Unsequenced<SequencedMessage>): void {
		if (peers.length === 0) return;
		const sequenced = this.#delivery.sequence(message);
		for (const peer of peers) {
			this.#enqueue(peer.peerId, sequenced);
			this.#send(peer, sequenced);
		}
	}

	#enqueue(peerId: string, message: SentMessage): void {
		const dropped = this.#delivery.enqueue(peerId, message);
		if (dropped.length === 0) return;
		this.#emit('outbox-overflow', {
			peerId,
			dropped: dropped.length,
			chatIds: dropped.flatMap((old) => (old.type === 'chat' ? [old.id] : []))
		});
	}

	#broadcastToAgents(message: Unsequenced<SequencedMessage>): void {
		this.#sendReliable(this.#openPeers('agent'), message);
	}

	#apply(
		event: SessionEvent,
		minRequestIntervalMs?: number
	): { ok: true } | { ok: false; error: string } {
		const result = transition(this.#state, event, { minRequestIntervalMs });
		if (!result.ok) return result;
		this.#state = result.state;
		return OK;
	}

	#customerAction(event: SessionEvent, message: Unsequenced<SequencedMessage>): ActionResult {
		if (this.#role !== 'customer') return { ok: false, error: 'wrong-role' };
		const result = this.#apply(event);
		if (!result.ok) return result;
		this.#broadcastToAgents(message);
		this.#emit('change');
		return OK;
	}

	#agentShareAction(event: SessionEvent, state: 'sharing' | 'stopped'): ActionResult {
		const result = this.#apply(event);
		if (!result.ok) return result;
		this.#sendReliable(this.#openPeers('customer'), { type: 'agent-screen-state', state });
		this.#emit('change');
		return OK;
	}

	#finish(reason: EndReason): void {
		this.#apply({ type: 'ended', reason });
		for (const part of this.#allParts) part.ended?.();
		for (const peer of [...this.#peers.values()]) this.#detach(peer);
		this.#delivery.clear();
		this.#pendingChats.clear();
		this.#sharingAgentId = null;
		this.#updatePeerList();
		this.#emit('ended', reason);
		this.#emit('change');
	}

	#updatePeerList(): void {
		this.#peerList = Object.freeze(
			[...this.#peers.values()].map((peer) =>
				Object.freeze({ peerId: peer.peerId, name: peer.name, role: peer.role })
			)
		);
	}

	#addSystemMessage(event: 'joined' | 'left', name: string): void {
		this.#chat.add({
			id: `system-${this.#newId()}`,
			name,
			role: 'system',
			event,
			text: event === 'joined' ? `${name} joined` : `${name} left`,
			sentAt: this.#now(),
			mine: false
		});
	}

	#reject(peer: ConnectedPeer, error: string): void {
		this.#emit('rejected', { peerId: peer.peerId, error });
	}

	#receive(peer: ConnectedPeer, data: unknown): void {
		// Late deliveries to a replaced or removed peer, or after the end, are ignored.
		if (this.#state.status === 'ended' || this.#peers.get(peer.peerId) !== peer) return;
		const parsed = parsePeerMessage(data, {
			from: peer.role,
			to: this.#role,
			features: this.#features
		});
		if (!parsed.ok) return this.#reject(peer, parsed.error);
		const message = parsed.message;
		if (message.type === 'hello') {
			const first = !peer.helloReceived;
			peer.helloReceived = true;
			this.#receiveHello(peer, message.name, message.epoch);
			// Our own hello and what followed it may have reached the peer before it listened (its
			// adapter was still checking our ticket): say it all again, once per channel. Anything
			// it already has is dropped there by seq.
			if (first && this.#peers.get(peer.peerId) === peer) this.#sendHelloAndOutbox(peer);
			return;
		}
		if (!isSequenced(message) || message.seq === undefined) return this.#handle(peer, message);
		// Before its hello we cannot tell which instance sent it (its hello was lost the same
		// way); its answer to our hello re-sends it.
		if (!peer.helloReceived) return;

		// Already applied (a re-send after a reconnect): acknowledged again, not applied again.
		if (this.#delivery.receive(peer.peerId, message.seq)) this.#handle(peer, message);
		if (this.#peers.get(peer.peerId) === peer) {
			this.#send(peer, { type: 'ack', seq: this.#delivery.applied(peer.peerId) });
		}
	}

	#sendHelloAndOutbox(peer: ConnectedPeer): void {
		const epoch = this.#delivery.epoch;
		this.#send(peer, { type: 'hello', name: this.#name, role: this.#role, epoch });
		for (const message of this.#delivery.outbox(peer.peerId)) this.#send(peer, message);
	}

	#handle(peer: ConnectedPeer, message: Exclude<PeerMessage, { type: 'hello' }>): void {
		switch (message.type) {
			case 'ack':
				return this.#receiveAck(peer, message.seq);
			case 'chat':
				return this.#receiveChat(peer, message);
			case 'screen-request':
				return this.#receiveScreenRequest(peer);
			case 'screen-state':
				return this.#receiveScreenState(peer, message.state, message.reason);
			case 'screen-sync':
				this.#applyFromPeer(peer, {
					type: 'screen-synced',
					screen: message.state,
					at: this.#now()
				});
				return;
			case 'screen-request-answer':
				if (this.#applyFromPeer(peer, { type: 'request-answered', accepted: message.accepted })) {
					this.#emit('request-answer', message.accepted);
				}
				return;
			case 'agent-screen-state':
				return this.#receiveAgentScreenState(peer, message.state);
			case 'screen-mode':
				this.#emit('screen-mode', peer.peerId, message.mode);
				return;
			case 'end':
				return this.#receiveEnd(peer, message.reason);
			default:
				return this.#receiveForPart(peer, message);
		}
	}

	#receiveForPart(peer: ConnectedPeer, message: PartMessage): void {
		const part = this.#parts.get(message.type);
		if (!part) return this.#reject(peer, 'unknown-type');
		const error = part.receive({ peerId: peer.peerId, name: peer.name, role: peer.role }, message);
		if (error) this.#reject(peer, error);
	}

	/** Applies an event a peer caused; an illegal one is rejected. True if the state changed. */
	#applyFromPeer(peer: ConnectedPeer, event: SessionEvent, minRequestIntervalMs?: number): boolean {
		const result = this.#apply(event, minRequestIntervalMs);
		if (!result.ok) {
			this.#reject(peer, result.error);
			return false;
		}
		this.#emit('change');
		return true;
	}

	#receiveHello(peer: ConnectedPeer, name: string, epoch: string | undefined): void {
		if (epoch !== undefined && this.#delivery.hello(peer.peerId, epoch)) {
			// A new page instance: what it said before (an annotation, a call) is gone with it.
			for (const part of this.#allParts) part.peerRestarted?.(peer.peerId);
		}
		const firstHello = peer.name === null;
		peer.name = name;
		if (firstHello) this.#addSystemMessage('joined', name);
		this.#updatePeerList();
		this.#emit('change');
	}

	#receiveAck(peer: ConnectedPeer, seq: number): void {
		// Nothing we sent has that seq yet.
		if (!this.#delivery.acknowledge(peer.peerId, seq)) return this.#reject(peer, 'ack-ahead');
		// Chat sent on this channel up to seq has arrived, even if a full outbox let go of it.
		let delivered = false;
		for (const [id, chatSeq] of this.#pendingChats) {
			if (chatSeq > seq) break;
			if (chatSeq < peer.sentFrom) continue;
			this.#pendingChats.delete(id);
			if (this.#chat.markDelivered(id)) delivered = true;
		}
		if (delivered) this.#emit('change');
	}

	#receiveChat(peer: ConnectedPeer, message: Extract<PeerMessage, { type: 'chat' }>): void {
		const chatMessage: ChatMessage = {
			id: message.id,
			name: message.name,
			// The role comes from the verified ticket, never from the message.
			role: peer.role,
			text: message.text,
			sentAt: message.sentAt,
			mine: false
		};
		// A resend after a reconnect is expected: drop it quietly.
		if (!this.#chat.add(chatMessage)) return;
		this.#emit('chat', chatMessage);
		this.#emit('change');
	}

	/** Customer side. */
	#receiveScreenRequest(peer: ConnectedPeer): void {
		const accepted = this.#applyFromPeer(
			peer,
			{ type: 'screen-requested', at: this.#now() },
			SCREEN_REQUEST_INTERVAL_MS - REQUEST_JITTER_TOLERANCE_MS
		);
		if (!accepted) {
			// The agent already thinks it asked: tell it how things really are.
			this.#sendReliable([peer], { type: 'screen-sync', state: this.#state.screen });
			return;
		}
		// Other agents learn a request is pending (and so do not ask again); the asking agent too, as
		// a request re-sent after a reconnect may arrive after our snapshot told it otherwise.
		this.#broadcastToAgents({ type: 'screen-sync', state: 'requested' });
		this.#emit('screen-request', peer.name ?? 'Agent');
	}

	/** Agent side: a change the customer made. */
	#receiveScreenState(
		peer: ConnectedPeer,
		state: 'sharing' | 'stopped' | 'declined',
		reason: CaptureFailure = 'cancelled'
	): void {
		if (state === 'declined' && this.#state.screen === 'declined') {
			// Declined again, maybe for another reason (Cancel, then the system refusing).
			if (reason !== this.#captureFailure) {
				this.#captureFailure = reason;
				this.#emit('change');
			}
			return;
		}
		if (state === this.#state.screen) return;
		if (state === 'declined') {
			const previous = this.#captureFailure;
			this.#captureFailure = reason;
			if (!this.#applyFromPeer(peer, { type: 'share-declined' })) this.#captureFailure = previous;
			return;
		}
		this.#applyFromPeer(peer, { type: state === 'sharing' ? 'share-started' : 'share-stopped' });
	}

	/** Customer side: an agent's own screen, shown to the customer. */
	#receiveAgentScreenState(peer: ConnectedPeer, state: 'sharing' | 'stopped'): void {
		if (state === 'sharing') {
			// The same agent saying so again (it reconnected): nothing changed.
			if (this.#sharingAgentId === peer.peerId) return;
			if (this.#applyFromPeer(peer, { type: 'agent-share-started' })) {
				this.#sharingAgentId = peer.peerId;
			}
			return;
		}
		// Nobody shares (this agent's stop was already applied when it left): nothing to stop.
		if (this.#sharingAgentId === null) return;
		if (this.#sharingAgentId !== peer.peerId) return this.#reject(peer, 'agent-not-sharing');
		this.#sharingAgentId = null;
		this.#applyFromPeer(peer, { type: 'agent-share-stopped' });
	}

	#receiveEnd(peer: ConnectedPeer, reason: EndReason): void {
		// An agent leaving a multi-agent session ends only its own part; the customer's end, or the
		// last agent's, ends the session.
		const othersRemain = [...this.#peers.values()].some(
			(other) => other !== peer && other.role === 'agent'
		);
		const endsSession = peer.role === 'customer' || (this.#role === 'customer' && !othersRemain);
		if (endsSession) this.#finish(reason);
		else this.forgetPeer(peer.peerId);
	}
}
