import * as v from 'valibot';
import { MAX_CHAT_LENGTH, MAX_NAME_LENGTH } from '$lib/session/protocol';
import {
	MAX_CODE_LIFETIME_MINUTES,
	MAX_FILE_SIZE_LIMIT_MB,
	MAX_RECORDING_RETENTION_DAYS
} from '$lib/settings';
import { MIN_PASSWORD_LENGTH } from './passwords';

/** Every request body is checked here, at the edge, with one schema each. */

/**
 * Control characters other than tab and line breaks: never typed, never shown, and NUL is one
 * PostgreSQL refuses to store (the request would fail late instead of being told why).
 */
// eslint-disable-next-line no-control-regex -- refusing them is the point
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]*$/;

/** A regex check, so the issue reads as a format problem (join-errors maps `regex` issues). */
const noControlCharacters = (label: string) =>
	v.regex(NO_CONTROL_CHARACTERS, `${label} contains characters that cannot be shown`);

const trimmed = (max: number, label: string) =>
	v.pipe(
		v.string(`${label} is required`),
		v.trim(),
		v.minLength(1, `${label} is required`),
		v.maxLength(max, `${label} is too long (at most ${max} characters)`),
		noControlCharacters(label)
	);

export const JoinForm = v.object({
	code: v.pipe(
		v.string('Enter the session code'),
		v.maxLength(64, 'Enter the 9-digit session code')
	),
	name: v.pipe(
		trimmed(MAX_NAME_LENGTH, 'Your name'),
		// Names are shown to the agent; control characters have no place in them.
		v.regex(/^[^\p{Cc}\p{Cf}]+$/u, 'Your name contains characters that cannot be shown')
	)
});

export const LoginForm = v.object({
	email: trimmed(254, 'Email'),
	password: v.pipe(
		v.string('Password is required'),
		v.minLength(1, 'Password is required'),
		v.maxLength(1024)
	)
});

const eventText = (max: number) => v.pipe(v.string(), v.maxLength(max));
// At most 2^53 - 1: an exact integer, and one PostgreSQL's bigint takes (1e300 would fail there).
const instant = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER));
/** What the agent's page records beside most events: a few flat fields, nothing nested. */
const flatData = v.pipe(
	v.record(
		v.pipe(v.string(), v.maxLength(40)),
		v.nullable(v.union([eventText(200), v.number(), v.boolean()]))
	),
	v.check((data) => Object.keys(data).length <= 16, 'Too many fields')
);
const chatData = v.object({
	name: v.optional(eventText(200)),
	role: v.optional(v.picklist(['agent', 'customer', 'system'])),
	text: eventText(MAX_CHAT_LENGTH * 2),
	sentAt: v.optional(v.pipe(v.number(), v.finite(), v.minValue(0)))
});
const fileData = v.object({
	name: eventText(1024),
	size: v.nullish(v.pipe(v.number(), v.minValue(0))),
	direction: v.optional(eventText(40)),
	result: v.optional(eventText(100)),
	error: v.nullish(eventText(500)),
	sha256: v.nullish(eventText(128))
});

/** Voice and camera events: who did it, by the name the session shows (fields beyond are dropped). */
const participantData = v.object({
	name: v.optional(v.pipe(v.string(), v.maxLength(MAX_NAME_LENGTH), noControlCharacters('Name')))
});
/** An annotation's end: who drew, and how many marks they made. */
const annotationData = v.object({
	name: participantData.entries.name,
	marks: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(100_000)))
});

/**
 * The event types an agent's browser may record, each with its data's shape. Lifecycle events
 * (session.created/ended, customer.joined, agent.joined/left, session.handed-over) and
 * `snapshot` (written when a snapshot is stored) are the server's alone: a page never writes
 * them.
 */
export const BROWSER_EVENT_DATA = {
	chat: chatData,
	file: fileData,
	'file.offered': fileData,
	'screen.requested': flatData,
	'screen.request-accepted': flatData,
	'screen.request-declined': flatData,
	'screen.not-shared': flatData,
	'screen.sharing': flatData,
	'screen.stopped': flatData,
	'screen.declined': flatData,
	'customer.connected': flatData,
	'customer.disconnected': flatData,
	'agent-screen.shared': flatData,
	'agent-screen.stopped': flatData,
	'session.end-requested': flatData,
	'voice.started': participantData,
	'voice.joined': participantData,
	'voice.declined': participantData,
	'voice.ended': participantData,
	'voice.muted': participantData,
	'voice.unmuted': participantData,
	'camera.sharing': participantData,
	'camera.paused': participantData,
	'camera.resumed': participantData,
	'camera.stopped': participantData,
	'camera.switched': participantData,
	'annotation.started': participantData,
	'annotation.stopped': annotationData
} as const;

export type BrowserEventType = keyof typeof BROWSER_EVENT_DATA;

export function isBrowserEventType(type: string): type is BrowserEventType {
	return Object.hasOwn(BROWSER_EVENT_DATA, type);
}

/** The envelope of a batch; each event's data is checked against its type's schema after. */
export const RecordedEvents = v.object({
	events: v.pipe(
		v.array(
			v.strictObject({
				id: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/)),
				type: v.pipe(v.string(), v.regex(/^[a-z][a-z0-9.-]{0,40}$/)),
				at: instant,
				data: v.record(v.string(), v.unknown())
			})
		),
		v.maxLength(200)
	)
});

/** A snapshot upload's query: where the picture comes from, and whether it was drawn on. */
export const SnapshotUploadQuery = v.object({
	source: v.picklist(['screen', 'camera']),
	annotated: v.pipe(
		v.optional(v.picklist(['0', '1']), '0'),
		v.transform((value) => value === '1')
	)
});

/** A snapshot's ID in a path (what randomId makes). */
export const SnapshotId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/));

/** A recording's segment number or chunk index in a path: digits only, at most 1,000,000. */
export const RecordingNumber = v.pipe(
	v.string(),
	v.regex(/^\d{1,7}$/),
	v.transform(Number),
	v.maxValue(1_000_000)
);

/** Starting a recording segment: what MediaRecorder makes (a WebM, its codecs said or not). */
export const RecordingSegmentStart = v.strictObject({
	mimeType: v.pipe(
		v.string(),
		v.maxLength(200),
		v.regex(/^video\/webm(?:;[\x20-\x7e]*)?$/i, 'Not a WebM type')
	)
});

/** A segment's end, as its browser counts it. */
export const RecordingSegmentEnd = v.strictObject({
	chunks: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1_000_000)),
	// Ten days at most: no segment records longer (the session's owner is timed out before).
	durationMs: v.pipe(v.number(), v.finite(), v.minValue(0), v.maxValue(10 * 24 * 3600_000))
});

/** The browser cannot record, or its uploads keep failing. */
export const RecordingProblem = v.strictObject({
	reason: v.picklist(['unsupported', 'upload-failing', 'recorder-error']),
	detail: v.optional(v.pipe(v.string(), v.maxLength(200), noControlCharacters('Detail')))
});

export const EndRequest = v.object({
	reason: v.picklist(['customer', 'agent', 'connection-lost', 'expired'])
});

export const AbuseReportForm = v.object({
	description: trimmed(4000, 'What happened'),
	contact: v.optional(
		v.pipe(
			v.string(),
			v.trim(),
			v.maxLength(200, 'Contact is too long'),
			noControlCharacters('Contact')
		),
		''
	)
});

const userId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'Unknown agent'));

export const InviteRequest = v.object({ userId });

export const InvitationAnswer = v.object({ answer: v.picklist(['accept', 'decline']) });

export const LeaveRequest = v.object({ handOverTo: v.optional(userId) });

export const TicketRefreshRequest = v.object({
	ticket: v.pipe(v.string(), v.maxLength(4096))
});

const ID = v.pipe(v.string('Missing ID'), v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'Invalid ID'));

/**
 * A session event from another Ponte process, over Redis (see session-events.ts): a shared
 * Redis is still outside this process, so what arrives is checked like any other input.
 */
const clusterId = v.pipe(v.string(), v.minLength(1), v.maxLength(128));
const FeaturesSchema = v.strictObject({
	fileTransfer: v.boolean(),
	maxFileSize: v.pipe(v.number(), v.integer(), v.minValue(0)),
	agentScreenShare: v.boolean(),
	voice: v.boolean(),
	multiAgent: v.boolean(),
	unattended: v.boolean(),
	removeCustomerAppAtEnd: v.boolean(),
	record: v.boolean(),
	recordingRetentionDays: v.pipe(
		v.number(),
		v.integer(),
		v.minValue(1),
		v.maxValue(MAX_RECORDING_RETENTION_DAYS)
	)
});
export const ClusterSessionEvent = v.variant('event', [
	v.strictObject({
		from: clusterId,
		event: v.literal('session-ended'),
		args: v.strictTuple([clusterId])
	}),
	v.strictObject({
		from: clusterId,
		event: v.literal('participant-left'),
		args: v.strictTuple([clusterId, clusterId])
	}),
	v.strictObject({
		from: clusterId,
		event: v.literal('features-changed'),
		args: v.strictTuple([clusterId, clusterId, FeaturesSchema])
	})
]);

/**
 * What one node publishes to another's signal channel: a signaling message for a peer it holds
 * (the payload is the browsers' SDP or candidate: relayed as the peer server would, size-capped
 * where it entered), or word that another node took a peer over.
 */
export const ClusterSignal = v.variant('kind', [
	v.strictObject({
		kind: v.literal('signal'),
		from: clusterId,
		type: v.picklist(['OFFER', 'ANSWER', 'CANDIDATE', 'LEAVE', 'EXPIRE']),
		src: clusterId,
		dst: clusterId,
		payload: v.optional(v.unknown()),
		session: clusterId
	}),
	v.strictObject({
		kind: v.literal('drop'),
		peerId: clusterId,
		value: v.pipe(v.string(), v.maxLength(512))
	})
]);

const displayName = (label: string) =>
	v.pipe(
		trimmed(MAX_NAME_LENGTH, label),
		v.regex(/^[^\p{Cc}\p{Cf}]+$/u, `${label} contains characters that cannot be shown`)
	);

const ROLE = v.picklist(['agent', 'admin'], 'Choose a role');

/** A whole number typed into a form, within bounds. */
const wholeNumber = (label: string, min: number, max: number) =>
	v.pipe(
		v.string(`${label} is required`),
		v.trim(),
		v.regex(/^\d{1,9}$/, `${label} must be a whole number`),
		v.transform(Number),
		v.minValue(min, `${label} must be at least ${min}`),
		v.maxValue(max, `${label} must be at most ${max}`)
	);

/** A number, or empty for "not set". */
const optionalNumber = (label: string, min: number, max: number) =>
	v.pipe(
		v.optional(v.string(), ''),
		v.trim(),
		v.union([
			v.pipe(
				v.literal(''),
				v.transform(() => null)
			),
			wholeNumber(label, min, max)
		])
	);

/** An HTML checkbox: present ('on') when ticked, absent otherwise. */
const checkbox = v.pipe(
	v.optional(v.literal('on')),
	v.transform((value) => value === 'on')
);

const TRI_STATE = v.pipe(
	v.optional(v.picklist(['inherit', 'allow', 'deny'], 'Choose inherit, allow or deny'), 'inherit'),
	v.transform((value) => (value === 'inherit' ? null : value === 'allow'))
);

export const CreateAgentForm = v.object({
	name: displayName('Name'),
	email: v.pipe(trimmed(254, 'Email'), v.email('Enter a valid email address')),
	role: ROLE,
	group: ID
});

export const AccountForm = v.object({ userId: ID });
export const RoleForm = v.object({ userId: ID, role: ROLE });
export const GroupChoiceForm = v.object({ userId: ID, group: ID });

export const SetPasswordForm = v.pipe(
	v.object({
		password: v.pipe(
			v.string('Choose a password'),
			v.minLength(MIN_PASSWORD_LENGTH, `Use at least ${MIN_PASSWORD_LENGTH} characters`),
			v.maxLength(1024, 'That password is too long')
		),
		confirm: v.string('Type the password again')
	}),
	v.forward(
		v.check((input) => input.password === input.confirm, 'The two passwords differ'),
		['confirm']
	)
);

export const GroupForm = v.object({
	name: displayName('Group name'),
	fileTransfer: checkbox,
	maxFileSizeMb: wholeNumber('Maximum file size', 1, MAX_FILE_SIZE_LIMIT_MB),
	unattended: checkbox,
	agentScreenShare: checkbox,
	voice: checkbox,
	multiAgent: checkbox,
	codeLifetimeMinutes: optionalNumber('Code lifetime', 1, MAX_CODE_LIFETIME_MINUTES),
	removeCustomerAppAtEnd: checkbox,
	recordSessions: checkbox,
	recordingRetentionDays: wholeNumber('Keep recordings for', 1, MAX_RECORDING_RETENTION_DAYS)
});

export const GroupIdForm = v.object({ groupId: ID });

export const OverridesForm = v.object({
	userId: ID,
	fileTransfer: TRI_STATE,
	maxFileSizeMb: optionalNumber('Maximum file size', 1, MAX_FILE_SIZE_LIMIT_MB),
	unattended: TRI_STATE,
	agentScreenShare: TRI_STATE,
	voice: TRI_STATE,
	multiAgent: TRI_STATE,
	codeLifetimeMinutes: optionalNumber('Code lifetime', 1, MAX_CODE_LIFETIME_MINUTES),
	removeCustomerAppAtEnd: TRI_STATE,
	recordSessions: TRI_STATE,
	recordingRetentionDays: optionalNumber('Keep recordings for', 1, MAX_RECORDING_RETENTION_DAYS)
});

const DATE = v.pipe(
	v.optional(v.string(), ''),
	v.trim(),
	v.check(
		(value) => value === '' || /^\d{4}-\d{2}-\d{2}$/.test(value),
		'Use a date like 2024-05-31'
	)
);

const PAGE = v.pipe(
	v.optional(v.string(), '1'),
	v.regex(/^\d{1,6}$/, 'Invalid page'),
	v.transform(Number),
	v.minValue(1)
);

export const PAGE_ONLY = v.object({ page: PAGE });

export const ReportQuery = v.object({
	customer: v.pipe(
		v.optional(v.string(), ''),
		v.trim(),
		v.maxLength(MAX_NAME_LENGTH),
		noControlCharacters('Customer')
	),
	from: DATE,
	to: DATE,
	page: PAGE
});

export const AuditQuery = v.object({
	action: v.pipe(v.optional(v.string(), ''), v.regex(/^[a-z.-]{0,64}$/, 'Unknown action')),
	actor: v.pipe(v.optional(v.string(), ''), v.regex(/^[A-Za-z0-9_-]{0,64}$/, 'Unknown person')),
	from: DATE,
	to: DATE,
	page: PAGE
});

const base64url = (max: number) =>
	v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]+$/), v.maxLength(max));
const deviceId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{22}$/, 'Unknown device'));

/** The customer answers an agent's request to set up unattended access. */
export const EnrolmentAnswer = v.variant('accept', [
	v.strictObject({ enrolmentId: base64url(64), accept: v.literal(false) }),
	v.strictObject({
		enrolmentId: base64url(64),
		accept: v.literal(true),
		deviceId,
		name: v.pipe(
			trimmed(MAX_NAME_LENGTH, 'Computer name'),
			v.regex(/^[^\p{Cc}\p{Cf}]+$/u, 'The computer name contains characters that cannot be shown')
		),
		publicKey: v.strictObject({
			kty: v.literal('EC'),
			crv: v.literal('P-256'),
			x: base64url(64),
			y: base64url(64)
		}),
		signature: base64url(128)
	})
]);

/** A request signed by a device's key over a server challenge. */
export const DeviceRequest = v.strictObject({
	action: v.picklist(['block', 'unblock', 'remove', 'ticket', 'status']),
	challenge: v.pipe(
		v.string(),
		v.regex(/^[A-Za-z0-9_-]+\.\d{1,16}\.[A-Za-z0-9_-]+$/),
		v.maxLength(200)
	),
	signature: base64url(128)
});

const ecPoint = v.strictObject({ x: base64url(64), y: base64url(64) });
const deviceTicket = v.pipe(v.string(), v.maxLength(2048));

/** An available device checks in (with its one-time exchange key) or leaves. */
export const DevicePresence = v.strictObject({
	ticket: deviceTicket,
	available: v.boolean(),
	exchangeKey: v.optional(ecPoint)
});

/** The device's verdict on a connect request (the password was checked on the device). */
export const DeviceAnswer = v.strictObject({
	ticket: deviceTicket,
	requestId: base64url(64),
	result: v.picklist(['ok', 'wrong-password', 'backoff', 'blocked']),
	retryAfterMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)))
});

/** An agent asks to connect: the password sealed to the device. */
export const ConnectRequest = v.strictObject({
	requestId: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{16,64}$/)),
	envelope: v.strictObject({ epk: ecPoint, iv: base64url(32), ciphertext: base64url(4096) })
});

/** The query string's fields, for a schema (only the first value of each). */
export function queryFields(params: URLSearchParams, names: string[]): Record<string, string> {
	const fields: Record<string, string> = {};
	for (const name of names) {
		const value = params.get(name);
		if (value !== null) fields[name] = value;
	}
	return fields;
}

export function formFields(data: FormData, names: string[]): Record<string, unknown> {
	const fields: Record<string, unknown> = {};
	for (const name of names) {
		const value = data.get(name);
		if (typeof value === 'string') fields[name] = value;
	}
	return fields;
}

export function firstIssue(issues: v.BaseIssue<unknown>[]): string {
	return issues[0]?.message ?? 'Invalid input';
}

export { v };
