/**
 * The state machine of one support session: its status and the customer's screen share, as one
 * peer sees it. Pure: no side effects, no clock (times come in with the events).
 */
import type { EndReason } from './protocol';

/** An agent may ask for the screen again only this long after the previous request. */
export const SCREEN_REQUEST_INTERVAL_MS = 10_000;

export type SessionStatus = 'waiting' | 'connected' | 'ended';

/**
 * - not-shared: never shared yet
 * - sharing: the customer's screen is being shared
 * - stopped: the customer stopped sharing; only an agent's request can restart it
 * - declined: the customer cancelled the picker or said No
 * - requested: an agent asked, the customer has not shared (or declined) yet
 */
export type ScreenState = 'not-shared' | 'sharing' | 'stopped' | 'declined' | 'requested';

export interface SessionState {
	status: SessionStatus;
	screen: ScreenState;
	agentScreen: 'off' | 'sharing';
	lastRequestAt: number | null;
	endedBy: EndReason | null;
}

export const INITIAL_STATE: SessionState = Object.freeze({
	status: 'waiting',
	screen: 'not-shared',
	agentScreen: 'off',
	lastRequestAt: null,
	endedBy: null
});

export type SessionEvent =
	| { type: 'peer-connected' }
	| { type: 'share-started' }
	| { type: 'share-stopped' }
	| { type: 'share-declined' }
	| { type: 'screen-requested'; at: number }
	| { type: 'request-answered'; accepted: boolean }
	| { type: 'agent-share-started' }
	| { type: 'agent-share-stopped' }
	| { type: 'ended'; reason: EndReason }
	/**
	 * An agent adopts the customer's reported screen state (after connecting, or when another
	 * agent's request is pending). The customer is the authority on its own screen.
	 */
	| { type: 'screen-synced'; screen: ScreenState; at: number };

export type TransitionResult = { ok: true; state: SessionState } | { ok: false; error: string };

export interface TransitionOptions {
	/** Defaults to SCREEN_REQUEST_INTERVAL_MS; a receiving customer allows for network jitter. */
	minRequestIntervalMs?: number;
}

const SCREEN_STATES: readonly string[] = [
	'not-shared',
	'sharing',
	'stopped',
	'declined',
	'requested'
] satisfies ScreenState[];

function fail(error: string): TransitionResult {
	return { ok: false, error };
}

function next(state: SessionState, changes: Partial<SessionState>): TransitionResult {
	return { ok: true, state: Object.freeze({ ...state, ...changes }) };
}

/** Where the customer may start (or cancel) the picker without an agent asking. */
function screenPickerAllowed(screen: ScreenState): string | null {
	if (screen === 'sharing') return 'already-sharing';
	if (screen === 'stopped') return 'not-requested';
	return null;
}

export function transition(
	state: SessionState,
	event: SessionEvent,
	options: TransitionOptions = {}
): TransitionResult {
	if (state.status === 'ended') return fail('ended');
	switch (event.type) {
		case 'peer-connected':
			return state.status === 'connected'
				? { ok: true, state }
				: next(state, { status: 'connected' });

		case 'share-started': {
			// From 'stopped' a restart needs an agent's request and the customer's Yes.
			const error = screenPickerAllowed(state.screen);
			return error ? fail(error) : next(state, { screen: 'sharing' });
		}

		case 'share-declined': {
			const error = screenPickerAllowed(state.screen);
			return error ? fail(error) : next(state, { screen: 'declined' });
		}

		case 'share-stopped':
			return state.screen === 'sharing' ? next(state, { screen: 'stopped' }) : fail('not-sharing');

		case 'screen-requested': {
			if (!Number.isFinite(event.at)) return fail('invalid-time');
			if (state.screen === 'sharing') return fail('already-sharing');
			if (state.screen === 'requested') return fail('pending');
			const interval = options.minRequestIntervalMs ?? SCREEN_REQUEST_INTERVAL_MS;
			if (state.lastRequestAt !== null && event.at - state.lastRequestAt < interval) {
				return fail('too-soon');
			}
			return next(state, { screen: 'requested', lastRequestAt: event.at });
		}

		case 'request-answered':
			if (state.screen !== 'requested') return fail('not-requested');
			// Yes keeps it requested until the picker returns (share-started or share-declined).
			return event.accepted ? { ok: true, state } : next(state, { screen: 'declined' });

		case 'agent-share-started':
			return state.agentScreen === 'off'
				? next(state, { agentScreen: 'sharing' })
				: fail('agent-already-sharing');

		case 'agent-share-stopped':
			return state.agentScreen === 'sharing'
				? next(state, { agentScreen: 'off' })
				: fail('agent-not-sharing');

		case 'ended':
			return next(state, { status: 'ended', endedBy: event.reason });

		case 'screen-synced':
			if (!SCREEN_STATES.includes(event.screen)) return fail('unknown-screen-state');
			if (event.screen !== 'requested') return next(state, { screen: event.screen });
			if (!Number.isFinite(event.at)) return fail('invalid-time');
			return next(state, { screen: 'requested', lastRequestAt: event.at });

		default:
			return fail('unknown-event');
	}
}
