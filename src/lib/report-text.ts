/**
 * How a session's recorded events read, in the page's language or a given one: the report page
 * renders them in the browser (they follow the language switcher), the exports on the server in
 * the agent's language.
 */
import { endReasonLabel, formatBytes, messageLocale } from '$lib/format';
import { locale } from '$lib/i18n/locale.svelte';
import { m } from '$lib/paraglide/messages';
import { captureReasonLabel } from '$lib/capture-failure-text';

/** A recorded value as text, at most `max` characters; never throws, whatever was stored. */
export const recordedText = (value: unknown, max = 4000) =>
	typeof value === 'string' ? value.slice(0, max) : value === undefined ? '' : plain(value);
const text = recordedText;

/** Any other stored value as text; `{ "toString": "x" }` (valid JSON) makes String() throw. */
function plain(value: unknown): string {
	try {
		return String(value);
	} catch {
		return Object.prototype.toString.call(value);
	}
}

/** Recorded directions (several spellings over time) to the two that exist. */
const DIRECTIONS: Record<string, 'to-customer' | 'to-agent'> = {
	'to-customer': 'to-customer',
	'to-agent': 'to-agent',
	sent: 'to-customer',
	received: 'to-agent',
	outgoing: 'to-customer',
	incoming: 'to-agent',
	'agent-to-customer': 'to-customer',
	'customer-to-agent': 'to-agent'
};

/** The direction a file went, normalised ("to-agent"); anything unknown is kept as recorded. */
export function fileDirection(direction: unknown): string {
	const raw = text(direction, 40);
	return DIRECTIONS[raw] ?? raw;
}

/** "agent → customer", "customer → agent" (per locale); an unknown direction reads as itself. */
export function fileDirectionLabel(direction: string, lang: string = locale()): string {
	const options = { locale: messageLocale(lang) };
	const normalised = DIRECTIONS[direction] ?? direction;
	if (normalised === 'to-customer') return m.agent_file_to_customer({}, options);
	if (normalised === 'to-agent') return m.agent_file_to_agent({}, options);
	return direction;
}

/** How a transfer ended ("done", "failed"…), per locale; an unknown result reads as itself. */
export function fileResultLabel(result: string, lang: string = locale()): string {
	const options = { locale: messageLocale(lang) };
	switch (result) {
		case 'done':
			return m.agent_file_result_done({}, options);
		case 'completed':
			return m.agent_file_result_completed({}, options);
		case 'declined':
			return m.agent_file_result_declined({}, options);
		case 'cancelled':
			return m.agent_file_result_cancelled({}, options);
		case 'failed':
			return m.agent_file_result_failed({}, options);
		default:
			return result;
	}
}

/** A participant's or chat line's role ("customer", "agent"), per locale. */
export function roleLabel(role: string, lang: string = locale()): string {
	const options = { locale: messageLocale(lang) };
	if (role === 'customer') return m.agent_role_customer({}, options);
	if (role === 'agent') return m.agent_role_agent({}, options);
	if (role === 'system') return m.agent_role_system({}, options);
	return role;
}

/**
 * The events that read "{name} did this", and who did it when the event names nobody (a
 * camera is only ever the customer's).
 */
const PERSON_EVENTS: Record<
	string,
	{ message: typeof m.agent_event_voice_started; nobody: 'someone' | 'customer' }
> = {
	'voice.started': { message: m.agent_event_voice_started, nobody: 'someone' },
	'voice.joined': { message: m.agent_event_voice_joined, nobody: 'someone' },
	'voice.declined': { message: m.agent_event_voice_declined, nobody: 'someone' },
	'voice.muted': { message: m.agent_event_voice_muted, nobody: 'someone' },
	'voice.unmuted': { message: m.agent_event_voice_unmuted, nobody: 'someone' },
	'annotation.started': { message: m.agent_event_annotation_started, nobody: 'someone' },
	'camera.sharing': { message: m.agent_event_camera_sharing, nobody: 'customer' },
	'camera.paused': { message: m.agent_event_camera_paused, nobody: 'customer' },
	'camera.resumed': { message: m.agent_event_camera_resumed, nobody: 'customer' },
	'camera.stopped': { message: m.agent_event_camera_stopped, nobody: 'customer' },
	'camera.switched': { message: m.agent_event_camera_switched, nobody: 'customer' }
};

/** One line of plain text per event, for the timeline and the exports. */
export function describeEvent(
	type: string,
	data: Record<string, unknown>,
	lang: string = locale()
): string {
	const options = { locale: messageLocale(lang) };
	if (Object.hasOwn(PERSON_EVENTS, type)) {
		const { message, nobody } = PERSON_EVENTS[type];
		const name =
			text(data.name, 200) ||
			(nobody === 'customer'
				? m.agent_the_customer({}, options)
				: m.agent_event_someone({}, options));
		return message({ name }, options);
	}
	switch (type) {
		case 'session.created':
			return data.agent
				? m.agent_event_session_created_by({ agent: text(data.agent, 200) }, options)
				: m.agent_event_session_created({}, options);
		case 'customer.joined': {
			const name = text(data.name, 200) || m.agent_the_customer({}, options);
			return data.browser
				? m.agent_event_customer_joined_browser({ name, browser: text(data.browser, 200) }, options)
				: m.agent_event_customer_joined({ name }, options);
		}
		case 'customer.connected':
			return m.agent_event_customer_connected({}, options);
		case 'customer.disconnected':
			return m.agent_event_customer_disconnected({}, options);
		case 'agent.joined':
			return m.agent_event_agent_joined(
				{ name: text(data.name, 200) || m.agent_event_an_agent({}, options) },
				options
			);
		case 'agent.left': {
			const name = text(data.name, 200) || m.agent_event_an_agent({}, options);
			return data.reason === 'disabled'
				? m.agent_event_agent_left_disabled({ name }, options)
				: m.agent_event_agent_left({ name }, options);
		}
		case 'chat':
			return m.agent_event_chat(
				{ name: text(data.name, 200) || m.agent_event_someone({}, options), text: text(data.text) },
				options
			);
		case 'file': {
			const name = text(data.name, 300);
			const raw = text(data.result, 100);
			const result = raw
				? fileResultLabel(raw, lang)
				: m.agent_event_file_unknown_result({}, options);
			const size = typeof data.size === 'number' ? formatBytes(data.size, lang) : '';
			const recorded = fileDirection(data.direction);
			const direction = recorded ? fileDirectionLabel(recorded, lang) : '';
			if (size && direction) {
				return m.agent_event_file_size_direction({ name, size, direction, result }, options);
			}
			if (size) return m.agent_event_file_size({ name, size, result }, options);
			if (direction) return m.agent_event_file_direction({ name, direction, result }, options);
			return m.agent_event_file({ name, result }, options);
		}
		case 'screen.sharing':
			return m.agent_event_screen_sharing({}, options);
		case 'screen.stopped':
			return m.agent_event_screen_stopped({}, options);
		case 'screen.declined':
			// The customer's Cancel has no reason; the computer refusing has one.
			return data.reason && data.reason !== 'cancelled'
				? m.agent_event_screen_capture_failed(
						{ reason: captureReasonLabel(data.reason, lang) },
						options
					)
				: m.agent_event_screen_declined({}, options);
		case 'screen.not-shared':
			return m.agent_event_screen_not_shared({}, options);
		case 'screen.requested':
			return m.agent_event_screen_requested({}, options);
		case 'screen.request-accepted':
			return m.agent_event_screen_request_accepted({}, options);
		case 'screen.request-declined':
			return m.agent_event_screen_request_declined({}, options);
		case 'session.end-requested':
			return data.by === 'customer'
				? m.agent_event_end_by_customer({}, options)
				: m.agent_event_end_by_agent({}, options);
		case 'session.ended': {
			const reason = text(data.reason, 40);
			return m.agent_event_session_closed(
				{ reason: endReasonLabel(reason, lang) || m.agent_event_ended({}, options) },
				options
			);
		}
		case 'voice.ended':
			return data.name
				? m.agent_event_voice_ended_by({ name: text(data.name, 200) }, options)
				: m.agent_event_voice_ended({}, options);
		case 'annotation.stopped': {
			const name = text(data.name, 200) || m.agent_event_someone({}, options);
			return typeof data.marks === 'number' && Number.isFinite(data.marks)
				? m.agent_event_annotation_stopped_marks({ name, marks: data.marks }, options)
				: m.agent_event_annotation_stopped({ name }, options);
		}
		case 'snapshot': {
			const size = typeof data.size === 'number' ? formatBytes(data.size, lang) : '—';
			const annotated = data.annotated === true;
			if (data.source === 'camera') {
				return annotated
					? m.agent_event_snapshot_camera_annotated({ size }, options)
					: m.agent_event_snapshot_camera({ size }, options);
			}
			return annotated
				? m.agent_event_snapshot_screen_annotated({ size }, options)
				: m.agent_event_snapshot_screen({ size }, options);
		}
		case 'recording-started':
			return m.agent_event_recording_started(
				{
					part: partNumber(data.segment),
					name: text(data.owner, 200) || m.agent_event_an_agent({}, options)
				},
				options
			);
		case 'recording-segment-ended': {
			const missing = Array.isArray(data.missing) ? data.missing.length : 0;
			return missing > 0
				? m.agent_event_recording_segment_ended_missing(
						{ part: partNumber(data.segment), count: missing },
						options
					)
				: m.agent_event_recording_segment_ended({ part: partNumber(data.segment) }, options);
		}
		case 'recording-problem':
			return m.agent_event_recording_problem(
				{ reason: recordingProblemLabel(data.reason, lang) },
				options
			);
		default:
			return type;
	}
}

/** A segment number as people count parts: segment 0 is part 1. */
function partNumber(segment: unknown): number {
	return typeof segment === 'number' && Number.isSafeInteger(segment) ? segment + 1 : 1;
}

/** Why the recorder could not record, in words. */
export function recordingProblemLabel(reason: unknown, lang: string = locale()): string {
	const options = { locale: messageLocale(lang) };
	switch (reason) {
		case 'unsupported':
			return m.agent_recording_reason_unsupported({}, options);
		case 'upload-failing':
			return m.agent_recording_reason_upload_failing({}, options);
		case 'recorder-error':
			return m.agent_recording_reason_recorder_error({}, options);
		default:
			return text(reason, 40);
	}
}
