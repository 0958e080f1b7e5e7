import { describe, expect, it } from 'vitest';
import { localSessionEvents } from './session-events';

describe('localSessionEvents', () => {
	it('delivers each event to its listeners until they unsubscribe', () => {
		const events = localSessionEvents();
		const seen: string[] = [];
		const off = events.subscribe('participant-left', (sessionId, peerId) =>
			seen.push(`${sessionId}/${peerId}`)
		);
		events.subscribe('session-ended', (sessionId) => seen.push(`ended ${sessionId}`));
		events.publish('participant-left', 's1', 'p1');
		events.publish('session-ended', 's1');
		off();
		events.publish('participant-left', 's1', 'p2');
		expect(seen).toEqual(['s1/p1', 'ended s1']);
	});

	it('a throwing listener does not keep the others from hearing', () => {
		process.env.PONTE_QUIET_LOGS = '1';
		const events = localSessionEvents();
		const seen: string[] = [];
		events.subscribe('session-ended', () => {
			throw new Error('boom');
		});
		events.subscribe('session-ended', (sessionId) => seen.push(sessionId));
		expect(() => events.publish('session-ended', 's2')).not.toThrow();
		expect(seen).toEqual(['s2']);
	});
});
