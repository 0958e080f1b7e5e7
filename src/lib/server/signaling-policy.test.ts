import { describe, expect, it } from 'vitest';
import { DEFAULT_FEATURES } from '$lib/session/protocol';
import { connectionIdOf, relayRefusal, type RelaySender } from './signaling-policy';

const allowed: RelaySender = { role: 'agent', features: { ...DEFAULT_FEATURES } };
const customer: RelaySender = { role: 'customer', features: { ...DEFAULT_FEATURES } };
const noFiles: RelaySender = {
	role: 'agent',
	features: { ...DEFAULT_FEATURES, fileTransfer: false }
};
const noAgentScreen: RelaySender = {
	role: 'agent',
	features: { ...DEFAULT_FEATURES, agentScreenShare: false }
};
const noVoice = (role: RelaySender['role']): RelaySender => ({
	role,
	features: { ...DEFAULT_FEATURES, voice: false }
});

/** An SDP offer as browsers write it, with one media section per type given. */
function sdp(...types: string[]): { type: 'offer'; sdp: string } {
	const head = ['v=0', 'o=- 4611731400430051336 2 IN IP4 127.0.0.1', 's=-', 't=0 0'];
	const sections = types.flatMap((type, index) => [
		`m=${type} 9 UDP/TLS/RTP/SAVPF 96`,
		'c=IN IP4 0.0.0.0',
		`a=mid:${index}`,
		'a=sendrecv'
	]);
	return { type: 'offer', sdp: [...head, ...sections, ''].join('\r\n') };
}

const offer = (payload: unknown) => ({ type: 'OFFER', dst: 'peer', payload });
const dataOffer = (label: string) =>
	offer({ type: 'data', label, connectionId: 'dc_1', serialization: 'raw', sdp: {} });
/** A media call as PeerJS sends it: the call's metadata and SDP in the payload. */
const callOffer = (kind: unknown, description: unknown) =>
	offer({ type: 'media', connectionId: 'mc_1', metadata: { ticket: 't', kind }, sdp: description });
/** A call of this kind as PeerJS places it: its media, and the call's own data channel. */
const mediaOffer = (kind: string) =>
	callOffer(kind, sdp(kind === 'voice' ? 'audio' : 'video', 'application'));

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

	it("relays the customer's screen and camera, whatever the features", () => {
		expect(relayRefusal(mediaOffer('screen'), customer)).toBeNull();
		expect(relayRefusal(mediaOffer('camera'), customer)).toBeNull();
		expect(relayRefusal(mediaOffer('screen'), noVoice('customer'))).toBeNull();
		expect(relayRefusal(mediaOffer('screen'), { ...noAgentScreen, role: 'customer' })).toBeNull();
	});

	it("refuses an agent's screen call when agent screen sharing is denied", () => {
		expect(relayRefusal(mediaOffer('agent-screen'), noAgentScreen)).toBe(
			'agent-screen-share-denied'
		);
		expect(relayRefusal(mediaOffer('agent-screen'), allowed)).toBeNull();
	});

	it('relays a voice call from either side only while voice is allowed', () => {
		expect(relayRefusal(mediaOffer('voice'), allowed)).toBeNull();
		expect(relayRefusal(mediaOffer('voice'), customer)).toBeNull();
		expect(relayRefusal(mediaOffer('voice'), noVoice('agent'))).toBe('voice-denied');
		expect(relayRefusal(mediaOffer('voice'), noVoice('customer'))).toBe('voice-denied');
		// A ticket from before the setting existed carries no `voice`: not allowed.
		const older: Partial<typeof DEFAULT_FEATURES> = { ...DEFAULT_FEATURES };
		delete older.voice;
		expect(
			relayRefusal(mediaOffer('voice'), {
				role: 'agent',
				features: older as typeof DEFAULT_FEATURES
			})
		).toBe('voice-denied');
	});

	it('refuses a kind the sender’s role does not send', () => {
		expect(relayRefusal(mediaOffer('screen'), allowed)).toBe('media-kind-refused');
		expect(relayRefusal(mediaOffer('camera'), allowed)).toBe('media-kind-refused');
		expect(relayRefusal(mediaOffer('agent-screen'), customer)).toBe('media-kind-refused');
	});

	it('refuses media calls of no kind, or of one it does not know', () => {
		for (const kind of [undefined, null, '', 'Screen', 'microphone', 5, {}, ['voice']]) {
			expect(relayRefusal(callOffer(kind, sdp('video')), customer)).toBe('media-kind-refused');
		}
		// Names every object has are not kinds.
		for (const kind of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
			expect(relayRefusal(callOffer(kind, sdp('video')), customer)).toBe('media-kind-refused');
		}
		for (const metadata of [undefined, null, 'voice', 7, []]) {
			expect(
				relayRefusal(
					offer({ type: 'media', connectionId: 'mc_1', metadata, sdp: sdp('video') }),
					customer
				)
			).toBe('media-kind-refused');
		}
	});

	it('refuses a call whose SDP offers other media than its kind', () => {
		// Sound in a screen or camera call: voice without the voice setting.
		expect(relayRefusal(callOffer('screen', sdp('video', 'audio')), noVoice('customer'))).toBe(
			'media-type-refused'
		);
		expect(relayRefusal(callOffer('camera', sdp('audio')), customer)).toBe('media-type-refused');
		expect(relayRefusal(callOffer('agent-screen', sdp('audio', 'video')), allowed)).toBe(
			'media-type-refused'
		);
		// Pictures in a voice call.
		expect(relayRefusal(callOffer('voice', sdp('audio', 'video')), allowed)).toBe(
			'media-type-refused'
		);
		// Nor media of a type no kind sends.
		expect(relayRefusal(callOffer('voice', sdp('audio', 'text')), allowed)).toBe(
			'media-type-refused'
		);
		// The data channel PeerJS opens with every call (to see it closed) is no media.
		expect(relayRefusal(callOffer('screen', sdp('video', 'application')), customer)).toBeNull();
		expect(relayRefusal(callOffer('voice', sdp('audio', 'application')), allowed)).toBeNull();
		expect(relayRefusal(callOffer('screen', sdp('video', 'video')), customer)).toBeNull();
		// \n alone ends a line too.
		const bare = { type: 'offer', sdp: 'v=0\nm=video 9 RTP/AVP 96\nm=audio 9 RTP/AVP 0\n' };
		expect(relayRefusal(callOffer('screen', bare), customer)).toBe('media-type-refused');
	});

	it('refuses media calls without an SDP to read', () => {
		for (const description of [undefined, null, {}, 'v=0', { sdp: 5 }, { sdp: null }, []]) {
			expect(relayRefusal(callOffer('screen', description), customer)).toBe('malformed-offer');
		}
	});

	it('refuses offers whose payload does not say what they are', () => {
		expect(relayRefusal(offer(null), allowed)).toBe('malformed-offer');
		expect(relayRefusal(offer('files'), allowed)).toBe('malformed-offer');
		expect(relayRefusal(offer({ type: 'other', label: 'files' }), allowed)).toBe('malformed-offer');
		expect(relayRefusal({ type: 'OFFER' }, allowed)).toBe('malformed-offer');
	});

	it('never throws on hostile payloads', () => {
		const hostile: unknown[] = [
			Object.create(null),
			{ type: 'media', metadata: Object.create(null), sdp: Object.create(null) },
			{ type: 'media', metadata: { kind: 'voice' }, sdp: { sdp: 'm='.repeat(20_000) } },
			{ type: 'media', metadata: { kind: { toString: () => 'voice' } }, sdp: sdp('audio') },
			[1, 2, 3],
			42,
			true
		];
		for (const payload of hostile) {
			for (const sender of [allowed, customer, noVoice('agent')]) {
				expect(() => relayRefusal(offer(payload), sender)).not.toThrow();
				expect(relayRefusal(offer(payload), sender)).not.toBeNull();
			}
		}
		expect(relayRefusal(callOffer('screen', { sdp: '\r\n'.repeat(30_000) }), customer)).toBeNull();
		// A long SDP is read quickly (signaling caps a message at 64 KB).
		const long = { type: 'offer', sdp: `m=audio 9 RTP/AVP 0\r\n${'a=x\r\n'.repeat(12_000)}` };
		const started = performance.now();
		expect(relayRefusal(callOffer('voice', long), allowed)).toBeNull();
		expect(performance.now() - started).toBeLessThan(50);
	});

	it('leaves answers, candidates and leaves to the connection-ID check', () => {
		for (const type of ['ANSWER', 'CANDIDATE', 'LEAVE', 'HEARTBEAT']) {
			expect(relayRefusal({ type, payload: { type: 'data', label: 'files' } }, noFiles)).toBeNull();
			expect(
				relayRefusal({ type, payload: { type: 'media', sdp: sdp('audio') } }, noVoice('agent'))
			).toBeNull();
		}
	});

	it('reads connection IDs, and only sensible ones', () => {
		expect(connectionIdOf(dataOffer('files'))).toBe('dc_1');
		expect(connectionIdOf({ payload: { connectionId: 5 } })).toBeNull();
		expect(connectionIdOf({ payload: { connectionId: 'x'.repeat(500) } })).toBeNull();
		expect(connectionIdOf({})).toBeNull();
	});
});
