/**
 * The customer's camera share, as both sides see it. The customer is its authority: it shares,
 * switches, pauses, resumes and stops, and tells every agent (again whenever one connects).
 * An agent may ask it to pause or to switch to the other camera; only the customer resumes.
 * The peer client follows it with the camera track; this decides the state only.
 */
import { Emitter } from './emitter';
import type { CameraFacing, Role } from './protocol';
import type { PartContext, PartMessageOf, PartPeer, SessionPart } from './session-part';
import type { ActionResult } from './session';

export interface CameraShareState {
	state: 'off' | 'sharing' | 'paused';
	facing: CameraFacing;
	/** The device has another camera to switch to. */
	canSwitch: boolean;
	/** While paused: who paused it. */
	pausedBy: Role | null;
}

export type CameraActivity =
	{ kind: 'sharing' | 'stopped' | 'resumed' | 'switched' } | { kind: 'paused'; by: Role };

const OFF: CameraShareState = Object.freeze({
	state: 'off',
	facing: 'unknown',
	canSwitch: false,
	pausedBy: null
});

const OK: ActionResult = Object.freeze({ ok: true });

export class CameraShare implements SessionPart {
	readonly handles = ['camera-state', 'camera-request'] as const;
	readonly events = new Emitter<{
		change: [];
		activity: [activity: CameraActivity];
		/** Customer side: an agent asks us to pause, or to switch camera. */
		request: [action: 'pause' | 'switch', from: string];
	}>();
	readonly #ctx: PartContext;
	#state: CameraShareState = OFF;

	constructor(ctx: PartContext) {
		this.#ctx = ctx;
	}

	get state(): CameraShareState {
		return this.#state;
	}

	// The customer's side: what its camera does now.

	started(facing: CameraFacing, canSwitch: boolean): ActionResult {
		return this.#customer({ state: 'sharing', facing, canSwitch, pausedBy: null }, 'sharing');
	}

	switched(facing: CameraFacing): ActionResult {
		if (this.#state.state === 'off') return { ok: false, error: 'not-sharing' };
		return this.#customer({ ...this.#state, facing }, 'switched');
	}

	paused(by: Role = 'customer'): ActionResult {
		if (this.#state.state !== 'sharing') return { ok: false, error: 'not-sharing' };
		return this.#customer({ ...this.#state, state: 'paused', pausedBy: by }, 'paused');
	}

	resumed(): ActionResult {
		if (this.#state.state !== 'paused') return { ok: false, error: 'not-paused' };
		return this.#customer({ ...this.#state, state: 'sharing', pausedBy: null }, 'resumed');
	}

	stopped(): ActionResult {
		if (this.#state.state === 'off') return OK;
		return this.#customer({ ...OFF, canSwitch: this.#state.canSwitch }, 'stopped');
	}

	// The agent's side: asks the customer.

	requestPause(): ActionResult {
		return this.#request('pause', 'sharing');
	}

	requestSwitch(): ActionResult {
		if (!this.#state.canSwitch) return { ok: false, error: 'no-other-camera' };
		return this.#request('switch');
	}

	receive(from: PartPeer, message: PartMessageOf<'camera-state' | 'camera-request'>) {
		if (message.type === 'camera-request') {
			// Asked of a camera that is not shared (or already paused): nothing to do.
			if (this.#state.state === 'off') return 'camera-not-shared';
			if (message.action === 'pause' && this.#state.state !== 'sharing') return;
			this.events.emit('request', message.action, from.name ?? 'Agent');
			return;
		}
		const next: CameraShareState = {
			state: message.state === 'stopped' ? 'off' : message.state,
			facing: message.facing,
			canSwitch: message.canSwitch,
			pausedBy: message.state === 'paused' ? (message.pausedBy ?? 'customer') : null
		};
		const before = this.#state;
		if (sameState(before, next)) return;
		this.#state = next;
		const activity = activityBetween(before, next);
		if (activity) this.events.emit('activity', activity);
		this.#changed();
	}

	peerConnected(peer: PartPeer) {
		if (this.#ctx.role !== 'customer' || peer.role !== 'agent' || this.#state.state === 'off')
			return;
		this.#ctx.send([peer.peerId], this.#message());
	}

	ended() {
		this.#state = OFF;
		this.#changed();
	}

	#customer(next: CameraShareState, activity: CameraActivity['kind']): ActionResult {
		if (this.#ctx.role !== 'customer') return { ok: false, error: 'wrong-role' };
		if (this.#ctx.ended()) return { ok: false, error: 'ended' };
		if (sameState(this.#state, next)) return OK;
		this.#state = next;
		this.#ctx.send(this.#agents(), this.#message());
		this.events.emit(
			'activity',
			activity === 'paused'
				? { kind: 'paused', by: next.pausedBy ?? 'customer' }
				: { kind: activity }
		);
		this.#changed();
		return OK;
	}

	#request(action: 'pause' | 'switch', only?: CameraShareState['state']): ActionResult {
		if (this.#ctx.role !== 'agent') return { ok: false, error: 'wrong-role' };
		if (this.#ctx.ended()) return { ok: false, error: 'ended' };
		if (this.#state.state === 'off' || (only && this.#state.state !== only)) {
			return { ok: false, error: 'not-sharing' };
		}
		const customers = this.#ctx.peers().filter((p) => p.role === 'customer');
		if (customers.length === 0) return { ok: false, error: 'no-customer' };
		this.#ctx.send(
			customers.map((p) => p.peerId),
			{ type: 'camera-request', action }
		);
		return OK;
	}

	#agents(): string[] {
		return this.#ctx
			.peers()
			.filter((p) => p.role === 'agent')
			.map((p) => p.peerId);
	}

	#message() {
		const { state, facing, canSwitch, pausedBy } = this.#state;
		if (state === 'paused') {
			return {
				type: 'camera-state',
				state,
				facing,
				canSwitch,
				pausedBy: pausedBy ?? 'customer'
			} as const;
		}
		return {
			type: 'camera-state',
			state: state === 'off' ? 'stopped' : state,
			facing,
			canSwitch
		} as const;
	}

	#changed() {
		this.events.emit('change');
		this.#ctx.changed();
	}
}

function activityBetween(before: CameraShareState, next: CameraShareState): CameraActivity | null {
	if (next.state === 'off') return before.state === 'off' ? null : { kind: 'stopped' };
	if (before.state === 'off') return { kind: 'sharing' };
	if (next.state === 'paused' && before.state !== 'paused') {
		return { kind: 'paused', by: next.pausedBy ?? 'customer' };
	}
	if (next.state === 'sharing' && before.state === 'paused') return { kind: 'resumed' };
	if (next.facing !== before.facing) return { kind: 'switched' };
	return null;
}

function sameState(a: CameraShareState, b: CameraShareState): boolean {
	return (
		a.state === b.state &&
		a.facing === b.facing &&
		a.canSwitch === b.canSwitch &&
		a.pausedBy === b.pausedBy
	);
}
