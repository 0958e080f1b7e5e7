import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_FEATURES, type Role } from '$lib/session/protocol';
import type { TicketClaims } from '$lib/session/ticket';
import { createMessageChannelPair } from '$lib/session/transport';
import type { VerifiedPeer } from '../peer-directory';
import type { MediaKind } from './media-kind';
import { MediaSender } from './media-sender';
import { fakeCallLink, fakeStream } from './media-test-fakes';
import { ScreenModes, agentScreen, customerScreen } from './screen';

function peer(peerId: string, role: Role): VerifiedPeer {
	const claims = { v: 1, sid: 's', role, pid: peerId, name: peerId, org: 'o' } as TicketClaims;
	claims.features = DEFAULT_FEATURES;
	return { peerId, claims, channel: createMessageChannelPair()[0], initiator: peerId };
}

/** The directory as the sender sees it: verified peers, and whom we send to. */
function directory(counterpartRole: Role) {
	const verified = new Map<string, VerifiedPeer>();
	return {
		verified,
		counterpartRole,
		get: (id: string) => verified.get(id),
		has: (id: string) => verified.has(id),
		get peers() {
			return verified.values();
		}
	};
}

const placeholder = fakeStream('video');

/** A sender of `kind` (on fake timers: the re-placing and encoding timers are driven by hand). */
function sending(kind: MediaKind, counterpartRole: Role) {
	vi.useFakeTimers();
	const peers = directory(counterpartRole);
	const link = fakeCallLink();
	const sender = new MediaSender(kind, { peers, ticket: () => 'our-ticket' });
	sender.useLink(link);
	return { peers, link, sender };
}

/** The customer's screen, its placeholder a stand-in (Node has no canvas). */
function customerSender(modes = new ScreenModes()) {
	return sending({ ...customerScreen(modes), placeholder: () => placeholder }, 'agent');
}

afterEach(() => {
	vi.useRealTimers();
});

describe('MediaSender', () => {
	it('calls a dialed agent ahead with the placeholder, adopts that call, then swaps the screen in', async () => {
		const { peers, link, sender } = customerSender();
		sender.callAhead('agent-1');
		sender.callAhead('agent-1');
		expect(link.calls).toHaveLength(1);
		expect(link.calls[0]).toMatchObject({
			remote: 'agent-1',
			stream: placeholder,
			metadata: { ticket: 'our-ticket', kind: 'screen' }
		});

		const agent = peer('agent-1', 'agent');
		peers.verified.set('agent-1', agent);
		sender.peerAdopted(agent);
		expect(link.calls).toHaveLength(1);
		expect(sender.callTo('agent-1')).toBe(link.calls[0]);
		await vi.advanceTimersByTimeAsync(0);
		// Nothing shared yet: nothing to encode.
		expect(link.calls[0].modes).toEqual([]);

		const screen = fakeStream('video');
		sender.start(screen);
		await vi.advanceTimersByTimeAsync(0);
		expect(link.calls).toHaveLength(1);
		// Adopted blank (nothing shared yet), then the screen's track in: one call throughout.
		expect(link.calls[0].swaps).toEqual([null, screen.getTracks()[0]]);
		expect(link.calls[0].modes).toEqual(['sharp']);
	});

	it('closes the early call of a peer that did not check out', () => {
		const { link, sender } = customerSender();
		sender.callAhead('agent-1');
		sender.dropEarly('agent-1');
		expect(link.calls[0].closed).toBe(true);
	});

	it('places a dropped call again while its peer is connected, not once it is gone', async () => {
		const { peers, link, sender } = customerSender();
		const agent = peer('agent-1', 'agent');
		peers.verified.set('agent-1', agent);
		sender.peerAdopted(agent);
		link.calls[0].close();
		await vi.advanceTimersByTimeAsync(1000);
		expect(link.calls).toHaveLength(2);

		peers.verified.delete('agent-1');
		link.calls[1].close();
		await vi.advanceTimersByTimeAsync(2000);
		expect(link.calls).toHaveLength(2);
	});

	it('sends only to the counterpart', () => {
		const { peers, link, sender } = customerSender();
		const other = peer('customer-2', 'customer');
		peers.verified.set('customer-2', other);
		sender.peerAdopted(other);
		expect(link.calls).toHaveLength(0);
	});

	it('on stop, keeps a called-ahead kind’s calls blank; an agent’s screen hangs up', async () => {
		const customer = customerSender();
		const agent = peer('agent-1', 'agent');
		customer.peers.verified.set('agent-1', agent);
		customer.sender.peerAdopted(agent);
		const screen = fakeStream('video');
		customer.sender.start(screen);
		await customer.sender.stop();
		customer.sender.hangUpIfIdle();
		expect(customer.link.calls[0].closed).toBe(false);
		expect(customer.link.calls[0].swaps.at(-1)).toBe(null);
		expect(screen.getTracks()[0]).toMatchObject({ stopped: true });

		const { peers, link, sender } = sending(agentScreen(new ScreenModes()), 'customer');
		const customerPeer = peer('customer-1', 'customer');
		peers.verified.set('customer-1', customerPeer);
		sender.callAhead('customer-1');
		sender.peerAdopted(customerPeer);
		expect(link.calls).toHaveLength(0);
		sender.start(fakeStream('video'));
		expect(link.calls).toHaveLength(1);
		await sender.stop();
		sender.hangUpIfIdle();
		expect(link.calls[0].closed).toBe(true);
		await vi.advanceTimersByTimeAsync(2000);
		expect(link.calls).toHaveLength(1);
	});

	it('while sending, encodes again every 5 s for the agents that chose Smooth motion', async () => {
		const screenModes = new ScreenModes();
		const { peers, link, sender } = customerSender(screenModes);
		for (const id of ['agent-1', 'agent-2']) {
			peers.verified.set(id, peer(id, 'agent'));
			sender.peerAdopted(peers.verified.get(id)!);
		}
		screenModes.set('agent-2', 'smooth');
		sender.start(fakeStream('video'));
		await vi.advanceTimersByTimeAsync(10_000);
		expect(link.calls[0].modes).toEqual(['sharp']);
		expect(link.calls[1].modes).toEqual(['smooth', 'smooth', 'smooth']);

		await sender.stop();
		await vi.advanceTimersByTimeAsync(10_000);
		expect(link.calls[1].modes).toHaveLength(3);
	});
});
