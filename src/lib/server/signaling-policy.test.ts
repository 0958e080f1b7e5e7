import { describe, expect, it } from 'vitest';
import { DEFAULT_FEATURES } from '$lib/session/protocol';
import { connectionIdOf, relayRefusal, type RelaySender } from './signaling-policy';

const allowed: RelaySender = { role: 'agent', features: { ...DEFAULT_FEATURES } };
const noFiles: RelaySender = {
	role: 'agent',
	features: { ...DEFAULT_FEATURES, fileTransfer: false }
};
const noAgentScreen: RelaySender = {
	role: 'agent',
	features: { ...DEFAULT_FEATURES, agentScreenShare: false }
};

const offer = (payload: unknown) => ({ type: 'OFFER', dst: 'peer', payload });
const dataOffer = (label: string) =>
	offer({ type: 'data', label, connectionId: 'dc_1', serialization: 'raw', sdp: {} });
const mediaOffer = offer({ type: 'media', connectionId: 'mc_1', sdp: {} });

describe('relayRefusal', () => {
	it('relays control channels whatever the features', () => {
		expect(relayRefusal(dataOffer('control'), noFiles)).toBeNull();
		expect(relayRefusal(dataOffer('control'), allowed)).toBeNull();
	});

	it('refuses a file channel when the sender may not transfer files', () => {
		expect(relayRefusal(dataOffer('files'), noFiles)).toBe('file-transfer-denied');
		expect(relayRefusal(dataOffer('files'), { ...noFiles, role: 'customer' })).toBe(
			'file-transfer-denied'
		);
		expect(relayRefusal(dataOffer('files'), allowed)).toBeNull();
	});

	it("refuses an agent's media call when agent screen sharing is denied", () => {
		expect(relayRefusal(mediaOffer, noAgentScreen)).toBe('agent-screen-share-denied');
		expect(relayRefusal(mediaOffer, allowed)).toBeNull();
		// The customer's own screen is what the session is for.
		expect(relayRefusal(mediaOffer, { ...noAgentScreen, role: 'customer' })).toBeNull();
	});

	it('refuses offers whose payload does not say what they are', () => {
		expect(relayRefusal(offer(null), allowed)).toBe('malformed-offer');
		expect(relayRefusal(offer('files'), allowed)).toBe('malformed-offer');
		expect(relayRefusal(offer({ type: 'other', label: 'files' }), allowed)).toBe('malformed-offer');
		expect(relayRefusal({ type: 'OFFER' }, allowed)).toBe('malformed-offer');
	});

	it('leaves answers, candidates and leaves to the connection-ID check', () => {
		for (const type of ['ANSWER', 'CANDIDATE', 'LEAVE', 'HEARTBEAT']) {
			expect(relayRefusal({ type, payload: { type: 'data', label: 'files' } }, noFiles)).toBeNull();
		}
	});

	it('reads connection IDs, and only sensible ones', () => {
		expect(connectionIdOf(dataOffer('files'))).toBe('dc_1');
		expect(connectionIdOf({ payload: { connectionId: 5 } })).toBeNull();
		expect(connectionIdOf({ payload: { connectionId: 'x'.repeat(500) } })).toBeNull();
		expect(connectionIdOf({})).toBeNull();
	});
});
