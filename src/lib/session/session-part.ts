/**
 * A part of the session that owns one feature's messages (the voice call, the camera share,
 * the annotation): the session validates every message with the one schema, keeps delivery
 * reliable and tells the part about its peers; the part decides what the messages mean.
 */
import type { Features, PeerMessage, PeerMessageType, Role, SequencedMessage } from './protocol';
import type { Unsequenced } from './reliable-delivery';

/** A peer as a part sees it (the role from its verified ticket; the name from its hello). */
export interface PartPeer {
	peerId: string;
	name: string | null;
	role: Role;
}

/** The messages the session core does not handle itself. */
export type PartMessage = Extract<
	PeerMessage,
	{
		type:
			| 'voice-state'
			| 'camera-state'
			| 'camera-request'
			| 'annotate-start'
			| 'annotate-frame'
			| 'annotate-mark'
			| 'annotate-undo'
			| 'annotate-clear'
			| 'annotate-stop'
			| 'recording-state'
			| 'recording-notice';
	}
>;

export interface PartContext {
	readonly role: Role;
	/** Our own display name. */
	readonly name: string;
	readonly features: Features;
	now(): number;
	newId(): string;
	/** The peers connected now. */
	peers(): PartPeer[];
	/** Sends one sequenced message to these peers (those connected), kept until acknowledged. */
	send(peerIds: readonly string[], message: Unsequenced<SequencedMessage>): void;
	ended(): boolean;
	/** Something a view shows changed. */
	changed(): void;
}

export interface SessionPart {
	/** The message types this part receives. */
	readonly handles: readonly PartMessage['type'][];
	/** A validated message from a peer; returns why it was refused, if it was. */
	receive(from: PartPeer, message: PartMessage): string | void;
	/** A peer (re)connected: the part tells it where things stand. */
	peerConnected?(peer: PartPeer): void;
	/** A peer's channel went (it may come back). */
	peerDisconnected?(peerId: string): void;
	/** A peer came back as a new page instance (it reloaded): its earlier state is gone. */
	peerRestarted?(peerId: string): void;
	/** A peer gone for good. */
	peerForgotten?(peerId: string): void;
	/** The session ended. */
	ended?(): void;
}

/** The type of one part message. */
export type PartMessageOf<T extends PartMessage['type']> = Extract<PartMessage, { type: T }>;

export type { PeerMessageType };
