import { describe, expect, it } from 'vitest';
import { DEFAULT_FEATURES } from '$lib/session/protocol';
import { CAMERA_KIND, customerCamera } from './camera';
import { MediaKinds, carries, type MediaKind } from './media-kind';
import { FakeCall, fakeStream } from './media-test-fakes';
import { SCREEN_KIND, ScreenModes, agentScreen, customerScreen } from './screen';
import { VOICE_KIND, voice } from './voice';

const modes = new ScreenModes();
const kinds = () => new MediaKinds([customerScreen(modes), agentScreen(modes)]);
const withAgentScreen = { ...DEFAULT_FEATURES, agentScreenShare: true };
const withoutAgentScreen = { ...DEFAULT_FEATURES, agentScreenShare: false };

describe('media kinds', () => {
	it('looks a call’s kind up by its wire name, and nothing else', () => {
		const registry = kinds();
		expect(registry.byWire('screen')?.wire).toBe('screen');
		expect(registry.byWire('agent-screen')?.wire).toBe('agent-screen');
		expect(registry.byWire('voice')).toBe(null);
		expect(registry.byWire({ toString: () => 'screen' })).toBe(null);
		expect(registry.byWire(undefined)).toBe(null);
		expect(() => registry.register(customerScreen(modes))).toThrow(/twice/);
	});

	it('takes the customer’s screen from a customer, and an agent’s only while allowed', () => {
		const registry = kinds();
		expect(registry.accepts('screen', 'customer', 'agent', withoutAgentScreen)?.wire).toBe(
			'screen'
		);
		expect(registry.accepts('screen', 'agent', 'customer', withAgentScreen)).toBe(null);
		expect(registry.accepts('agent-screen', 'agent', 'customer', withAgentScreen)?.wire).toBe(
			'agent-screen'
		);
		expect(registry.accepts('agent-screen', 'agent', 'customer', withoutAgentScreen)).toBe(null);
		expect(registry.accepts('agent-screen', 'customer', 'agent', withAgentScreen)).toBe(null);
		// A screen goes to the counterpart only: not from one agent to another.
		expect(registry.accepts('agent-screen', 'agent', 'agent', withAgentScreen)).toBe(null);
		expect(registry.accepts('screen', 'customer', 'customer', withAgentScreen)).toBe(null);
	});

	it('gives each role the kinds it sends; only the customer’s screen is called ahead', () => {
		const registry = kinds();
		expect(registry.sentBy('customer').map((k) => k.wire)).toEqual([SCREEN_KIND.customer]);
		expect(registry.sentBy('agent').map((k) => k.wire)).toEqual([SCREEN_KIND.agent]);
		expect(customerScreen(modes).placeholder).toBeTypeOf('function');
		expect(agentScreen(modes).placeholder).toBeUndefined();
	});

	it('a new kind is one registration: a voice both roles send shows up for both', () => {
		const voice: MediaKind = {
			wire: 'voice',
			track: 'audio',
			sentBy: ['customer', 'agent'],
			allowed: () => true,
			placeholder: () => fakeStream('audio')
		};
		const registry = kinds().register(voice);
		expect(registry.sentBy('customer').map((k) => k.wire)).toEqual(['screen', 'voice']);
		expect(registry.sentBy('agent').map((k) => k.wire)).toEqual(['agent-screen', 'voice']);
		expect(registry.accepts('voice', 'agent', 'customer', DEFAULT_FEATURES)).toBe(voice);
	});

	it('encodes the screen in the mode each agent chose, and follows the path for Smooth only', async () => {
		const screenModes = new ScreenModes();
		const kind = customerScreen(screenModes);
		screenModes.set('agent-2', 'smooth');
		const call = new FakeCall('agent-1', fakeStream('video'), null);
		await kind.encode?.(call, 'agent-1');
		await kind.encode?.(call, 'agent-2');
		expect(call.modes).toEqual(['sharp', 'smooth']);
		expect(kind.reencode?.applies('agent-1')).toBe(false);
		expect(kind.reencode?.applies('agent-2')).toBe(true);
	});

	it('voice goes from anyone to anyone but from the customer to itself, while the session allows it', () => {
		const registry = kinds().register(voice()).register(customerCamera());
		const noVoice = { ...DEFAULT_FEATURES, voice: false };
		expect(registry.accepts(VOICE_KIND, 'customer', 'agent', DEFAULT_FEATURES)?.wire).toBe('voice');
		expect(registry.accepts(VOICE_KIND, 'agent', 'customer', DEFAULT_FEATURES)?.wire).toBe('voice');
		// Agents hear each other in a multi-agent session.
		expect(registry.accepts(VOICE_KIND, 'agent', 'agent', DEFAULT_FEATURES)?.wire).toBe('voice');
		// A session has one customer.
		expect(registry.accepts(VOICE_KIND, 'customer', 'customer', DEFAULT_FEATURES)).toBe(null);
		for (const [from, to] of [
			['customer', 'agent'],
			['agent', 'customer'],
			['agent', 'agent']
		] as const) {
			expect(registry.accepts(VOICE_KIND, from, to, noVoice)).toBe(null);
		}
	});

	it('the camera goes from the customer to the agents, always allowed', () => {
		const registry = kinds().register(customerCamera());
		const nothingAllowed = {
			...DEFAULT_FEATURES,
			voice: false,
			agentScreenShare: false,
			multiAgent: false
		};
		expect(registry.accepts(CAMERA_KIND, 'customer', 'agent', nothingAllowed)?.wire).toBe('camera');
		expect(registry.accepts(CAMERA_KIND, 'agent', 'customer', DEFAULT_FEATURES)).toBe(null);
		expect(registry.accepts(CAMERA_KIND, 'agent', 'agent', DEFAULT_FEATURES)).toBe(null);
		expect(registry.sentBy('agent').map((k) => k.wire)).not.toContain('camera');
	});

	it('a kind without sendsTo goes to the sender’s counterpart only', () => {
		const screen = customerScreen(modes);
		expect(carries(screen, 'customer', 'agent')).toBe(true);
		expect(carries(screen, 'customer', 'customer')).toBe(false);
		expect(carries(screen, 'agent', 'customer')).toBe(false);
		const agents = agentScreen(modes);
		expect(carries(agents, 'agent', 'customer')).toBe(true);
		expect(carries(agents, 'agent', 'agent')).toBe(false);
	});

	it('places the screen and the camera ahead at dial, voice after the join, with Opus FEC for voice', () => {
		expect(customerScreen(modes).ahead).toBe('dial');
		expect(voice().ahead).toBe('after-join');
		expect(customerCamera().ahead).toBe('dial');
		expect(voice().sdp?.('a=rtpmap:111 opus/48000/2\r\n')).toBe(
			'a=rtpmap:111 opus/48000/2\r\na=fmtp:111 useinbandfec=1\r\n'
		);
		expect(customerCamera().sdp).toBeUndefined();
	});

	it('encodes the camera for motion, within 2.5 Mbit/s', async () => {
		const call = new FakeCall('agent-1', fakeStream('video'), null);
		await customerCamera().encode?.(call, 'agent-1');
		expect(call.encodings).toEqual([
			{ maxBitrate: 2_500_000, maxFramerate: 30, degradationPreference: 'maintain-framerate' }
		]);
	});
});
