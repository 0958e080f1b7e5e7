import { describe, expect, it } from 'vitest';
import { Emitter } from '$lib/session/emitter';
import { DEFAULT_FEATURES, type Features, type Role } from '$lib/session/protocol';
import type { TicketClaims } from '$lib/session/ticket';
import { customerCamera } from './camera';
import { MediaKinds } from './media-kind';
import { MediaReceiver } from './media-receiver';
import { FakeIncomingCall, fakeStream } from './media-test-fakes';
import { ScreenModes, agentScreen, customerScreen } from './screen';
import { voice } from './voice';

/** A receiver in `role`, whose peers' tickets name their role in the ticket itself. */
function receiving(role: Role, features: Features = { ...DEFAULT_FEATURES }) {
	const modes = new ScreenModes();
	const kinds = new MediaKinds([
		customerScreen(modes),
		agentScreen(modes),
		voice({ placeholder: () => null }),
		customerCamera({ placeholder: () => null })
	]);
	const events = new Emitter<{ change: [] }>();
	let changes = 0;
	events.on('change', () => changes++);
	const receiver = new MediaReceiver({
		role,
		kinds,
		peers: {
			admit: async (ticket: unknown, peerId: string) =>
				typeof ticket === 'string'
					? ({ role: ticket as Role, pid: peerId, name: peerId } as TicketClaims)
					: null,
			whenVerified: async () => true
		},
		features: () => features,
		ended: () => false,
		events
	});
	/** A call from `peerId` in `from`, answered (or not) and its stream arrived. */
	const callFrom = async (peerId: string, from: Role, kind: string) => {
		const incoming = new FakeIncomingCall(peerId, { ticket: from, kind });
		await receiver.accept(incoming);
		const stream = fakeStream(kind === 'voice' ? 'audio' : 'video');
		incoming.answered?.receive(stream);
		return { incoming, stream };
	};
	return { receiver, callFrom, features, changes: () => changes };
}

describe('MediaReceiver', () => {
	it('keeps each agent’s voice apart, by peer', async () => {
		const { receiver, callFrom } = receiving('customer');
		const one = await callFrom('agent-1', 'agent', 'voice');
		const two = await callFrom('agent-2', 'agent', 'voice');
		expect([...receiver.streams('voice')]).toEqual([
			['agent-1', one.stream],
			['agent-2', two.stream]
		]);
		expect(receiver.stream('voice')).toBe(one.stream);

		// One hangs up: the other's voice stays.
		one.incoming.answered!.close();
		expect([...receiver.streams('voice')]).toEqual([['agent-2', two.stream]]);
		expect(receiver.streams('screen').size).toBe(0);
	});

	it('holds a customer’s several calls (screen, voice, camera) side by side', async () => {
		const { receiver, callFrom } = receiving('agent');
		const screen = await callFrom('customer-1', 'customer', 'screen');
		const ownVoice = await callFrom('customer-1', 'customer', 'voice');
		const camera = await callFrom('customer-1', 'customer', 'camera');
		expect(receiver.stream('screen')).toBe(screen.stream);
		expect(receiver.stream('voice')).toBe(ownVoice.stream);
		expect(receiver.stream('camera')).toBe(camera.stream);
		expect(receiver.callFrom('customer-1')).toBe(screen.incoming.answered);

		ownVoice.incoming.answered!.close();
		expect(receiver.stream('screen')).toBe(screen.stream);
		expect(receiver.peerIds).toEqual(['customer-1']);

		receiver.hangUp('customer-1');
		expect(screen.incoming.answered!.closed).toBe(true);
		expect(camera.incoming.answered!.closed).toBe(true);
		expect(receiver.peerIds).toEqual([]);
	});

	it('a call placed again replaces the older one of its kind', async () => {
		const { receiver, callFrom } = receiving('agent');
		const first = await callFrom('customer-1', 'customer', 'screen');
		const second = await callFrom('customer-1', 'customer', 'screen');
		expect(first.incoming.answered!.closed).toBe(true);
		expect(receiver.stream('screen')).toBe(second.stream);
	});

	it('takes agent-to-agent voice, refuses what goes the wrong way', async () => {
		const agent = receiving('agent');
		expect((await agent.callFrom('agent-2', 'agent', 'voice')).incoming.answered).not.toBe(null);
		expect((await agent.callFrom('agent-2', 'agent', 'camera')).incoming.rejected).toBe(true);
		expect((await agent.callFrom('agent-2', 'agent', 'agent-screen')).incoming.rejected).toBe(true);
		const customer = receiving('customer');
		expect((await customer.callFrom('customer-2', 'customer', 'voice')).incoming.rejected).toBe(
			true
		);
		expect((await customer.callFrom('agent-1', 'agent', 'camera')).incoming.rejected).toBe(true);
	});

	it('answers voice with Opus FEC in its SDP, the screen as it comes', async () => {
		const { callFrom } = receiving('agent');
		const voiceCall = await callFrom('customer-1', 'customer', 'voice');
		const screen = await callFrom('customer-1', 'customer', 'screen');
		const transform = voiceCall.incoming.answerOptions?.sdpTransform;
		expect(transform?.('a=rtpmap:111 opus/48000/2')).toBe(
			'a=rtpmap:111 opus/48000/2\na=fmtp:111 useinbandfec=1'
		);
		expect(screen.incoming.answerOptions?.sdpTransform).toBeUndefined();
	});

	it('refuses voice while the session does not allow it, and hangs up when it stops allowing it', async () => {
		const { receiver, callFrom, features } = receiving('agent');
		const screen = await callFrom('customer-1', 'customer', 'screen');
		const ownVoice = await callFrom('customer-1', 'customer', 'voice');
		features.voice = false;
		expect((await callFrom('agent-2', 'agent', 'voice')).incoming.rejected).toBe(true);
		receiver.featuresChanged();
		expect(ownVoice.incoming.answered!.closed).toBe(true);
		expect(screen.incoming.answered!.closed).toBe(false);
		expect(receiver.streams('voice').size).toBe(0);
	});
});
