/**
 * Reliable delivery between sessions: seq numbers, acks, outboxes re-sent after a reconnect,
 * duplicates dropped, and what happens when a peer's page reloads (a new epoch).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_FEATURES, type Role } from './protocol';
import { OUTBOX_LIMIT, SupportSession, type OutboxOverflow } from './session';
import {
	createMessageChannelPair,
	type FakeMessageChannel,
	type MessageChannel
} from './transport';

/** Lets every queued in-memory delivery (microtasks) run. */
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

let idCounter = 0;
const newId = () => `r-${++idCounter}`;

function session(role: Role, name: string, outboxLimit?: number) {
	return new SupportSession({ role, name, features: DEFAULT_FEATURES, newId, outboxLimit });
}

/**
 * One end of an in-memory channel whose path can be cut silently: `dropNext(n)` makes the next
 * n messages sent vanish (as on a network that died before anyone noticed). Records what was
 * sent, for checking the wire format.
 */
class LossyChannel implements MessageChannel {
	readonly sent: Array<Record<string, unknown>> = [];
	#drop = 0;

	constructor(readonly inner: FakeMessageChannel) {}

	get open() {
		return this.inner.open;
	}

	dropNext(count: number): void {
		this.#drop += count;
	}

	send(message: unknown): void {
		if (!this.inner.open) throw new Error('channel is closed');
		this.sent.push(message as Record<string, unknown>);
		if (this.#drop > 0) {
			this.#drop--;
			return;
		}
		this.inner.send(message);
	}

	/** A message arriving at this end's session, as a hostile or confused peer could send it. */
	injectRaw(data: unknown): void {
		this.inner.injectRaw(data);
	}

	onMessage(handler: (data: unknown) => void) {
		return this.inner.onMessage(handler);
	}

	onClose(handler: () => void) {
		return this.inner.onClose(handler);
	}

	close(): void {
		this.inner.close();
	}
}

/** Links two sessions as the adapter does; `aEnd` is a's end (what a sends, what a receives). */
function link(a: SupportSession, aPeerId: string, b: SupportSession, bPeerId: string) {
	const [aInner, bInner] = createMessageChannelPair();
	const aEnd = new LossyChannel(aInner);
	const bEnd = new LossyChannel(bInner);
	a.addPeer(bPeerId, b.role, aEnd);
	b.addPeer(aPeerId, a.role, bEnd);
	return { aEnd, bEnd };
}

/** A customer and an agent, connected. `toAgent` is the customer's end, `toCustomer` the agent's. */
async function pair() {
	const c = session('customer', 'Anna');
	const a = session('agent', 'Marco');
	const { aEnd, bEnd } = link(c, 'customer-1', a, 'agent-1');
	await settle();
	return { c, a, toAgent: aEnd, toCustomer: bEnd };
}

/** Both ends close (the adapter notices the cut). */
async function cut(...ends: LossyChannel[]) {
	for (const end of ends) end.close();
	await settle();
}

const reconnect = async (c: SupportSession, a: SupportSession) => {
	const { aEnd, bEnd } = link(c, 'customer-1', a, 'agent-1');
	await settle();
	return { toAgent: aEnd, toCustomer: bEnd };
};

const userLines = (s: SupportSession) => s.chat.messages.filter((m) => m.role !== 'system');
const texts = (s: SupportSession, mine: boolean) =>
	userLines(s)
		.filter((m) => m.mine === mine)
		.map((m) => m.text);

function chatsSeen(s: SupportSession): string[] {
	const seen: string[] = [];
	s.on('chat', (m) => seen.push(m.text));
	return seen;
}

function rejections(s: SupportSession): string[] {
	const seen: string[] = [];
	s.on('rejected', (r) => seen.push(r.error));
	return seen;
}

describe('reliable delivery: wire format', () => {
	it('hello carries the epoch; sequenced messages a seq; the receiver acks the highest applied', async () => {
		const { c, a, toAgent, toCustomer } = await pair();
		expect(toAgent.sent[0]).toEqual({
			type: 'hello',
			name: 'Anna',
			role: 'customer',
			epoch: c.epoch
		});
		expect(toCustomer.sent[0]).toMatchObject({ type: 'hello', epoch: a.epoch });
		expect(c.epoch).not.toBe(a.epoch);
		// The customer's snapshot on connect is sequenced, and acknowledged.
		const sync = toAgent.sent[1];
		expect(sync).toEqual({ type: 'screen-sync', state: 'not-shared', seq: expect.any(Number) });
		expect(toCustomer.sent).toContainEqual({ type: 'ack', seq: sync.seq });

		// Each side answers the other's hello once per channel with its hello and outbox again (in
		// case its first words were sent before the peer listened); the repeat is dropped by seq.
		expect(toAgent.sent.map((m) => m.type)).toEqual([
			'hello',
			'screen-sync',
			'hello',
			'screen-sync'
		]);
		expect(toAgent.sent[3]).toEqual(sync);
		expect(toCustomer.sent.map((m) => m.type)).toEqual(['hello', 'hello', 'ack', 'ack']);
		expect(a.state.screen).toBe('not-shared');

		c.sendChat('one');
		c.sendChat('two');
		await settle();
		const chats = toAgent.sent.filter((m) => m.type === 'chat');
		expect(chats.map((m) => m.seq)).toEqual([(sync.seq as number) + 1, (sync.seq as number) + 2]);
		expect(toCustomer.sent.filter((m) => m.type === 'ack').map((m) => m.seq)).toEqual([
			sync.seq,
			sync.seq,
			chats[0].seq,
			chats[1].seq
		]);
		expect(c.outboxSize('agent-1')).toBe(0);

		c.end('customer');
		expect(toAgent.sent.at(-1)).toEqual({ type: 'end', reason: 'customer' });
	});

	it('one counter for all peers: a chat to two agents has one seq', async () => {
		const c = session('customer', 'Anna');
		const one = link(c, 'customer-1', session('agent', 'Marco'), 'agent-1');
		const two = link(c, 'customer-1', session('agent', 'Luca'), 'agent-2');
		await settle();
		c.sendChat('hello both');
		const [first, second] = [one.aEnd.sent.at(-1), two.aEnd.sent.at(-1)];
		expect(first).toMatchObject({ type: 'chat', text: 'hello both' });
		expect(second).toEqual(first);
	});

	it('our chat is pending until a peer acknowledges it, and change says when', async () => {
		const { c } = await pair();
		const sent = c.sendChat('are you there?');
		expect(sent.ok && sent.message.pending).toBe(true);
		expect(userLines(c)[0].pending).toBe(true);
		let changes = 0;
		c.on('change', () => changes++);
		await settle();
		expect(changes).toBeGreaterThan(0);
		expect(userLines(c)[0]).not.toHaveProperty('pending');
	});
});

describe('reliable delivery: re-sent after a reconnect', () => {
	it('a chat sent into a channel that closes before delivery arrives exactly once after the reconnect', async () => {
		const { c, a, toAgent, toCustomer } = await pair();
		const agentSaw = chatsSeen(a);
		c.sendChat('lost in the cut?');
		// Both ends close before the in-memory delivery runs.
		toAgent.close();
		toCustomer.close();
		await settle();
		expect(agentSaw).toEqual([]);
		expect(c.outboxSize('agent-1')).toBe(1);
		expect(userLines(c)[0]).toMatchObject({ text: 'lost in the cut?', pending: true });

		await reconnect(c, a);
		expect(agentSaw).toEqual(['lost in the cut?']);
		expect(texts(a, false)).toEqual(['lost in the cut?']);
		expect(userLines(c)[0]).not.toHaveProperty('pending');
		expect(c.outboxSize('agent-1')).toBe(0);
	});

	it('a chat that vanished on a dead path is re-sent on the new channel, once', async () => {
		const { c, a, toAgent, toCustomer } = await pair();
		const agentSaw = chatsSeen(a);
		toAgent.dropNext(1);
		c.sendChat('into the void');
		await settle();
		expect(agentSaw).toEqual([]);
		await cut(toAgent, toCustomer);
		await reconnect(c, a);
		// And a replacement channel without a close in between re-sends nothing already acked.
		await reconnect(c, a);
		expect(agentSaw).toEqual(['into the void']);
	});

	it('chat written while the peer is away is queued, shown pending, and delivered on return', async () => {
		const { c, a, toAgent, toCustomer } = await pair();
		await cut(toAgent, toCustomer);
		expect(c.peers).toEqual([]);
		const sent = c.sendChat('I will wait');
		expect(sent).toEqual({
			ok: true,
			message: expect.objectContaining({ text: 'I will wait', mine: true, pending: true })
		});
		expect(a.sendChat('me too')).toMatchObject({ ok: true });
		await reconnect(c, a);
		expect(texts(a, false)).toEqual(['I will wait']);
		expect(texts(c, false)).toEqual(['me too']);
		expect(userLines(c).some((m) => m.pending)).toBe(false);
		expect(userLines(a).some((m) => m.pending)).toBe(false);
	});

	it('30 messages each way around a cut appear exactly once on both sides, in order', async () => {
		const { c, a, toAgent, toCustomer } = await pair();
		const customerSaw = chatsSeen(c);
		const agentSaw = chatsSeen(a);
		const expectedFromCustomer: string[] = [];
		const expectedFromAgent: string[] = [];
		const both = (i: number) => {
			expectedFromCustomer.push(`c${i}`);
			expectedFromAgent.push(`a${i}`);
			expect(c.sendChat(`c${i}`).ok).toBe(true);
			expect(a.sendChat(`a${i}`).ok).toBe(true);
		};

		for (let i = 0; i < 10; i++) both(i);
		await settle();
		// The path dies: the next messages (and their acks) vanish, then both ends notice.
		toAgent.dropNext(Infinity);
		toCustomer.dropNext(Infinity);
		for (let i = 10; i < 20; i++) both(i);
		await settle();
		await cut(toAgent, toCustomer);
		// Written while reconnecting.
		for (let i = 20; i < 30; i++) both(i);
		expect(c.outboxSize('agent-1')).toBe(20);
		expect(a.outboxSize('customer-1')).toBe(20);

		await reconnect(c, a);
		expect(texts(a, false)).toEqual(expectedFromCustomer);
		expect(texts(c, false)).toEqual(expectedFromAgent);
		expect(texts(c, true)).toEqual(expectedFromCustomer);
		expect(texts(a, true)).toEqual(expectedFromAgent);
		expect(agentSaw).toEqual(expectedFromCustomer);
		expect(customerSaw).toEqual(expectedFromAgent);
		expect(userLines(c).some((m) => m.pending)).toBe(false);
		expect(userLines(a).some((m) => m.pending)).toBe(false);
		expect(c.outboxSize('agent-1')).toBe(0);
		expect(a.outboxSize('customer-1')).toBe(0);
	});

	it('re-sent control messages keep their order and end in the current state', async () => {
		const { c, a, toAgent, toCustomer } = await pair();
		a.agentShareStarted();
		await settle();
		toAgent.dropNext(Infinity);
		toCustomer.dropNext(Infinity);
		c.shareStarted();
		c.shareStopped();
		a.agentShareStopped();
		await settle();
		expect(a.state.screen).toBe('not-shared');
		expect(c.state.agentScreen).toBe('sharing');
		await cut(toAgent, toCustomer);
		const rejectedByAgent = rejections(a);
		const rejectedByCustomer = rejections(c);
		await reconnect(c, a);
		expect(a.state.screen).toBe('stopped');
		expect(c.state.agentScreen).toBe('off');
		expect(rejectedByAgent).toEqual([]);
		expect(rejectedByCustomer).toEqual([]);
	});
});

describe('reliable delivery: a peer that starts listening late', () => {
	/**
	 * The adapter on one side checks the other's ticket before adding the channel: whatever
	 * arrives meanwhile reaches no listener and is lost (FakeMessageChannel, like a PeerJS
	 * channel, only delivers to the listeners it has).
	 */
	async function lateLink(
		early: SupportSession,
		earlyId: string,
		late: SupportSession,
		lateId: string
	) {
		const [earlyInner, lateInner] = createMessageChannelPair();
		const earlyEnd = new LossyChannel(earlyInner);
		const lateEnd = new LossyChannel(lateInner);
		early.addPeer(lateId, late.role, earlyEnd);
		await settle();
		late.addPeer(earlyId, early.role, lateEnd);
		await settle();
		return { earlyEnd, lateEnd };
	}

	it('gets the hello, the snapshot and the re-sent chat it missed, once', async () => {
		const { c, a, toAgent, toCustomer } = await pair();
		c.shareStarted();
		await settle();
		await cut(toAgent, toCustomer);
		c.shareStopped();
		c.sendChat('sent while you were away');
		const agentSaw = chatsSeen(a);
		await lateLink(c, 'customer-1', a, 'agent-1');
		expect(agentSaw).toEqual(['sent while you were away']);
		expect(a.state.screen).toBe('stopped');
		expect(a.peers).toEqual([{ peerId: 'customer-1', name: 'Anna', role: 'customer' }]);
		expect(userLines(c).some((m) => m.pending)).toBe(false);
		expect(c.outboxSize('agent-1')).toBe(0);
	});

	it('learns that the early side reloaded even though its first hello was lost', async () => {
		const { c, a, toAgent, toCustomer } = await pair();
		for (let i = 0; i < 5; i++) a.sendChat(`old page ${i}`);
		await settle();
		await cut(toAgent, toCustomer);
		const reloaded = session('agent', 'Marco');
		// The reloaded agent adds the channel first; the customer listens late.
		await lateLink(reloaded, 'agent-1', c, 'customer-1');
		expect(reloaded.sendChat('new page').ok).toBe(true);
		await settle();
		expect(texts(c, false)).toEqual([
			'old page 0',
			'old page 1',
			'old page 2',
			'old page 3',
			'old page 4',
			'new page'
		]);
	});

	it('both sides know each other by name, with one join line and no rejections', async () => {
		const c = session('customer', 'Anna');
		const a = session('agent', 'Marco');
		const byCustomer = rejections(c);
		const byAgent = rejections(a);
		await lateLink(a, 'agent-1', c, 'customer-1');
		expect(c.peers[0]?.name).toBe('Marco');
		expect(a.peers[0]?.name).toBe('Anna');
		expect([...byCustomer, ...byAgent]).toEqual([]);
		expect(c.chat.messages.filter((m) => m.role === 'system').map((m) => m.text)).toEqual([
			'Marco joined'
		]);
	});
});

describe('reliable delivery: duplicates', () => {
	it('a re-sent screen-request whose ack was lost does not ask the customer twice', async () => {
		const { c, a, toAgent, toCustomer } = await pair();
		const requests: string[] = [];
		c.on('screen-request', (name) => requests.push(name));
		const rejected = rejections(c);
		toAgent.dropNext(Infinity); // The customer's ack (and everything else it says) is lost.
		expect(a.requestScreen()).toEqual({ ok: true });
		await settle();
		expect(requests).toEqual(['Marco']);
		expect(a.outboxSize('customer-1')).toBe(1);
		await cut(toAgent, toCustomer);
		await reconnect(c, a);
		expect(requests).toEqual(['Marco']);
		expect(rejected).toEqual([]);
		expect(a.outboxSize('customer-1')).toBe(0);
		expect(a.state.screen).toBe('requested');
		expect(c.state.screen).toBe('requested');
	});

	it('a re-sent old screen-state never overrides a newer one', async () => {
		const { c, a, toAgent, toCustomer } = await pair();
		toCustomer.dropNext(Infinity); // The agent's acks are lost.
		c.shareStarted();
		c.shareStopped();
		await settle();
		expect(a.state.screen).toBe('stopped');
		expect(c.outboxSize('agent-1')).toBeGreaterThanOrEqual(2);
		await cut(toAgent, toCustomer);
		const seen: string[] = [];
		a.on('change', () => seen.push(a.state.screen));
		await reconnect(c, a);
		expect(seen).not.toContain('sharing');
		expect(a.state.screen).toBe('stopped');
		expect(c.outboxSize('agent-1')).toBe(0);
	});

	it('injected duplicates are acknowledged again but applied once', async () => {
		const { c, a, toAgent, toCustomer } = await pair();
		const agentSaw = chatsSeen(a);
		const requests: string[] = [];
		c.on('screen-request', (name) => requests.push(name));
		const chat = { type: 'chat', id: 'dup-1', name: 'Anna', text: 'once', sentAt: 1, seq: 1000 };
		toCustomer.injectRaw(chat);
		toCustomer.injectRaw(chat);
		// Same seq, another id: still a duplicate (the seq decides for control messages too).
		toCustomer.injectRaw({ ...chat, id: 'dup-2', text: 'same seq' });
		// An older seq from the same sender.
		toCustomer.injectRaw({ ...chat, id: 'dup-3', text: 'older', seq: 999 });
		expect(agentSaw).toEqual(['once']);
		expect(toCustomer.sent.filter((m) => m.type === 'ack').slice(-4)).toEqual(
			Array.from({ length: 4 }, () => ({ type: 'ack', seq: 1000 }))
		);

		toAgent.injectRaw({ type: 'screen-request', seq: 50 });
		toAgent.injectRaw({ type: 'screen-request', seq: 50 });
		expect(requests).toEqual(['Marco']);
		expect(c.state.screen).toBe('requested');
		await settle();
	});

	it('a message rejected by the state machine still counts as received (acked, not re-applied)', async () => {
		const { a, toCustomer } = await pair();
		const rejected = rejections(a);
		toCustomer.injectRaw({ type: 'screen-request-answer', accepted: true, seq: 40 });
		toCustomer.injectRaw({ type: 'screen-request-answer', accepted: true, seq: 40 });
		expect(rejected).toEqual(['not-requested']);
		expect(toCustomer.sent.filter((m) => m.type === 'ack').slice(-2)).toEqual([
			{ type: 'ack', seq: 40 },
			{ type: 'ack', seq: 40 }
		]);
	});

	it('a message without seq (a peer from before seq) is applied as it comes and not acked', async () => {
		const { a, toCustomer } = await pair();
		const agentSaw = chatsSeen(a);
		const acksBefore = toCustomer.sent.filter((m) => m.type === 'ack').length;
		toCustomer.injectRaw({ type: 'chat', id: 'old-1', name: 'Anna', text: 'legacy', sentAt: 1 });
		expect(agentSaw).toEqual(['legacy']);
		expect(toCustomer.sent.filter((m) => m.type === 'ack')).toHaveLength(acksBefore);
	});
});

describe('reliable delivery: acks', () => {
	it('a cumulative ack clears only up to its seq', async () => {
		const { c, toAgent, toCustomer } = await pair();
		toCustomer.dropNext(Infinity); // The agent's own acks vanish: we ack by hand.
		c.sendChat('one');
		c.sendChat('two');
		c.sendChat('three');
		await settle();
		const seqs = toAgent.sent.filter((m) => m.type === 'chat').map((m) => m.seq as number);
		expect(c.outboxSize('agent-1')).toBe(3);
		toAgent.injectRaw({ type: 'ack', seq: seqs[1] });
		expect(c.outboxSize('agent-1')).toBe(1);
		expect(userLines(c).map((m) => [m.text, m.pending ?? false])).toEqual([
			['one', false],
			['two', false],
			['three', true]
		]);
		// An old ack again changes nothing.
		toAgent.injectRaw({ type: 'ack', seq: seqs[0] });
		expect(c.outboxSize('agent-1')).toBe(1);
	});

	it('an ack for something never sent is rejected and clears nothing', async () => {
		const { c, toAgent, toCustomer } = await pair();
		toCustomer.dropNext(Infinity);
		c.sendChat('kept');
		await settle();
		const rejected = rejections(c);
		toAgent.injectRaw({ type: 'ack', seq: 1_000_000 });
		expect(rejected).toEqual(['ack-ahead']);
		expect(c.outboxSize('agent-1')).toBe(1);
	});
});

describe('reliable delivery: a peer reloads (new epoch)', () => {
	it('the agent reloads: the customer takes its new counter from 1, and queued chat reaches it', async () => {
		const { c, a, toAgent, toCustomer } = await pair();
		for (let i = 0; i < 5; i++) a.sendChat(`before ${i}`);
		await settle();
		await cut(toAgent, toCustomer);
		c.sendChat('did you leave?');

		const reloaded = session('agent', 'Marco');
		expect(reloaded.epoch).not.toBe(a.epoch);
		const { bEnd } = link(c, 'customer-1', reloaded, 'agent-1');
		await settle();
		expect(bEnd.sent[0]).toMatchObject({ type: 'hello', epoch: reloaded.epoch });
		expect(reloaded.sendChat('back after a reload').ok).toBe(true);
		await settle();
		expect(texts(c, false)).toEqual([
			'before 0',
			'before 1',
			'before 2',
			'before 3',
			'before 4',
			'back after a reload'
		]);
		expect(texts(reloaded, false)).toEqual(['did you leave?']);
		expect(userLines(c).some((m) => m.pending)).toBe(false);
	});

	it('the agent reloads while the customer shares: the new page gets the state, once', async () => {
		const { c, a, toAgent, toCustomer } = await pair();
		c.shareStarted();
		await settle();
		await cut(toAgent, toCustomer);
		const reloaded = session('agent', 'Marco');
		const rejected = rejections(reloaded);
		link(c, 'customer-1', reloaded, 'agent-1');
		await settle();
		expect(reloaded.state.screen).toBe('sharing');
		expect(rejected).toEqual([]);
		expect(reloaded.requestScreen()).toEqual({ ok: false, error: 'already-sharing' });
		expect(a.state.screen).toBe('sharing');
	});

	it('the customer reloads: the agent resets its counter and re-sends what the old page missed', async () => {
		const { c, a, toAgent, toCustomer } = await pair();
		for (let i = 0; i < 3; i++) c.sendChat(`old page ${i}`);
		await settle();
		toCustomer.dropNext(Infinity);
		a.sendChat('never reached the old page');
		await settle();
		await cut(toAgent, toCustomer);

		const reloaded = session('customer', 'Anna');
		const requests: string[] = [];
		reloaded.on('screen-request', (name) => requests.push(name));
		const { aEnd } = link(reloaded, 'customer-1', a, 'agent-1');
		await settle();
		expect(texts(reloaded, false)).toEqual(['never reached the old page']);
		// Its new counter starts again at 1, below what the agent applied from the old page.
		expect(aEnd.sent.find((m) => m.type === 'screen-sync')?.seq).toBe(1);
		expect(reloaded.sendChat('new page').ok).toBe(true);
		await settle();
		expect(texts(a, false)).toEqual(['old page 0', 'old page 1', 'old page 2', 'new page']);
		expect(a.requestScreen()).toEqual({ ok: true });
		await settle();
		expect(requests).toEqual(['Marco']);
		expect(a.outboxSize('customer-1')).toBe(0);
	});

	it('without an epoch change (the same page reconnecting) nothing is applied twice', async () => {
		const { c, a, toAgent, toCustomer } = await pair();
		toCustomer.dropNext(Infinity);
		c.sendChat('only once');
		await settle();
		await cut(toAgent, toCustomer);
		await reconnect(c, a);
		await reconnect(c, a);
		expect(texts(a, false)).toEqual(['only once']);
	});

	it('a hello without epoch (a peer from before epochs) keeps what was applied', async () => {
		const { c, toAgent } = await pair();
		const requests: string[] = [];
		c.on('screen-request', (name) => requests.push(name));
		toAgent.injectRaw({ type: 'screen-request', seq: 500 });
		toAgent.injectRaw({ type: 'hello', name: 'Marco', role: 'agent' });
		toAgent.injectRaw({ type: 'screen-request', seq: 500 });
		expect(requests).toEqual(['Marco']);
	});
});

describe('reliable delivery: bounds and forgetting', () => {
	it(`keeps at most ${OUTBOX_LIMIT} unacknowledged messages per peer, dropping the oldest, and says so`, async () => {
		const { c, a, toAgent, toCustomer } = await pair();
		await cut(toAgent, toCustomer);
		const overflows: OutboxOverflow[] = [];
		c.on('outbox-overflow', (info) => overflows.push(info));
		const ids: string[] = [];
		for (let i = 0; i < OUTBOX_LIMIT + 2; i++) {
			const sent = c.sendChat(`m${i}`);
			if (sent.ok) ids.push(sent.message.id);
		}
		expect(c.outboxSize('agent-1')).toBe(OUTBOX_LIMIT);
		expect(overflows).toEqual([
			{ peerId: 'agent-1', dropped: 1, chatIds: [ids[0]] },
			{ peerId: 'agent-1', dropped: 1, chatIds: [ids[1]] }
		]);
		await reconnect(c, a);
		const received = texts(a, false);
		expect(received).toHaveLength(OUTBOX_LIMIT);
		expect(received[0]).toBe('m2');
		expect(received.at(-1)).toBe(`m${OUTBOX_LIMIT + 1}`);
		// The screen snapshot sent on reconnect pushed m2 out, after it had been re-sent: its ack
		// still clears it.
		expect(overflows.slice(2)).toEqual([{ peerId: 'agent-1', dropped: 1, chatIds: [ids[2]] }]);
		// The dropped ones never reached anyone: still pending.
		expect(
			userLines(c)
				.filter((m) => m.pending)
				.map((m) => m.text)
		).toEqual(['m0', 'm1']);
		expect(c.outboxSize('agent-1')).toBe(0);
	});

	it('the outbox limit is an option', async () => {
		const c = session('customer', 'Anna', 3);
		const a = session('agent', 'Marco');
		const { aEnd, bEnd } = link(c, 'customer-1', a, 'agent-1');
		await settle();
		await cut(aEnd, bEnd);
		for (let i = 0; i < 5; i++) c.sendChat(`m${i}`);
		expect(c.outboxSize('agent-1')).toBe(3);
		await reconnect(c, a);
		expect(texts(a, false)).toEqual(['m2', 'm3', 'm4']);
		expect(
			userLines(c)
				.filter((m) => m.pending)
				.map((m) => m.text)
		).toEqual(['m0', 'm1']);
	});

	it('forgetPeer drops the outbox and removes the peer; the next chat has no one to go to', async () => {
		const { c, toAgent, toCustomer } = await pair();
		await cut(toAgent, toCustomer);
		c.sendChat('queued');
		expect(c.outboxSize('agent-1')).toBe(1);
		c.forgetPeer('agent-1');
		expect(c.outboxSize('agent-1')).toBe(0);
		expect(c.sendChat('hello?')).toEqual({ ok: false, error: 'no-peer' });

		// A connected peer is removed too.
		const second = await pair();
		second.c.forgetPeer('agent-1');
		expect(second.c.peers).toEqual([]);
		expect(second.toAgent.open).toBe(false);
	});

	it('an agent that ends its part is forgotten: nothing is queued for it', async () => {
		const c = session('customer', 'Anna');
		const first = session('agent', 'Marco');
		const second = session('agent', 'Luca');
		link(c, 'customer-1', first, 'agent-1');
		link(c, 'customer-1', second, 'agent-2');
		await settle();
		first.end('agent');
		await settle();
		expect(c.state.status).toBe('connected');
		expect(c.outboxSize('agent-1')).toBe(0);
		c.sendChat('just us now');
		expect(c.outboxSize('agent-1')).toBe(0);
		expect(c.outboxSize('agent-2')).toBe(1);
		await settle();
		expect(texts(second, false)).toEqual(['just us now']);
	});

	it('the end drops every outbox', async () => {
		const { c, toCustomer } = await pair();
		toCustomer.dropNext(Infinity);
		c.sendChat('unacked');
		await settle();
		expect(c.outboxSize('agent-1')).toBe(1);
		c.end('customer');
		expect(c.outboxSize('agent-1')).toBe(0);
	});
});
