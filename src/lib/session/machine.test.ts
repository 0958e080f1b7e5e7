import { describe, expect, it } from 'vitest';
import {
	INITIAL_STATE,
	SCREEN_REQUEST_INTERVAL_MS,
	transition,
	type ScreenState,
	type SessionEvent,
	type SessionState
} from './machine';

const SCREENS: ScreenState[] = ['not-shared', 'sharing', 'stopped', 'declined', 'requested'];

function stateWith(changes: Partial<SessionState>): SessionState {
	return { ...INITIAL_STATE, status: 'connected', ...changes };
}

/** Runs events in order from the initial state, failing the test on the first illegal one. */
function run(...events: SessionEvent[]): SessionState {
	let state: SessionState = INITIAL_STATE;
	for (const event of events) {
		const result = transition(state, event);
		if (!result.ok) throw new Error(`${event.type}: ${result.error}`);
		state = result.state;
	}
	return state;
}

/** Expected outcome of each screen event from each screen state: the new screen or an error. */
const SCREEN_TABLE: Array<[SessionEvent, Record<ScreenState, ScreenState | { error: string }>]> = [
	[
		{ type: 'share-started' },
		{
			'not-shared': 'sharing',
			sharing: { error: 'already-sharing' },
			stopped: { error: 'not-requested' },
			declined: 'sharing',
			requested: 'sharing'
		}
	],
	[
		{ type: 'share-stopped' },
		{
			'not-shared': { error: 'not-sharing' },
			sharing: 'stopped',
			stopped: { error: 'not-sharing' },
			declined: { error: 'not-sharing' },
			requested: { error: 'not-sharing' }
		}
	],
	[
		{ type: 'share-declined' },
		{
			'not-shared': 'declined',
			sharing: { error: 'already-sharing' },
			stopped: { error: 'not-requested' },
			declined: 'declined',
			requested: 'declined'
		}
	],
	[
		{ type: 'screen-requested', at: 50_000 },
		{
			'not-shared': 'requested',
			sharing: { error: 'already-sharing' },
			stopped: 'requested',
			declined: 'requested',
			requested: { error: 'pending' }
		}
	],
	[
		{ type: 'request-answered', accepted: false },
		{
			'not-shared': { error: 'not-requested' },
			sharing: { error: 'not-requested' },
			stopped: { error: 'not-requested' },
			declined: { error: 'not-requested' },
			requested: 'declined'
		}
	],
	[
		{ type: 'request-answered', accepted: true },
		{
			'not-shared': { error: 'not-requested' },
			sharing: { error: 'not-requested' },
			stopped: { error: 'not-requested' },
			declined: { error: 'not-requested' },
			requested: 'requested'
		}
	]
];

describe('transition: screen events from every screen state', () => {
	for (const [event, outcomes] of SCREEN_TABLE) {
		for (const screen of SCREENS) {
			const expected = outcomes[screen];
			const label = typeof expected === 'string' ? expected : `error ${expected.error}`;
			it(`${JSON.stringify(event)} from ${screen} -> ${label}`, () => {
				const before = stateWith({ screen });
				const result = transition(before, event);
				if (typeof expected === 'string') {
					expect(result).toEqual({
						ok: true,
						state: expect.objectContaining({ screen: expected })
					});
				} else {
					expect(result).toEqual({ ok: false, error: expected.error });
				}
				// Pure: the input is never changed.
				expect(before.screen).toBe(screen);
			});
		}
	}
});

describe('transition: status', () => {
	it('starts waiting, not shared, with nothing requested', () => {
		expect(INITIAL_STATE).toEqual({
			status: 'waiting',
			screen: 'not-shared',
			agentScreen: 'off',
			lastRequestAt: null,
			endedBy: null
		});
		expect(Object.isFrozen(INITIAL_STATE)).toBe(true);
	});

	it('peer-connected: waiting -> connected, and idempotent when connected', () => {
		const connected = run({ type: 'peer-connected' });
		expect(connected.status).toBe('connected');
		const again = transition(connected, { type: 'peer-connected' });
		expect(again).toEqual({ ok: true, state: connected });
	});

	it('screen events are legal before the first peer connects', () => {
		expect(run({ type: 'share-started' }).screen).toBe('sharing');
	});

	it('ended records the reason, from waiting or connected', () => {
		expect(run({ type: 'ended', reason: 'expired' })).toMatchObject({
			status: 'ended',
			endedBy: 'expired'
		});
		const state = run({ type: 'peer-connected' }, { type: 'ended', reason: 'customer' });
		expect(state).toMatchObject({ status: 'ended', endedBy: 'customer' });
	});

	it('nothing at all is legal after the end, including a second end', () => {
		const ended = run({ type: 'peer-connected' }, { type: 'ended', reason: 'agent' });
		const events: SessionEvent[] = [
			{ type: 'peer-connected' },
			{ type: 'share-started' },
			{ type: 'share-stopped' },
			{ type: 'share-declined' },
			{ type: 'screen-requested', at: 1e9 },
			{ type: 'request-answered', accepted: true },
			{ type: 'request-answered', accepted: false },
			{ type: 'agent-share-started' },
			{ type: 'agent-share-stopped' },
			{ type: 'screen-synced', screen: 'sharing', at: 1 },
			{ type: 'ended', reason: 'agent' },
			{ type: 'ended', reason: 'customer' }
		];
		for (const event of events) {
			expect(transition(ended, event)).toEqual({ ok: false, error: 'ended' });
		}
		// Even from every screen state.
		for (const screen of SCREENS) {
			const state = stateWith({ screen, status: 'ended', endedBy: 'agent' });
			expect(transition(state, { type: 'share-started' })).toEqual({ ok: false, error: 'ended' });
		}
	});

	it('rejects an unknown event without throwing', () => {
		const event = { type: 'teleport' } as unknown as SessionEvent;
		expect(transition(INITIAL_STATE, event)).toEqual({ ok: false, error: 'unknown-event' });
	});
});

describe('transition: screen requests', () => {
	const requestedAt = 1_000_000;
	const afterDecline = run(
		{ type: 'peer-connected' },
		{ type: 'screen-requested', at: requestedAt },
		{ type: 'request-answered', accepted: false }
	);

	it('records when the screen was requested', () => {
		expect(afterDecline).toMatchObject({ screen: 'declined', lastRequestAt: requestedAt });
	});

	it('is too soon before SCREEN_REQUEST_INTERVAL_MS has passed', () => {
		const early = { type: 'screen-requested', at: requestedAt + SCREEN_REQUEST_INTERVAL_MS - 1 };
		expect(transition(afterDecline, early as SessionEvent)).toEqual({
			ok: false,
			error: 'too-soon'
		});
		const onTime = transition(afterDecline, {
			type: 'screen-requested',
			at: requestedAt + SCREEN_REQUEST_INTERVAL_MS
		});
		expect(onTime).toEqual({
			ok: true,
			state: expect.objectContaining({
				screen: 'requested',
				lastRequestAt: requestedAt + SCREEN_REQUEST_INTERVAL_MS
			})
		});
	});

	it('is too soon when the clock went backwards', () => {
		expect(transition(afterDecline, { type: 'screen-requested', at: requestedAt - 1 })).toEqual({
			ok: false,
			error: 'too-soon'
		});
	});

	it('takes a custom minimum interval (the receiving customer allows for jitter)', () => {
		const at = requestedAt + 8_000;
		expect(transition(afterDecline, { type: 'screen-requested', at }).ok).toBe(false);
		expect(
			transition(afterDecline, { type: 'screen-requested', at }, { minRequestIntervalMs: 8_000 }).ok
		).toBe(true);
	});

	it('rejects a request time that is not a finite number', () => {
		for (const at of [NaN, Infinity, -Infinity]) {
			expect(transition(afterDecline, { type: 'screen-requested', at })).toEqual({
				ok: false,
				error: 'invalid-time'
			});
		}
	});

	it('a request while sharing or while another is pending is illegal', () => {
		const sharing = run({ type: 'share-started' });
		expect(transition(sharing, { type: 'screen-requested', at: 1 })).toEqual({
			ok: false,
			error: 'already-sharing'
		});
		const pending = run({ type: 'screen-requested', at: 1 });
		expect(transition(pending, { type: 'screen-requested', at: 1e9 })).toEqual({
			ok: false,
			error: 'pending'
		});
	});
});

describe('transition: flows', () => {
	it('stop, then restart only through a request and a Yes', () => {
		const stopped = run({ type: 'share-started' }, { type: 'share-stopped' });
		expect(stopped.screen).toBe('stopped');
		expect(transition(stopped, { type: 'share-started' })).toEqual({
			ok: false,
			error: 'not-requested'
		});
		const sharing = run(
			{ type: 'share-started' },
			{ type: 'share-stopped' },
			{ type: 'screen-requested', at: 5 },
			{ type: 'request-answered', accepted: true },
			{ type: 'share-started' }
		);
		expect(sharing.screen).toBe('sharing');
	});

	it('Yes then a cancelled picker ends declined; the customer may retry the picker', () => {
		const declined = run(
			{ type: 'screen-requested', at: 5 },
			{ type: 'request-answered', accepted: true },
			{ type: 'share-declined' }
		);
		expect(declined.screen).toBe('declined');
		expect(transition(declined, { type: 'share-started' }).ok).toBe(true);
	});

	it('agent screen share toggles, and not twice the same way', () => {
		const sharing = run({ type: 'agent-share-started' });
		expect(sharing.agentScreen).toBe('sharing');
		expect(transition(sharing, { type: 'agent-share-started' })).toEqual({
			ok: false,
			error: 'agent-already-sharing'
		});
		const off = run({ type: 'agent-share-started' }, { type: 'agent-share-stopped' });
		expect(off.agentScreen).toBe('off');
		expect(transition(off, { type: 'agent-share-stopped' })).toEqual({
			ok: false,
			error: 'agent-not-sharing'
		});
		expect(transition(INITIAL_STATE, { type: 'agent-share-stopped' }).ok).toBe(false);
	});

	it('the agent screen is independent of the customer screen', () => {
		const state = run({ type: 'share-started' }, { type: 'agent-share-started' });
		expect(state).toMatchObject({ screen: 'sharing', agentScreen: 'sharing' });
	});
});

describe('transition: screen-synced', () => {
	it('adopts any reported screen state from any screen state', () => {
		for (const from of SCREENS) {
			for (const to of SCREENS) {
				const result = transition(stateWith({ screen: from }), {
					type: 'screen-synced',
					screen: to,
					at: 7
				});
				expect(result).toEqual({ ok: true, state: expect.objectContaining({ screen: to }) });
			}
		}
	});

	it('a synced request counts for the interval; other states keep the last request time', () => {
		const requested = transition(stateWith({ lastRequestAt: 3 }), {
			type: 'screen-synced',
			screen: 'requested',
			at: 7
		});
		expect(requested.ok && requested.state.lastRequestAt).toBe(7);
		const sharing = transition(stateWith({ lastRequestAt: 3 }), {
			type: 'screen-synced',
			screen: 'sharing',
			at: 7
		});
		expect(sharing.ok && sharing.state.lastRequestAt).toBe(3);
	});

	it('rejects an unknown screen state', () => {
		const event = {
			type: 'screen-synced',
			screen: 'upside-down',
			at: 1
		} as unknown as SessionEvent;
		expect(transition(INITIAL_STATE, event)).toEqual({
			ok: false,
			error: 'unknown-screen-state'
		});
	});
});
