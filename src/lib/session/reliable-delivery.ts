/**
 * Reliable delivery over the session's control channels (wire format in protocol.ts), the part
 * of SupportSession that LiveKit keeps in `ReliableDataChannel`: sequenced messages are numbered
 * from one counter for every peer (a message sent to several peers has one seq), kept in each
 * peer's outbox until it acknowledges them, and re-sent after a reconnect. On the receiving side
 * it remembers, per peer and per peer instance (epoch), the highest seq applied, so a re-sent
 * message is acknowledged again but not applied again.
 *
 * It holds no channel: SupportSession sends, and decides what is sequenced and when the outbox
 * is re-sent (after its hello).
 */
import type { SequencedMessage } from './protocol';

/** A sequenced message before it is given its seq. */
export type Unsequenced<T> = T extends unknown ? Omit<T, 'seq'> : never;

/** A sequenced message as we send it (and keep it until acknowledged). */
export type SentMessage = SequencedMessage & { seq: number };

/** What we know of a peer's messages to us: its instance, and the highest seq applied from it. */
interface ReceivedFrom {
	epoch: string | null;
	applied: number;
}

export class ReliableDelivery {
	/** This instance, for our peers: a page reload is a new epoch, with seq starting again. */
	readonly epoch = crypto.randomUUID();
	readonly #outboxLimit: number;
	#lastSeq = 0;
	/**
	 * Unacknowledged messages per peer, in seq order. A peer has one from `open` until `forget`
	 * or `clear`, connected or not: chat is queued for it while it reconnects.
	 */
	readonly #outboxes = new Map<string, SentMessage[]>();
	/** Kept after `forget` too (it is tiny), so a late resend is still recognized. */
	readonly #received = new Map<string, ReceivedFrom>();

	constructor(outboxLimit: number) {
		this.#outboxLimit = Math.max(1, outboxLimit);
	}

	/** The highest seq given out so far. */
	get lastSeq(): number {
		return this.#lastSeq;
	}

	/** Peers with an outbox (connected or reconnecting), in the order they were first opened. */
	peerIds(): string[] {
		return [...this.#outboxes.keys()];
	}

	/**
	 * Gives `peerId` an outbox if it has none; returns the first seq that will be (re)sent on a
	 * new channel to it, so an ack on that channel covers only what came after.
	 */
	open(peerId: string): number {
		let outbox = this.#outboxes.get(peerId);
		if (!outbox) {
			outbox = [];
			this.#outboxes.set(peerId, outbox);
		}
		return outbox[0]?.seq ?? this.#lastSeq + 1;
	}

	/** What `peerId` has not acknowledged yet, in seq order (empty for an unknown peer). */
	outbox(peerId: string): readonly SentMessage[] {
		return this.#outboxes.get(peerId) ?? [];
	}

	outboxSize(peerId: string): number {
		return this.#outboxes.get(peerId)?.length ?? 0;
	}

	sequence(message: Unsequenced<SequencedMessage>): SentMessage {
		return Object.freeze({ ...message, seq: ++this.#lastSeq } as SentMessage);
	}

	/**
	 * Keeps `message` until `peerId` acknowledges it (nothing for a peer without an outbox).
	 * Returns the oldest messages dropped to stay within the limit, never to be sent again.
	 */
	enqueue(peerId: string, message: SentMessage): SentMessage[] {
		const outbox = this.#outboxes.get(peerId);
		if (!outbox) return [];
		outbox.push(message);
		if (outbox.length <= this.#outboxLimit) return [];
		return outbox.splice(0, outbox.length - this.#outboxLimit);
	}

	/** `peerId` has everything up to `seq`; false when nothing we sent has that seq yet. */
	acknowledge(peerId: string, seq: number): boolean {
		if (seq > this.#lastSeq) return false;
		const outbox = this.#outboxes.get(peerId);
		if (outbox) {
			let count = 0;
			while (count < outbox.length && outbox[count].seq <= seq) count++;
			outbox.splice(0, count);
		}
		return true;
	}

	/** `peerId` is gone for good: nothing more is queued for it. */
	forget(peerId: string): void {
		this.#outboxes.delete(peerId);
	}

	/** The session ended: every outbox goes. */
	clear(): void {
		this.#outboxes.clear();
	}

	/** A hello from `peerId` names its instance; a new instance (a reload) counts from 1 again. */
	/** Notes the peer's epoch; true when it changed (the peer restarted: a reload). */
	hello(peerId: string, epoch: string): boolean {
		const from = this.#receivedFrom(peerId);
		const restarted = from.epoch !== null && from.epoch !== epoch;
		if (restarted) from.applied = 0;
		from.epoch = epoch;
		return restarted;
	}

	/** True when `seq` from `peerId` is new (to be applied); a re-send is not. */
	receive(peerId: string, seq: number): boolean {
		const from = this.#receivedFrom(peerId);
		if (seq <= from.applied) return false;
		from.applied = seq;
		return true;
	}

	/** The highest seq applied from `peerId`: what our ack to it says. */
	applied(peerId: string): number {
		return this.#received.get(peerId)?.applied ?? 0;
	}

	#receivedFrom(peerId: string): ReceivedFrom {
		let from = this.#received.get(peerId);
		if (!from) {
			from = { epoch: null, applied: 0 };
			this.#received.set(peerId, from);
		}
		return from;
	}
}
