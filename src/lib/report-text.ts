/**
 * How a session's recorded events read, in the page's language or a given one: the report page
 * renders them in the browser (they follow the language switcher), the exports on the server in
 * the agent's language.
 */
import { endReasonLabel, formatBytes, messageLocale } from '$lib/format';
import { locale } from '$lib/i18n/locale.svelte';
import { m } from '$lib/paraglide/messages';
import { captureReasonLabel } from '$lib/capture-failure-text';

const text = (value: unknown, max = 4000) =>
	typeof value === 'string' ? value.slice(0, max) : value === undefined ? '' : String(value);

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

/** One line of plain text per event, for the timeline and the exports. */
export function describeEvent(
	type: string,
	data: Record<string, unknown>,
	lang: string = locale()
): string {
	const options = { locale: messageLocale(lang) };
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
		default:
			return type;
	}
}
