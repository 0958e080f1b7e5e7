/**
 * Recording as every side sees it. The customer's page says it has shown "This session is
 * recorded" (to every agent, again to each that connects); an agent records only once a
 * connected customer has said so. The owner agent says whether its recorder runs, so the
 * customer and the other agents show the indicator only while recording really runs. What is
 * recorded and uploaded is the peer client's job (RecordingController); this holds the facts.
 */
import { Emitter } from '../emitter';
import type { PartContext, PartMessageOf, PartPeer, SessionPart } from '../session-part';

export class RecordingStatus implements SessionPart {
	readonly handles = ['recording-state', 'recording-notice'] as const;
	readonly events = new Emitter<{
		change: [];
		/** Agent side: another agent left for good (it may have handed the session to us). */
		'agent-gone': [peerId: string];
	}>();
	readonly #ctx: PartContext;
	/** Our own recorder runs (the owner agent). */
	#mine = false;
	/** The agents who said their recorder runs, while connected. */
	readonly #recordingPeers = new Set<string>();
	/** Customer side: this page has shown the notice. */
	#noticeShown = false;
	/** Agent side: the customers (peer IDs) whose page has shown the notice. */
	readonly #toldCustomers = new Set<string>();
	/** The role of every peer seen, to know who went when it is forgotten. */
	readonly #roles = new Map<string, PartPeer['role']>();

	constructor(ctx: PartContext) {
		this.#ctx = ctx;
	}

	/** Someone's recorder runs: ours, or an agent's who said so. */
	get recording(): boolean {
		return this.#mine || this.#recordingPeers.size > 0;
	}

	/** Our own recorder runs. */
	get recordingHere(): boolean {
		return this.#mine;
	}

	/** Agent side: a customer connected now has been shown the notice. */
	get customerTold(): boolean {
		return this.#ctx
			.peers()
			.some((peer) => peer.role === 'customer' && this.#toldCustomers.has(peer.peerId));
	}

	/** Customer side: the notice is on the screen now; the agents are told (and each new one). */
	noticeShown(): void {
		if (this.#ctx.role !== 'customer' || this.#noticeShown || this.#ctx.ended()) return;
		this.#noticeShown = true;
		this.#ctx.send(this.#peersWithRole('agent'), { type: 'recording-notice' });
	}

	/** Agent side: our recorder started or stopped; everyone is told. */
	setRecording(on: boolean): void {
		if (this.#ctx.role !== 'agent' || this.#mine === on) return;
		if (on && this.#ctx.ended()) return;
		this.#mine = on;
		this.#ctx.send(
			this.#ctx.peers().map((peer) => peer.peerId),
			{ type: 'recording-state', state: on ? 'recording' : 'off' }
		);
		this.#changed();
	}

	receive(from: PartPeer, message: PartMessageOf<'recording-state' | 'recording-notice'>) {
		if (message.type === 'recording-notice') {
			if (this.#ctx.role !== 'agent') return 'wrong-direction';
			if (this.#toldCustomers.has(from.peerId)) return;
			this.#toldCustomers.add(from.peerId);
			this.#changed();
			return;
		}
		if (from.role !== 'agent') return 'wrong-direction';
		const before = this.recording;
		if (message.state === 'recording') this.#recordingPeers.add(from.peerId);
		else this.#recordingPeers.delete(from.peerId);
		if (before !== this.recording) this.#changed();
	}

	peerConnected(peer: PartPeer) {
		this.#roles.set(peer.peerId, peer.role);
		if (peer.role === 'agent' && this.#noticeShown && this.#ctx.role === 'customer') {
			this.#ctx.send([peer.peerId], { type: 'recording-notice' });
		}
		if (this.#mine) this.#ctx.send([peer.peerId], { type: 'recording-state', state: 'recording' });
	}

	/** An agent out of reach records nothing we could vouch for: it says so again on return. */
	peerDisconnected(peerId: string) {
		if (this.#recordingPeers.delete(peerId)) this.#changed();
	}

	/** A reloaded page says again what it shows and records. */
	peerRestarted(peerId: string) {
		const wasRecording = this.#recordingPeers.delete(peerId);
		const wasTold = this.#toldCustomers.delete(peerId);
		if (wasRecording || wasTold) this.#changed();
	}

	peerForgotten(peerId: string) {
		const role = this.#roles.get(peerId);
		this.#roles.delete(peerId);
		const wasRecording = this.#recordingPeers.delete(peerId);
		const wasTold = this.#toldCustomers.delete(peerId);
		if (wasRecording || wasTold) this.#changed();
		if (role === 'agent' && this.#ctx.role === 'agent') this.events.emit('agent-gone', peerId);
	}

	ended() {
		this.#mine = false;
		this.#recordingPeers.clear();
		this.#changed();
	}

	#peersWithRole(role: PartPeer['role']): string[] {
		return this.#ctx
			.peers()
			.filter((peer) => peer.role === role)
			.map((peer) => peer.peerId);
	}

	#changed() {
		this.events.emit('change');
		this.#ctx.changed();
	}
}
