/**
 * The wire protocol between the peers of a support session: the control messages carried by a
 * MessageChannel, and the one place where everything a peer sends is validated.
 */
import * as v from 'valibot';
import type { ScreenState } from './machine';
import { CAPTURE_FAILURES, type CaptureFailure } from './capture-failure';
import { MAX_FRAME_SIDE, markSchema, type Mark } from './marks';

import { MAX_CHAT_LENGTH, MAX_ID_LENGTH, MAX_NAME_LENGTH } from './limits';

export { MAX_CHAT_LENGTH, MAX_ID_LENGTH, MAX_NAME_LENGTH };
/** Sequence numbers stay exact integers (a session never gets near this). */
export const MAX_SEQ = Number.MAX_SAFE_INTEGER;

/** What the agent's group/user settings allow in a session; the server puts it in every ticket. */
export interface Features {
	fileTransfer: boolean;
	/** Largest file, in bytes. */
	maxFileSize: number;
	agentScreenShare: boolean;
	/** Agents and the customer may talk (a voice call). */
	voice: boolean;
	multiAgent: boolean;
	unattended: boolean;
	/** The group's default for removing the customer app when the session ends. */
	removeCustomerAppAtEnd: boolean;
	/** The session is recorded (the customer is told before anything is shared). */
	record: boolean;
	/** How many days the recording is kept after the session (said in that notice). */
	recordingRetentionDays: number;
}

export const DEFAULT_FEATURES: Features = Object.freeze({
	fileTransfer: true,
	maxFileSize: 2 * 1024 ** 3,
	agentScreenShare: true,
	voice: true,
	multiAgent: true,
	unattended: false,
	removeCustomerAppAtEnd: false,
	record: false,
	recordingRetentionDays: 30
});

export type Role = 'customer' | 'agent';

/**
 * How the agent wants the customer's screen: 'sharp' keeps the resolution (text stays legible,
 * frames drop when the path is short), 'smooth' keeps the frame rate (fewer pixels instead).
 */
export const SCREEN_MODES = ['sharp', 'smooth'] as const;
export type ScreenMode = (typeof SCREEN_MODES)[number];
export type EndReason = 'customer' | 'agent' | 'connection-lost' | 'expired';

/** Where one stands in the session's voice call: in it, out of it, or having declined it. */
export const VOICE_STATES = ['in', 'out', 'declined'] as const;
export type VoiceStatus = (typeof VOICE_STATES)[number];

/** Whether the owner agent's recorder runs. */
export const RECORDING_STATES = ['recording', 'off'] as const;
export type RecordingStatus = (typeof RECORDING_STATES)[number];

export const CAMERA_STATES = ['sharing', 'paused', 'stopped'] as const;
export type CameraState = (typeof CAMERA_STATES)[number];
/** Which way the customer's camera looks ('unknown' where the device does not say). */
export const CAMERA_FACINGS = ['user', 'environment', 'unknown'] as const;
export type CameraFacing = (typeof CAMERA_FACINGS)[number];

/**
 * The largest control message, as JSON bytes, a sender may send: PeerJS's JSON channel refuses
 * a message of 16,300 bytes or more, and the refusal closes the channel (a reconnect).
 */
export const MAX_CONTROL_MESSAGE_BYTES = 16_000;

/** What an annotation is drawn on. */
export const ANNOTATION_SOURCES = ['screen', 'camera'] as const;
export type AnnotationSource = (typeof ANNOTATION_SOURCES)[number];
/**
 * The frozen frame travels with the annotation as base64 text in chunks over the control
 * channel (sequenced like chat, so a reconnect loses none): at most this many bytes, …
 */
export const MAX_FRAME_BYTES = 1536 * 1024;
/** … in chunks of at most this many base64 characters (9 KiB of picture each), … */
export const FRAME_CHUNK_CHARS = 12 * 1024;
/** … so at most this many chunks. */
export const MAX_FRAME_CHUNKS = Math.ceil((Math.ceil(MAX_FRAME_BYTES / 3) * 4) / FRAME_CHUNK_CHARS);

/** The number of chunks a frame of `bytes` bytes travels in. */
export function frameChunkCount(bytes: number): number {
	return Math.ceil((Math.ceil(bytes / 3) * 4) / FRAME_CHUNK_CHARS);
}

/**
 * Reliable delivery. Every chat and state-bearing control message (the `Sequenced` ones) carries
 * `seq`: a positive integer from one counter per sender instance (a SupportSession), shared by
 * all its peers, so a message sent to several peers has one seq and each peer sees gaps. The
 * receiver applies a message only if its seq is above the highest it has applied from that
 * sender instance, and answers every sequenced message with a cumulative
 * `{ type: 'ack', seq }` = the highest seq applied from the peer. A message without `seq` (a peer
 * from before this protocol) is applied as it comes and not acknowledged.
 *
 * `hello.epoch` names the sender instance (random, new on every page load): when a peer's epoch
 * changes, the peer restarted its counter and the receiver forgets what it applied from it.
 * hello comes first on every channel; a sequenced message before it is ignored, and each side
 * answers the first hello it gets on a channel with its own hello and unacknowledged messages
 * again (once), so nothing is lost if one side listened late. hello, ack and end carry no seq:
 * end is best effort (the server is told too).
 */
type Sequenced = { seq?: number };

export type PeerMessage =
	| { type: 'hello'; name: string; role: Role; epoch?: string }
	| ({ type: 'chat'; id: string; name: string; text: string; sentAt: number } & Sequenced)
	/** Customer -> agents: a change the customer made to their screen share. */
	| ({
			type: 'screen-state';
			state: 'sharing' | 'stopped' | 'declined';
			/** With 'declined': why the capture failed ('cancelled' when absent). */
			reason?: CaptureFailure;
	  } & Sequenced)
	/**
	 * Customer -> agents: the customer's whole screen state, for an agent whose view may be out of
	 * date (it just connected, another agent's request is now pending, or its request was dropped).
	 */
	| ({ type: 'screen-sync'; state: ScreenState } & Sequenced)
	/** Agent -> customer. */
	| ({ type: 'screen-request' } & Sequenced)
	/** Customer -> agents. */
	| ({ type: 'screen-request-answer'; accepted: boolean } & Sequenced)
	/** Agent -> customer, only if features.agentScreenShare. */
	| ({ type: 'agent-screen-state'; state: 'sharing' | 'stopped' } & Sequenced)
	/** Agent -> customer: how the customer's screen should be encoded for this agent. */
	| ({ type: 'screen-mode'; mode: ScreenMode } & Sequenced)
	/**
	 * Anyone -> everyone, only if features.voice: where the sender stands in the voice call
	 * `call` (named by whoever started it); 'out' needs no call.
	 */
	| ({ type: 'voice-state'; state: VoiceStatus; call?: string; muted: boolean } & Sequenced)
	/** Customer -> agents: the customer's camera share. */
	| ({
			type: 'camera-state';
			state: CameraState;
			facing: CameraFacing;
			canSwitch: boolean;
			/** With 'paused': who paused it (only the customer resumes). */
			pausedBy?: Role;
	  } & Sequenced)
	/** Agent -> customer: pause the camera, or switch to the other one. */
	| ({ type: 'camera-request'; action: 'pause' | 'switch' } & Sequenced)
	/**
	 * Agent -> customer: an annotation `id` begins on a frozen frame of `width` x `height`
	 * pixels, whose JPEG (`frameBytes` long) follows in `annotate-frame` chunks.
	 */
	| ({
			type: 'annotate-start';
			id: string;
			source: AnnotationSource;
			width: number;
			height: number;
			frameBytes: number;
	  } & Sequenced)
	| ({ type: 'annotate-frame'; id: string; index: number; data: string } & Sequenced)
	/** A mark, new or replacing the one with its id (a stroke that grows as it is drawn). */
	| ({ type: 'annotate-mark'; id: string; mark: Mark } & Sequenced)
	| ({ type: 'annotate-undo'; id: string } & Sequenced)
	| ({ type: 'annotate-clear'; id: string } & Sequenced)
	| ({ type: 'annotate-stop'; id: string } & Sequenced)
	/**
	 * The owner agent -> everyone, with features.record: its recorder runs ('recording') or not
	 * ('off'), so every side shows the indicator only while recording really runs.
	 */
	| ({ type: 'recording-state'; state: RecordingStatus } & Sequenced)
	/**
	 * Customer -> agents: this page has shown the customer "This session is recorded" (again to
	 * every agent that connects). Until an agent has it, nothing is recorded.
	 */
	| ({ type: 'recording-notice' } & Sequenced)
	/** Either way: every sequenced message up to `seq` from you has been received. */
	| { type: 'ack'; seq: number }
	| { type: 'end'; reason: EndReason };

export type PeerMessageType = PeerMessage['type'];

/** The message types that carry a seq and are acknowledged. */
export const SEQUENCED_TYPES = [
	'chat',
	'screen-state',
	'screen-sync',
	'screen-request',
	'screen-request-answer',
	'agent-screen-state',
	'screen-mode',
	'voice-state',
	'camera-state',
	'camera-request',
	'annotate-start',
	'annotate-frame',
	'annotate-mark',
	'annotate-undo',
	'annotate-clear',
	'annotate-stop',
	'recording-state',
	'recording-notice'
] as const satisfies readonly PeerMessageType[];

export type SequencedMessage = Extract<PeerMessage, { type: (typeof SEQUENCED_TYPES)[number] }>;

export function isSequenced(message: PeerMessage): message is SequencedMessage {
	return (SEQUENCED_TYPES as readonly string[]).includes(message.type);
}

export interface ParseContext {
	/** The sender's role, as verified from its server ticket (never from the message). */
	from: Role;
	features: Features;
	/** Our own role; when given, messages meant for the other role are refused. */
	to?: Role;
}

export type ParseResult = { ok: true; message: PeerMessage } | { ok: false; error: string };

/** Characters, not UTF-16 units: an emoji counts once, as the user sees it. */
export function codePointLength(text: string): number {
	let length = 0;
	for (let i = 0; i < text.length; i++) {
		const unit = text.charCodeAt(i);
		// A high surrogate followed by a low one is a single code point.
		if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
			const next = text.charCodeAt(i + 1);
			if (next >= 0xdc00 && next <= 0xdfff) i++;
		}
		length++;
	}
	return length;
}

function truncateCodePoints(text: string, max: number): string {
	if (codePointLength(text) <= max) return text;
	return Array.from(text).slice(0, max).join('');
}

// C0/C1 controls: never part of a name, and they can break how a name is laid out.
const CONTROL_CHARACTERS = /\p{Cc}/u;
const CONTROL_CHARACTERS_GLOBAL = /\p{Cc}/gu;

/** Our own display name as the protocol accepts it: no controls, trimmed, capped, never empty. */
export function normalizeName(name: string, role: Role): string {
	const cleaned = truncateCodePoints(
		name.replace(CONTROL_CHARACTERS_GLOBAL, ' ').trim(),
		MAX_NAME_LENGTH
	);
	const trimmed = cleaned.trim();
	if (trimmed) return trimmed;
	return role === 'agent' ? 'Agent' : 'Customer';
}

const ROLES = ['customer', 'agent'] as const satisfies readonly Role[];
const END_REASONS = [
	'customer',
	'agent',
	'connection-lost',
	'expired'
] as const satisfies readonly EndReason[];
const SCREEN_STATES = [
	'not-shared',
	'sharing',
	'stopped',
	'declined',
	'requested'
] as const satisfies readonly ScreenState[];

const idSchema = v.pipe(
	v.string(),
	v.minLength(1),
	v.maxLength(MAX_ID_LENGTH),
	v.regex(/^[A-Za-z0-9_-]+$/)
);

// Length is checked in UTF-16 units first (at most two per code point) so a huge string is
// refused before anything walks it.
const nameSchema = v.pipe(
	v.string(),
	v.minLength(1),
	v.maxLength(MAX_NAME_LENGTH * 2),
	v.check((name) => codePointLength(name) <= MAX_NAME_LENGTH, 'too long'),
	v.check((name) => !CONTROL_CHARACTERS.test(name), 'control characters'),
	v.check((name) => name.trim().length > 0, 'blank')
);

const chatTextSchema = v.pipe(
	v.string(),
	v.minLength(1),
	v.maxLength(MAX_CHAT_LENGTH * 2),
	v.check((text) => codePointLength(text) <= MAX_CHAT_LENGTH, 'too long'),
	v.check((text) => text.trim().length > 0, 'blank')
);

const timestampSchema = v.pipe(v.number(), v.finite(), v.minValue(0));

const seqSchema = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_SEQ));
// Absent or a valid seq; an explicit `undefined` is refused like any other non-number.
const optionalSeq = v.exactOptional(seqSchema);

const frameSide = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_FRAME_SIDE));
const base64Chunk = v.pipe(
	v.string(),
	v.maxLength(FRAME_CHUNK_CHARS),
	v.regex(/^[A-Za-z0-9+/]*={0,2}$/)
);
const annotationOnly = (type: 'annotate-undo' | 'annotate-clear' | 'annotate-stop') =>
	v.strictObject({ type: v.literal(type), id: idSchema, seq: optionalSeq });

const peerMessageSchema = v.variant('type', [
	v.strictObject({
		type: v.literal('hello'),
		name: nameSchema,
		role: v.picklist(ROLES),
		epoch: v.exactOptional(idSchema)
	}),
	v.strictObject({
		type: v.literal('chat'),
		id: idSchema,
		name: nameSchema,
		text: chatTextSchema,
		sentAt: timestampSchema,
		seq: optionalSeq
	}),
	v.strictObject({
		type: v.literal('screen-state'),
		state: v.picklist(['sharing', 'stopped', 'declined']),
		seq: optionalSeq
	}),
	// A decline with the reason the capture failed: only a decline carries one.
	v.strictObject({
		type: v.literal('screen-state'),
		state: v.literal('declined'),
		reason: v.picklist(CAPTURE_FAILURES),
		seq: optionalSeq
	}),
	v.strictObject({
		type: v.literal('screen-sync'),
		state: v.picklist(SCREEN_STATES),
		seq: optionalSeq
	}),
	v.strictObject({ type: v.literal('screen-request'), seq: optionalSeq }),
	v.strictObject({
		type: v.literal('screen-request-answer'),
		accepted: v.boolean(),
		seq: optionalSeq
	}),
	v.strictObject({
		type: v.literal('agent-screen-state'),
		state: v.picklist(['sharing', 'stopped']),
		seq: optionalSeq
	}),
	v.strictObject({
		type: v.literal('screen-mode'),
		mode: v.picklist(SCREEN_MODES),
		seq: optionalSeq
	}),
	// 'in' and 'declined' name their call (checked below, so errors name the key at fault).
	v.strictObject({
		type: v.literal('voice-state'),
		state: v.picklist(VOICE_STATES),
		call: v.exactOptional(idSchema),
		muted: v.boolean(),
		seq: optionalSeq
	}),
	// A pause, and only a pause, says who paused (checked below).
	v.strictObject({
		type: v.literal('camera-state'),
		state: v.picklist(CAMERA_STATES),
		facing: v.picklist(CAMERA_FACINGS),
		canSwitch: v.boolean(),
		pausedBy: v.exactOptional(v.picklist(ROLES)),
		seq: optionalSeq
	}),
	v.strictObject({
		type: v.literal('camera-request'),
		action: v.picklist(['pause', 'switch']),
		seq: optionalSeq
	}),
	v.strictObject({
		type: v.literal('annotate-start'),
		id: idSchema,
		source: v.picklist(ANNOTATION_SOURCES),
		width: frameSide,
		height: frameSide,
		frameBytes: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_FRAME_BYTES)),
		seq: optionalSeq
	}),
	v.strictObject({
		type: v.literal('annotate-frame'),
		id: idSchema,
		index: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_FRAME_CHUNKS - 1)),
		data: base64Chunk,
		seq: optionalSeq
	}),
	v.strictObject({
		type: v.literal('annotate-mark'),
		id: idSchema,
		mark: markSchema,
		seq: optionalSeq
	}),
	annotationOnly('annotate-undo'),
	annotationOnly('annotate-clear'),
	annotationOnly('annotate-stop'),
	v.strictObject({
		type: v.literal('recording-state'),
		state: v.picklist(RECORDING_STATES),
		seq: optionalSeq
	}),
	v.strictObject({ type: v.literal('recording-notice'), seq: optionalSeq }),
	v.strictObject({ type: v.literal('ack'), seq: seqSchema }),
	v.strictObject({ type: v.literal('end'), reason: v.picklist(END_REASONS) })
]);

/** Who may send each message type; 'any' goes both ways (and agent to agent). */
const SENDER: Record<PeerMessageType, Role | 'any'> = {
	hello: 'any',
	chat: 'any',
	'screen-state': 'customer',
	'screen-sync': 'customer',
	'screen-request': 'agent',
	'screen-request-answer': 'customer',
	'agent-screen-state': 'agent',
	'screen-mode': 'agent',
	'voice-state': 'any',
	'camera-state': 'customer',
	'camera-request': 'agent',
	'annotate-start': 'agent',
	'annotate-frame': 'agent',
	'annotate-mark': 'agent',
	'annotate-undo': 'agent',
	'annotate-clear': 'agent',
	'annotate-stop': 'agent',
	// To the customer and the other agents: the part refuses it from a customer.
	'recording-state': 'any',
	'recording-notice': 'customer',
	ack: 'any',
	end: 'any'
};

/** Far more keys than any message has: bigger objects are refused before schema work. */
const MAX_MESSAGE_KEYS = 16;

function isPlainObject(data: unknown): data is Record<string, unknown> {
	if (typeof data !== 'object' || data === null || Array.isArray(data)) return false;
	const prototype: unknown = Object.getPrototypeOf(data);
	return prototype === Object.prototype || prototype === null;
}

function hasAtMostKeys(data: object, max: number): boolean {
	let count = 0;
	for (const key in data) {
		if (Object.prototype.hasOwnProperty.call(data, key) && ++count > max) return false;
	}
	return true;
}

/**
 * Validates one message from a peer: shape, sizes, direction and the session's features.
 * Never throws; anything unexpected is an error string.
 */
export function parsePeerMessage(data: unknown, ctx: ParseContext): ParseResult {
	try {
		return parseUnsafe(data, ctx);
	} catch {
		// Only a hostile in-process object (a throwing getter or proxy) gets here.
		return { ok: false, error: 'invalid' };
	}
}

function parseUnsafe(data: unknown, ctx: ParseContext): ParseResult {
	if (!isPlainObject(data)) return { ok: false, error: 'not-an-object' };
	if (!hasAtMostKeys(data, MAX_MESSAGE_KEYS)) return { ok: false, error: 'too-large' };
	const type = data.type;
	if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(SENDER, type)) {
		return { ok: false, error: 'unknown-type' };
	}
	const parsed = v.safeParse(peerMessageSchema, data, { abortEarly: true, abortPipeEarly: true });
	if (!parsed.success) {
		const issue = parsed.issues[0];
		// The key itself is not echoed back: it comes from the peer and may be huge.
		const path = v.getDotPath(issue);
		if (issue.type === 'strict_object') {
			return issue.expected === 'never' || !path
				? { ok: false, error: 'unknown-key' }
				: { ok: false, error: `missing-${path}` };
		}
		return { ok: false, error: path ? `invalid-${path}` : 'invalid' };
	}
	const message: PeerMessage = parsed.output;

	const sender = SENDER[message.type];
	if (sender !== 'any' && sender !== ctx.from) return { ok: false, error: 'wrong-direction' };
	if (sender !== 'any' && ctx.to !== undefined && ctx.to === ctx.from) {
		return { ok: false, error: 'wrong-direction' };
	}
	if (message.type === 'hello' && message.role !== ctx.from) {
		return { ok: false, error: 'role-mismatch' };
	}
	if (message.type === 'end' && message.reason !== ctx.from && isRole(message.reason)) {
		// A customer cannot claim the agent ended it, nor the reverse.
		return { ok: false, error: 'wrong-reason' };
	}
	if (message.type === 'agent-screen-state' && !ctx.features.agentScreenShare) {
		return { ok: false, error: 'feature-disabled' };
	}
	if (message.type === 'voice-state') {
		if (message.state !== 'out' && message.call === undefined) {
			return { ok: false, error: 'missing-call' };
		}
		if (!ctx.features.voice) return { ok: false, error: 'feature-disabled' };
	}
	if (message.type === 'camera-state' && (message.state === 'paused') !== !!message.pausedBy) {
		return { ok: false, error: message.pausedBy ? 'invalid-pausedBy' : 'missing-pausedBy' };
	}
	return { ok: true, message };
}

function isRole(value: string): value is Role {
	return value === 'customer' || value === 'agent';
}
