import { afterEach, describe, expect, it, vi } from 'vitest';
import { Emitter } from '$lib/session/emitter';
import { DEFAULT_FEATURES, type Role } from '$lib/session/protocol';
import type { TicketClaims } from '$lib/session/ticket';
import { createMessageChannelPair } from '$lib/session/transport';
import type { PeerDirectory, PeerDirectoryEvents, VerifiedPeer } from '../peer-directory';
import { customerCamera } from './camera';
import { MediaCalls } from './media-calls';
import { MediaKinds } from './media-kind';
import { fakeCallLink, fakeStream } from './media-test-fakes';
import { ScreenModes, agentScreen, customerScreen } from './screen';
import { voice } from './voice';

function peer(peerId: string, role: Role): VerifiedPeer {
	const claims = { v: 1, sid: 's', role, pid: peerId, name: peerId, org: 'o' } as TicketClaims;
	return { peerId, claims, channel: createMessageChannelPair()[0], initiator: peerId };
}

/** The customer's media calls over a directory whose events the test sends. */
function customerCalls() {
	vi.useFakeTimers();
	const events = new Emitter<PeerDirectoryEvents>();
	const verified = new Map<string, VerifiedPeer>();
	const peers = {
		events,
		counterpartRole: 'agent',
		get: (id: string) => verified.get(id),
		has: (id: string) => verified.has(id),
		get peers() {
			return verified.values();
		}
	} as unknown as PeerDirectory;
	const modes = new ScreenModes();
	const kinds = new MediaKinds([
		customerScreen(modes),
		agentScreen(modes),
		{ ...voice(), placeholder: () => fakeStream('audio') },
		customerCamera({ placeholder: () => fakeStream('video') })
	]);
	const calls = new MediaCalls({
		role: 'customer',
		kinds,
		peers,
		ticket: () => 'ticket',
		features: () => DEFAULT_FEATURES,
		ended: () => false
	});
	const link = fakeCallLink();
	calls.useLink(link);
	const kindsCalled = () => link.calls.map((c) => (c.metadata as { kind: string }).kind);
	return { calls, link, events, verified, kindsCalled };
}

afterEach(() => {
	vi.useRealTimers();
});

describe('MediaCalls: after the join', () => {
	it('calls the camera at dial, voice only once the join is done and a moment after', async () => {
		const { link, events, verified, kindsCalled } = customerCalls();
		// No screen call at dial here: its placeholder is a canvas, and Node has none.
		events.emit('dialing', 'agent-1');
		expect(kindsCalled()).toEqual(['camera']);

		const agent = peer('agent-1', 'agent');
		verified.set('agent-1', agent);
		events.emit('adopted', agent);
		// The early camera call is the peer's call now, not placed again.
		expect(kindsCalled()).toEqual(['camera']);
		await vi.advanceTimersByTimeAsync(1900);
		expect(kindsCalled()).toEqual(['camera']);
		await vi.advanceTimersByTimeAsync(100);
		expect(kindsCalled()).toEqual(['camera', 'voice']);
		expect(link.calls.every((c) => c.remote === 'agent-1')).toBe(true);
	});

	it('waits for the peer’s calls to connect before the moment starts', async () => {
		const { calls, link, events, verified, kindsCalled } = customerCalls();
		const agent = peer('agent-1', 'agent');
		verified.set('agent-1', agent);
		const settle: (() => void)[] = [];
		const connected = () => settle.forEach((resolve) => resolve());
		const original = link.call.bind(link);
		link.call = (remote, stream, metadata, options) => {
			const call = original(remote, stream, metadata, options);
			link.calls.at(-1)!.whenSettled = new Promise<void>((resolve) => settle.push(resolve));
			return call;
		};
		// We share already: the screen call is placed at once, and connects slowly.
		calls.sender('screen')!.start(fakeStream('video'));
		events.emit('adopted', agent);
		expect(kindsCalled()).toEqual(['screen', 'camera']);
		await vi.advanceTimersByTimeAsync(2000);
		expect(kindsCalled()).toEqual(['screen', 'camera']);
		connected();
		await vi.advanceTimersByTimeAsync(1499);
		expect(kindsCalled()).toEqual(['screen', 'camera']);
		await vi.advanceTimersByTimeAsync(1);
		expect(kindsCalled()).toEqual(['screen', 'camera', 'voice']);
	});

	it('gives up waiting for a call that does not connect after 3 s', async () => {
		const { calls, link, events, verified, kindsCalled } = customerCalls();
		const agent = peer('agent-1', 'agent');
		verified.set('agent-1', agent);
		const original = link.call.bind(link);
		link.call = (remote, stream, metadata, options) => {
			const call = original(remote, stream, metadata, options);
			link.calls.at(-1)!.whenSettled = new Promise<void>(() => {});
			return call;
		};
		calls.sender('screen')!.start(fakeStream('video'));
		events.emit('adopted', agent);
		await vi.advanceTimersByTimeAsync(500 + 3000 + 1499);
		expect(kindsCalled()).toEqual(['screen', 'camera']);
		await vi.advanceTimersByTimeAsync(1);
		expect(kindsCalled()).toEqual(['screen', 'camera', 'voice']);
	});
});
