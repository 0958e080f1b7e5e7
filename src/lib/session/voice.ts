/**
 * The session's voice call, as one peer sees it. Everyone in the session may start it; the
 * others are rung and Answer or Decline; whoever is in hears everyone else who is in (the
 * agents each other too). Each peer says where it stands (`voice-state`: in, out, declined, and
 * muted) to every peer, again whenever a peer connects, so a reconnect or a reload never leaves
 * a stale call behind. Two peers starting at once settle on the smaller call id.
 *
 * This decides the call's state only; the peer client follows it with the microphone (on while
 * we are in, sent to `audiblePeers`).
 */
import { Emitter } from './emitter';
import type { VoiceStatus } from './protocol';
import type { PartContext, PartMessageOf, PartPeer, SessionPart } from './session-part';
import type { ActionResult } from './session';

/**
 * What the page shows: 'idle' (no call), 'ringing' (someone calls us), 'calling' (we are in,
 * nobody else yet), 'connected' (we are in with someone).
 */
export type VoiceCallStatus = 'idle' | 'ringing' | 'calling' | 'connected';

export interface VoiceParticipant {
	peerId: string;
	name: string;
	muted: boolean;
}

export interface VoiceCallState {
	status: VoiceCallStatus;
	/** Our microphone is muted (we still hear the others). */
	muted: boolean;
	/** Who rings us ('ringing'), or who started the call we are in. */
	caller: string | null;
	/** The others in the call with us (or, while ringing, already in it). */
	participants: readonly VoiceParticipant[];
	/** Who declined the call we started or are in. */
	declinedBy: readonly string[];
	/** A call goes on that we declined or left: Start voice joins it. */
	ongoing: boolean;
}

/** What the report and the screen reader hear about, as it happens. */
export type VoiceActivity =
	| { kind: 'started' | 'ended' | 'muted' | 'unmuted'; name: string; mine: boolean }
	| { kind: 'joined' | 'declined' | 'left'; name: string; mine: boolean };

interface PeerVoice {
	call: string | null;
	state: VoiceStatus;
	muted: boolean;
}

const IDLE: VoiceCallState = Object.freeze({
	status: 'idle',
	muted: false,
	caller: null,
	participants: Object.freeze([]),
	declinedBy: Object.freeze([]),
	ongoing: false
});

const OK: ActionResult = Object.freeze({ ok: true });

export class VoiceCall implements SessionPart {
	readonly handles = ['voice-state'] as const;
	readonly events = new Emitter<{ change: []; activity: [activity: VoiceActivity] }>();
	readonly #ctx: PartContext;
	/** The call we are in, ring for, or last knew of. */
	#call: string | null = null;
	#mine: VoiceStatus = 'out';
	#muted = false;
	/** The call we declined (we are not rung for it again). */
	#declined: string | null = null;
	/** Who started the current call (its first peer in, or us). */
	#starter: string | null = null;
	readonly #peers = new Map<string, PeerVoice>();
	#state: VoiceCallState = IDLE;
	/** Someone else was in our call at some point (when all are gone, it is over). */
	#hadCompany = false;

	constructor(ctx: PartContext) {
		this.#ctx = ctx;
	}

	get state(): VoiceCallState {
		return this.#state;
	}

	/** Whether this session has voice at all (the group's setting, in the ticket). */
	get available(): boolean {
		return this.#ctx.features.voice;
	}

	/** We are in the call (the microphone should be on). */
	get joined(): boolean {
		return this.#mine === 'in';
	}

	/** The peers we hear and who hear us: in the same call as we are, connected now. */
	get audiblePeers(): ReadonlySet<string> {
		if (this.#mine !== 'in') return new Set();
		const connected = new Set(this.#ctx.peers().map((p) => p.peerId));
		return new Set(
			[...this.#peers]
				.filter(([id, p]) => connected.has(id) && p.state === 'in' && p.call === this.#call)
				.map(([id]) => id)
		);
	}

	/** Starts a call, or joins the one going on. */
	start(): ActionResult {
		const refused = this.#refusal();
		if (refused) return refused;
		if (this.#mine === 'in') return OK;
		// A call we declined or left earlier is joined, not started again beside it.
		const ongoing = this.#ongoingCall(true);
		if (ongoing) return this.#enter(ongoing, 'joined');
		this.#starter = null;
		return this.#enter(this.#ctx.newId(), 'started');
	}

	/** Answers the call that rings us. */
	answer(): ActionResult {
		const refused = this.#refusal();
		if (refused) return refused;
		const ongoing = this.#ongoingCall();
		if (!ongoing) return { ok: false, error: 'no-call' };
		return this.#enter(ongoing, 'joined');
	}

	/** Declines the call that rings us: we are not rung for it again. */
	decline(): ActionResult {
		const refused = this.#refusal();
		if (refused) return refused;
		const ongoing = this.#ongoingCall();
		if (!ongoing || this.#mine === 'in') return { ok: false, error: 'no-call' };
		this.#call = ongoing;
		this.#declined = ongoing;
		this.#mine = 'declined';
		this.#broadcast();
		this.#activity('declined', this.#ctx.name, true);
		this.#update();
		return OK;
	}

	/** Leaves the call (it goes on for the others, if two remain). */
	hangUp(): ActionResult {
		if (this.#mine !== 'in') return OK;
		this.#leave(true);
		return OK;
	}

	setMuted(muted: boolean): ActionResult {
		if (this.#mine !== 'in') return { ok: false, error: 'not-in-call' };
		if (muted === this.#muted) return OK;
		this.#muted = muted;
		this.#broadcast();
		this.#activity(muted ? 'muted' : 'unmuted', this.#ctx.name, true);
		this.#update();
		return OK;
	}

	receive(from: PartPeer, message: PartMessageOf<'voice-state'>): string | void {
		const previous = this.#peers.get(from.peerId);
		const next: PeerVoice = {
			call: message.call ?? null,
			state: message.state,
			muted: message.muted
		};
		this.#peers.set(from.peerId, next);
		const name = from.name ?? roleName(from.role);
		const sameCall = next.call !== null && next.call === this.#call;
		const wasIn = previous?.state === 'in' && previous.call === this.#call && this.#call !== null;

		if (next.state === 'in' && next.call) {
			if (this.#mine === 'in' && this.#call && next.call !== this.#call) {
				// Two calls started at once: everyone settles on the smaller id.
				if (next.call < this.#call) {
					this.#call = next.call;
					this.#broadcast();
				}
			} else if (this.#mine !== 'in' && next.call !== this.#call) {
				// A new call rings us (unless it is the one we declined).
				this.#call = next.call;
				this.#starter = from.peerId;
				if (this.#mine === 'declined' && this.#declined !== next.call) this.#mine = 'out';
			}
			if (!wasIn && next.call === this.#call) {
				this.#starter ??= from.peerId;
				this.#activity(this.#mine === 'in' || this.#othersIn() > 1 ? 'joined' : 'started', name);
			} else if (wasIn && previous?.muted !== next.muted) {
				this.#activity(next.muted ? 'muted' : 'unmuted', name);
			}
		} else if (next.state === 'declined' && sameCall && previous?.state !== 'declined') {
			this.#activity('declined', name);
		} else if (next.state === 'out' && wasIn) {
			this.#activity('left', name);
		}
		this.#settle();
		this.#update();
	}

	peerConnected(peer: PartPeer) {
		if (!this.#ctx.features.voice) return;
		// What it said before may be stale (it reloaded): it says again where it stands, as we do.
		this.#peers.delete(peer.peerId);
		// Nothing to say if we never took part in a call.
		if (this.#mine !== 'out' || this.#call) this.#ctx.send([peer.peerId], this.#message());
		this.#update();
	}

	peerDisconnected() {
		this.#settle();
		this.#update();
	}

	peerForgotten(peerId: string) {
		// Gone for good (it left the session): it left the call too.
		const voice = this.#peers.get(peerId);
		if (voice?.state === 'in') voice.state = 'out';
		this.#settle();
		this.#peers.delete(peerId);
		this.#update();
	}

	ended() {
		if (this.#mine === 'in') this.#activity('ended', this.#ctx.name, true);
		this.#mine = 'out';
		this.#call = null;
		this.#peers.clear();
		this.#update();
	}

	#refusal(): ActionResult | null {
		if (this.#ctx.ended()) return { ok: false, error: 'ended' };
		if (!this.#ctx.features.voice) return { ok: false, error: 'feature-disabled' };
		if (this.#ctx.peers().length === 0) return { ok: false, error: 'no-peer' };
		return null;
	}

	#enter(call: string, kind: 'started' | 'joined'): ActionResult {
		this.#call = call;
		this.#mine = 'in';
		this.#muted = false;
		this.#declined = null;
		this.#hadCompany = false;
		this.#broadcast();
		this.#activity(kind, this.#ctx.name, true);
		this.#update();
		return OK;
	}

	#leave(mine: boolean) {
		// Not rung again for the call we left; Start voice joins it again.
		this.#declined = this.#call;
		this.#mine = 'out';
		this.#muted = false;
		this.#broadcast();
		this.#activity(mine ? 'left' : 'ended', this.#ctx.name, true);
		if (!this.#ongoingCall()) this.#call = null;
		this.#update();
	}

	/** A call someone connected is in (one we declined only if `evenDeclined`). */
	#ongoingCall(evenDeclined = false): string | null {
		const connected = new Set(this.#ctx.peers().map((p) => p.peerId));
		const calls = [...this.#peers]
			.filter(([id, p]) => connected.has(id) && p.state === 'in' && p.call)
			.map(([, p]) => p.call as string)
			.sort();
		const current = this.#call && calls.includes(this.#call) ? this.#call : calls[0];
		return current && (evenDeclined || current !== this.#declined) ? current : null;
	}

	#othersIn(): number {
		return this.#inCall().length;
	}

	/** The connected peers in our current call. */
	#inCall(): PartPeer[] {
		return this.#ctx.peers().filter((peer) => {
			const voice = this.#peers.get(peer.peerId);
			return voice?.state === 'in' && voice.call === this.#call && this.#call !== null;
		});
	}

	/**
	 * We are in a call nobody else is in any more, and nobody is left to answer it: it is over
	 * for us too (the other side hung up, or everyone declined).
	 */
	#settle() {
		if (this.#mine !== 'in') return;
		if (this.#othersIn() > 0) {
			this.#hadCompany = true;
			return;
		}
		const connected = new Set(this.#ctx.peers().map((p) => p.peerId));
		// Someone in the call whose channel dropped may come back: the call waits for it.
		const away = [...this.#peers].some(
			([id, p]) => !connected.has(id) && p.state === 'in' && p.call === this.#call
		);
		const ringing = [...connected].some((id) => this.#peers.get(id)?.call !== this.#call);
		const answered = [...this.#peers.values()].some((p) => p.call === this.#call);
		if (!away && !ringing && (this.#hadCompany || answered)) this.#leave(false);
	}

	#message() {
		return this.#call
			? ({ type: 'voice-state', state: this.#mine, call: this.#call, muted: this.#muted } as const)
			: ({ type: 'voice-state', state: 'out', muted: false } as const);
	}

	#broadcast() {
		this.#ctx.send(
			this.#ctx.peers().map((p) => p.peerId),
			this.#message()
		);
	}

	#activity(kind: VoiceActivity['kind'], name: string, mine = false) {
		this.events.emit('activity', { kind, name, mine });
	}

	#update() {
		const inCall = this.#inCall();
		const participants = inCall.map((peer) => ({
			peerId: peer.peerId,
			name: peer.name ?? roleName(peer.role),
			muted: this.#peers.get(peer.peerId)?.muted ?? false
		}));
		const declinedBy = this.#ctx
			.peers()
			.filter((peer) => {
				const voice = this.#peers.get(peer.peerId);
				return voice?.state === 'declined' && voice.call === this.#call && this.#call !== null;
			})
			.map((peer) => peer.name ?? roleName(peer.role));
		const ongoing = this.#ongoingCall();
		const starter = this.#starter
			? this.#ctx.peers().find((p) => p.peerId === this.#starter)
			: null;
		let status: VoiceCallStatus = 'idle';
		if (this.#mine === 'in') status = participants.length > 0 ? 'connected' : 'calling';
		else if (ongoing && this.#mine !== 'declined') status = 'ringing';
		const next: VoiceCallState = {
			status,
			muted: this.#mine === 'in' && this.#muted,
			caller:
				status === 'idle'
					? null
					: this.#mine === 'in' && !starter
						? this.#ctx.name
						: (starter?.name ?? participants[0]?.name ?? null),
			participants,
			declinedBy,
			ongoing: status === 'idle' && this.#ongoingCall(true) !== null
		};
		if (!sameState(this.#state, next)) {
			this.#state = next;
			this.events.emit('change');
			this.#ctx.changed();
		}
	}
}

function roleName(role: PartPeer['role']): string {
	return role === 'agent' ? 'Agent' : 'Customer';
}

function sameState(a: VoiceCallState, b: VoiceCallState): boolean {
	return JSON.stringify(a) === JSON.stringify(b);
}
