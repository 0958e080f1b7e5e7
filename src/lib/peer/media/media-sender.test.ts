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
	const role: Role = counterpartRole === 'agent' ? 'customer' : 'agent';
	const sender = new MediaSender(kind, {
		role,
		peers,
		ticket: () => 'our-ticket',
		features: () => DEFAULT_FEATURES
	});
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

/** A kind both roles send to both (voice), placed ahead 'after-join' with a stand-in silence. */
function voiceLike(overrides: Partial<MediaKind> = {}): MediaKind {
	return {
		wire: 'voice',
		track: 'audio',
		sentBy: ['customer', 'agent'],
		sendsTo: ['customer', 'agent'],
		allowed: (features) => features.voice,
		placeholder: () => silence,
		ahead: 'after-join',
		...overrides
	};
}

const silence = fakeStream('audio');

/** A sender of `kind` for an agent, with the join of each peer resolved by hand. */
function agentSender(kind: MediaKind, features = { ...DEFAULT_FEATURES }) {
	vi.useFakeTimers();
	const peers = directory('customer');
	const link = fakeCallLink();
	const joins = new Map<string, () => void>();
	const sender = new MediaSender(kind, {
		role: 'agent',
		peers,
		ticket: () => 'our-ticket',
		features: () => features,
		joined: (peer) => new Promise<void>((resolve) => joins.set(peer.peerId, resolve))
	});
	sender.useLink(link);
	const adopt = (id: string, role: Role) => {
		const verified = peer(id, role);
		peers.verified.set(id, verified);
		sender.peerAdopted(verified);
		return verified;
	};
	return { peers, link, sender, joins, adopt, features };
}

describe('MediaSender: placed after the join', () => {
	it('calls nobody at dial, and a verified peer only once its join is done', async () => {
		const { link, sender, joins, adopt } = agentSender(voiceLike());
		sender.callAhead('customer-1');
		expect(link.calls).toHaveLength(0);
		adopt('customer-1', 'customer');
		await vi.advanceTimersByTimeAsync(0);
		expect(link.calls).toHaveLength(0);

		joins.get('customer-1')!();
		await vi.advanceTimersByTimeAsync(0);
		expect(link.calls).toHaveLength(1);
		expect(link.calls[0]).toMatchObject({
			remote: 'customer-1',
			stream: silence,
			metadata: { ticket: 'our-ticket', kind: 'voice' }
		});

		// Starting only swaps the microphone in.
		const microphone = fakeStream('audio');
		sender.start(microphone);
		await vi.advanceTimersByTimeAsync(0);
		expect(link.calls).toHaveLength(1);
		expect(link.calls[0].swaps).toEqual([microphone.getTracks()[0]]);
	});

	it('goes to the customer and to other agents (a multi-agent session)', async () => {
		const { link, joins, adopt } = agentSender(voiceLike());
		adopt('customer-1', 'customer');
		adopt('agent-2', 'agent');
		joins.get('customer-1')!();
		joins.get('agent-2')!();
		await vi.advanceTimersByTimeAsync(0);
		expect(link.calls.map((c) => c.remote)).toEqual(['customer-1', 'agent-2']);
	});

	it('does not call a peer that went before its join was done', async () => {
		const { peers, link, joins, adopt } = agentSender(voiceLike());
		adopt('customer-1', 'customer');
		peers.verified.delete('customer-1');
		joins.get('customer-1')!();
		await vi.advanceTimersByTimeAsync(0);
		expect(link.calls).toHaveLength(0);
	});

	it('while sending, calls a new peer at once with the microphone', async () => {
		const { link, sender, adopt } = agentSender(voiceLike());
		const microphone = fakeStream('audio');
		sender.start(microphone);
		adopt('customer-1', 'customer');
		expect(link.calls).toHaveLength(1);
		expect(link.calls[0].stream).toBe(microphone);
	});

	it('hands its SDP rewrite to every call it places', async () => {
		const sdp = (text: string) => text + 'a=x\r\n';
		const { link, joins, adopt } = agentSender(voiceLike({ sdp }));
		adopt('customer-1', 'customer');
		joins.get('customer-1')!();
		await vi.advanceTimersByTimeAsync(0);
		expect(link.calls[0].options.sdpTransform).toBe(sdp);
	});

	it('places nothing while the session does not allow the kind; hangs up when it stops allowing it', async () => {
		const { link, sender, joins, adopt, features } = agentSender(voiceLike(), {
			...DEFAULT_FEATURES,
			voice: false
		});
		adopt('customer-1', 'customer');
		await vi.advanceTimersByTimeAsync(0);
		expect(joins.size).toBe(0);
		expect(link.calls).toHaveLength(0);

		features.voice = true;
		sender.featuresChanged();
		expect(link.calls).toHaveLength(1);
		// Refreshed with nothing changed: nothing placed again.
		sender.featuresChanged();
		expect(link.calls).toHaveLength(1);

		const microphone = fakeStream('audio');
		sender.start(microphone);
		features.voice = false;
		sender.featuresChanged();
		expect(link.calls[0].closed).toBe(true);
		expect(sender.stream).toBe(null);
		expect(microphone.getTracks()[0]).toMatchObject({ stopped: true });
		await vi.advanceTimersByTimeAsync(5000);
		expect(link.calls).toHaveLength(1);
	});

	it('frees its placeholder on close', async () => {
		const released: MediaStream[] = [];
		const kind = voiceLike({ releasePlaceholder: (stream) => released.push(stream) });
		const { link, sender, joins, adopt } = agentSender(kind);
		adopt('customer-1', 'customer');
		joins.get('customer-1')!();
		await vi.advanceTimersByTimeAsync(0);
		sender.close();
		expect(released).toEqual([silence]);
		expect(link.calls[0].closed).toBe(true);
	});
});

describe('MediaSender: recipients', () => {
	it('sends the track only to the recipients; the others’ calls stay and carry nothing', async () => {
		const { link, sender, joins, adopt } = agentSender(voiceLike());
		for (const [id, role] of [
			['customer-1', 'customer'],
			['agent-2', 'agent'],
			['agent-3', 'agent']
		] as const) {
			adopt(id, role);
			joins.get(id)!();
		}
		await vi.advanceTimersByTimeAsync(0);
		const [toCustomer, toAgent2, toAgent3] = link.calls;

		sender.setRecipients(new Set(['customer-1']));
		const microphone = fakeStream('audio');
		const track = microphone.getTracks()[0];
		sender.start(microphone);
		await vi.advanceTimersByTimeAsync(0);
		expect(toCustomer.swaps).toEqual([track]);
		expect(toAgent2.swaps).toEqual([null]);
		expect(toAgent3.swaps).toEqual([null]);

		// The core adds agent-2 to the call, then everyone (null).
		sender.setRecipients(new Set(['customer-1', 'agent-2']));
		expect(toAgent2.swaps.at(-1)).toBe(track);
		expect(toAgent3.swaps.at(-1)).toBe(null);
		sender.setRecipients(null);
		expect(toAgent3.swaps.at(-1)).toBe(track);
		expect(link.calls).toHaveLength(3);
	});

	it('a peer joining while we send gets silence unless it is a recipient', async () => {
		const { link, sender, adopt } = agentSender(voiceLike());
		sender.setRecipients(new Set(['customer-1']));
		const microphone = fakeStream('audio');
		sender.start(microphone);
		adopt('agent-2', 'agent');
		adopt('customer-1', 'customer');
		expect(link.calls.map((c) => [c.remote, c.stream])).toEqual([
			['agent-2', silence],
			['customer-1', microphone]
		]);

		// A dropped call placed again keeps the gate.
		link.calls[0].close();
		await vi.advanceTimersByTimeAsync(1000);
		expect(link.calls[2]).toMatchObject({ remote: 'agent-2', stream: silence });
	});

	it('a kind without a placeholder does not call a peer outside the recipients at all', () => {
		const { peers, link, sender } = sending(agentScreen(new ScreenModes()), 'customer');
		const customerPeer = peer('customer-1', 'customer');
		peers.verified.set('customer-1', customerPeer);
		sender.setRecipients(new Set());
		sender.start(fakeStream('video'));
		expect(link.calls).toHaveLength(0);
		sender.setRecipients(null);
		expect(link.calls).toHaveLength(1);
	});
});

describe('MediaSender: placing a dropped call again', () => {
	it('waits longer after each call refused at once, and 1 s again after one that lasted', async () => {
		const { link, joins, adopt } = agentSender(voiceLike());
		adopt('customer-1', 'customer');
		joins.get('customer-1')!();
		await vi.advanceTimersByTimeAsync(0);
		const placedAfterDrop = async (ms: number) => {
			const before = link.calls.length;
			link.calls.at(-1)!.close();
			await vi.advanceTimersByTimeAsync(ms - 1);
			const early = link.calls.length > before;
			await vi.advanceTimersByTimeAsync(1);
			return !early && link.calls.length === before + 1;
		};
		expect(await placedAfterDrop(1000)).toBe(true);
		expect(await placedAfterDrop(2000)).toBe(true);
		expect(await placedAfterDrop(4000)).toBe(true);
		await vi.advanceTimersByTimeAsync(10_000);
		expect(await placedAfterDrop(1000)).toBe(true);
	});
});
