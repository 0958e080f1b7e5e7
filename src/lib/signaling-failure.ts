/**
 * Why a page could not register with the signaling server, as a reason the page words in its
 * language. The browser's and PeerJS's own message stays for logs only (`detail`).
 */
import { m } from '$lib/paraglide/messages';

export type SignalingFailureReason = 'no-answer' | 'network' | 'refused' | 'browser' | 'other';

/** PeerJS error types (and our own 'timeout'), grouped by what the person can do about them. */
const REASONS: Record<string, SignalingFailureReason> = {
	timeout: 'no-answer',
	network: 'network',
	'socket-error': 'network',
	'socket-closed': 'network',
	'server-error': 'network',
	'unavailable-id': 'refused',
	'invalid-id': 'refused',
	'invalid-key': 'refused',
	'browser-incompatible': 'browser',
	'ssl-unavailable': 'browser'
};

export function signalingFailureReason(error: unknown): SignalingFailureReason {
	const type = (error as { type?: unknown } | null)?.type;
	return (typeof type === 'string' && Object.hasOwn(REASONS, type) && REASONS[type]) || 'other';
}

type Options = { locale?: 'en' | 'it' };

export function signalingFailureText(
	failure: { reason: SignalingFailureReason; detail: string },
	options: Options = {}
): string {
	switch (failure.reason) {
		case 'no-answer':
			return m.error_signaling_no_answer({}, options);
		case 'network':
			return m.error_signaling_network({}, options);
		case 'refused':
			return m.error_signaling_refused({}, options);
		case 'browser':
			return m.error_signaling_browser({}, options);
		case 'other':
			return m.error_signaling({ detail: failure.detail }, options);
	}
}
