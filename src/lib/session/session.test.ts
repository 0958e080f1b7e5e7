import { describe, expect, it } from 'vitest';
import type { ChatMessage } from './chat';
import { SCREEN_REQUEST_INTERVAL_MS } from './machine';
import { DEFAULT_FEATURES, type EndReason, type Features, type Role } from './protocol';
import { SupportSession, type RejectedMessage } from './session';
import { createMessageChannelPair, type FakeMessageChannel } from './transport';

/** Lets every queued in-memory delivery (microtasks) run. */
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

function fakeClock(start = 1_000_000) {
	const clock = { time: start, now: () => clock.time };
	return clock;
}

let idCounter = 0;
const newId = () => `id-${++idCounter}`;

interface Options {
	name?: string;
	features?: Features;
	now?: () => number;
}

function customer(options: Options = {}) {
	return new SupportSession({
		role: 'customer',
		name: options.name ?? 'Anna',
		features: options.features ?? DEFAULT_FEATURES,
		now: options.now,
		newId
	});
}

function agent(options: Options = {}) {
	return new SupportSession({
		role: 'agent',
		name: options.name ?? 'Marco',
		features: options.features ?? DEFAULT_FEATURES,
		now: options.now,
		newId
	});
}

/**
 * Links two sessions the way the adapter does. Returns each side's channel: injecting into
 * `aChannel` is a message arriving at `a` from `b`.
 */
function link(a: SupportSession, aPeerId: string, b: SupportSession, bPeerId: string) {
	const [aChannel, bChannel] = createMessageChannelPair();
	a.addPeer(bPeerId, b.role, aChannel);
	b.addPeer(aPeerId, a.role, bChannel);
	return { aChannel, bChannel };
}

async function pair(options: { customer?: Options; agent?: Options } = {}) {
	const c = customer(options.customer);
	const a = agent(options.agent);
	const { aChannel, bChannel } = link(c, 'customer-1', a, 'agent-1');
	await settle();
	return { c, a, fromAgent: aChannel, fromCustomer: bChannel };
}

function collect(session: SupportSession, event: 'chat'): ChatMessage[];
function collect(session: SupportSession, event: 'rejected'): RejectedMessage[];
function collect(session: SupportSession, event: 'ended'): EndReason[];
function collect(session: SupportSession, event: 'screen-request'): string[];
function collect(session: SupportSession, event: 'request-answer'): boolean[];
function collect(
	session: SupportSession,
	event: 'chat' | 'rejected' | 'ended' | 'screen-request' | 'request-answer'
): unknown[] {
	const seen: unknown[] = [];
	session.on(event as 'chat', (value: unknown) => seen.push(value));
	return seen;
}

describe('SupportSession: connecting', () => {
	it('exchanges hellos: both connected, names known, joins in the chat', async () => {
		const { c, a } = await pair();
		expect(c.state.status).toBe('connected');
		expect(a.state.status).toBe('connected');
		expect(c.peers).toEqual([{ peerId: 'agent-1', name: 'Marco', role: 'agent' }]);
		expect(a.peers).toEqual([{ peerId: 'customer-1', name: 'Anna', role: 'customer' }]);
		expect(c.chat.messages).toEqual([
			expect.objectContaining({ role: 'system', text: 'Marco joined', mine: false })
		]);
		expect(a.chat.messages.map((m) => m.text)).toEqual(['Anna joined']);
	});

	it('is waiting until the first peer is added', () => {
		const c = customer();
		expect(c.state.status).toBe('waiting');
		expect(c.peers).toEqual([]);
		expect(c.role).toBe('customer');
	});

	it('sends a normalized name', async () => {
		const { a } = await pair({ customer: { name: '  \u0007 ' } });
		expect(a.peers[0].name).toBe('Customer');
	});

	it('emits change for peer and state changes', async () => {
		const c = customer();
		const a = agent();
		let changes = 0;
		c.on('change', () => changes++);
		link(c, 'customer-1', a, 'agent-1');
		expect(changes).toBe(1);
		await settle();
		expect(changes).toBeGreaterThan(1);
	});

	it('handlers can be removed', async () => {
		const { c, a } = await pair();
		const seen: ChatMessage[] = [];
		const off = a.on('chat', (message) => seen.push(message));
		off();
		c.sendChat('hello');
		await settle();
		expect(seen).toEqual([]);
	});

	it('refuses a second customer, and a customer peer on the customer side', async () => {
		const { c, a } = await pair();
		const rejectedByAgent = collect(a, 'rejected');
		const other = customer({ name: 'Mallory' });
		const { aChannel } = link(a, 'agent-1', other, 'customer-2');
		expect(rejectedByAgent).toEqual([{ peerId: 'customer-2', error: 'one-customer' }]);
		expect(aChannel.open).toBe(false);
		expect(a.peers.map((p) => p.peerId)).toEqual(['customer-1']);

		const rejectedByCustomer = collect(c, 'rejected');
		const [channel] = createMessageChannelPair();
		c.addPeer('customer-3', 'customer', channel);
		expect(rejectedByCustomer).toEqual([{ peerId: 'customer-3', error: 'wrong-role' }]);
	});

	it('refuses a second agent when multi-agent is off', async () => {
		const features = { ...DEFAULT_FEATURES, multiAgent: false };
		const { c } = await pair({ customer: { features }, agent: { features } });
		const rejected = collect(c, 'rejected');
		const second = agent({ name: 'Luca', features });
		const { aChannel } = link(c, 'customer-1', second, 'agent-2');
		expect(rejected).toEqual([{ peerId: 'agent-2', error: 'multi-agent-disabled' }]);
		expect(aChannel.open).toBe(false);
		expect(c.peers).toHaveLength(1);
	});

	it('a reconnect with the same peer id replaces the old channel', async () => {
		const { c, a, fromAgent } = await pair();
		const { aChannel } = link(c, 'customer-1', a, 'agent-1');
		await settle();
		expect(fromAgent.open).toBe(false);
		expect(aChannel.open).toBe(true);
		expect(c.peers).toHaveLength(1);
		expect(a.peers).toHaveLength(1);
		// A reconnect is not a new join.
		expect(c.chat.messages.filter((m) => m.role === 'system')).toHaveLength(1);
		expect(c.sendChat('still here').ok).toBe(true);
	});

	it('removePeer, or the channel closing, removes the peer without ending', async () => {
		const { c, a, fromAgent } = await pair();
		fromAgent.close();
		await settle();
		expect(c.peers).toEqual([]);
		expect(a.peers).toEqual([]);
		expect(c.state.status).toBe('connected');
		expect(a.state.status).toBe('connected');
		expect(c.chat.messages.at(-1)).toMatchObject({ role: 'system', text: 'Marco left' });
		// The agent may come back: chat is queued for it until it does, or is forgotten.
		expect(c.sendChat('anyone?')).toEqual({
			ok: true,
			message: expect.objectContaining({ text: 'anyone?', pending: true })
		});
		c.forgetPeer('agent-1');
		expect(c.sendChat('anyone at all?')).toEqual({ ok: false, error: 'no-peer' });

		const second = await pair();
		second.c.removePeer('agent-1');
		second.c.removePeer('agent-1');
		await settle();
		expect(second.fromAgent.open).toBe(false);
		expect(second.a.peers).toEqual([]);
	});
});

describe('SupportSession: chat', () => {
	it('goes both ways and is shown once on each side', async () => {
		const { c, a } = await pair();
		const customerSaw = collect(c, 'chat');
		const agentSaw = collect(a, 'chat');

		const sent = c.sendChat('  Hello, my printer is broken  ');
		expect(sent).toEqual({
			ok: true,
			message: expect.objectContaining({ text: 'Hello, my printer is broken', mine: true })
		});
		await settle();
		const reply = a.sendChat('Let me have a look');
		await settle();

		expect(agentSaw).toEqual([
			expect.objectContaining({
				text: 'Hello, my printer is broken',
				name: 'Anna',
				role: 'customer',
				mine: false
			})
		]);
		expect(customerSaw).toEqual([
			expect.objectContaining({ text: 'Let me have a look', role: 'agent', mine: false })
		]);
		const userLines = (session: SupportSession) =>
			session.chat.messages.filter((m) => m.role !== 'system').map((m) => [m.text, m.mine]);
		expect(userLines(c)).toEqual([
			['Hello, my printer is broken', true],
			['Let me have a look', false]
		]);
		expect(userLines(a)).toEqual([
			['Hello, my printer is broken', false],
			['Let me have a look', true]
		]);
		expect(reply.ok && sent.ok && reply.message.id !== sent.message.id).toBe(true);
	});

	it('a duplicate (same id) is dropped quietly', async () => {
		const { c, a, fromCustomer } = await pair();
		const agentSaw = collect(a, 'chat');
		const rejected = collect(a, 'rejected');
		const sent = c.sendChat('once');
		await settle();
		if (!sent.ok) throw new Error('not sent');
		const { id, name, text, sentAt } = sent.message;
		fromCustomer.injectRaw({ type: 'chat', id, name, text, sentAt });
		fromCustomer.injectRaw({ type: 'chat', id, name, text: 'same id, other text', sentAt });
		expect(agentSaw).toHaveLength(1);
		expect(a.chat.messages.filter((m) => m.id === id)).toHaveLength(1);
		expect(rejected).toEqual([]);
	});

	it('the role comes from the channel, not from the message', async () => {
		const { a, fromCustomer } = await pair();
		fromCustomer.injectRaw({ type: 'chat', id: 'x1', name: 'Support Team', text: 'hi', sentAt: 1 });
		expect(a.chat.messages.at(-1)).toMatchObject({ role: 'customer', name: 'Support Team' });
	});

	it('markup arrives as the same text', async () => {
		const { c, a } = await pair();
		c.sendChat('<b>bold</b><script>alert(1)</script>');
		await settle();
		expect(a.chat.messages.at(-1)?.text).toBe('<b>bold</b><script>alert(1)</script>');
	});

	it('refuses empty, too long, with no peer, and after the end', async () => {
		const lonely = customer();
		expect(lonely.sendChat('hello')).toEqual({ ok: false, error: 'no-peer' });
		const { c } = await pair();
		expect(c.sendChat('  ')).toEqual({ ok: false, error: 'empty' });
		expect(c.sendChat('a'.repeat(4001))).toEqual({ ok: false, error: 'too-long' });
		c.end('customer');
		expect(c.sendChat('hello')).toEqual({ ok: false, error: 'ended' });
	});

	it('an over-long chat from a peer is rejected and the channel stays up', async () => {
		const { c, a, fromCustomer } = await pair();
		const rejected = collect(a, 'rejected');
		fromCustomer.injectRaw({
			type: 'chat',
			id: 'x1',
			name: 'Anna',
			text: 'a'.repeat(4001),
			sentAt: 1
		});
		expect(rejected).toEqual([{ peerId: 'customer-1', error: 'invalid-text' }]);
		expect(fromCustomer.open).toBe(true);
		c.sendChat('short');
		await settle();
		expect(a.chat.messages.at(-1)?.text).toBe('short');
	});
});

describe('SupportSession: screen sharing', () => {
	it('customer shares: the agent sees it', async () => {
		const { c, a } = await pair();
		expect(c.shareStarted()).toEqual({ ok: true });
		await settle();
		expect(a.state.screen).toBe('sharing');
	});

	it('a cancelled picker is shown to the agent; the customer may retry it', async () => {
		const { c, a } = await pair();
		expect(c.shareDeclined()).toEqual({ ok: true });
		await settle();
		expect(a.state.screen).toBe('declined');
		expect(c.shareStarted()).toEqual({ ok: true });
		await settle();
		expect(a.state.screen).toBe('sharing');
	});

	it('a capture the computer refused reaches the agent with its reason; a Cancel has none', async () => {
		const { c, a } = await pair();
		expect(c.shareDeclined('system-permission')).toEqual({ ok: true });
		await settle();
		expect(a.state.screen).toBe('declined');
		expect(a.captureFailure).toBe('system-permission');
		expect(c.captureFailure).toBe('system-permission');
		// Declined again, this time the customer's own Cancel: the reason follows.
		expect(c.shareDeclined()).toEqual({ ok: true });
		await settle();
		expect(a.captureFailure).toBe('cancelled');
		expect(c.shareStarted()).toEqual({ ok: true });
		await settle();
		expect(a.captureFailure).toBeNull();
	});

	it('stop and restart: the agent must request, the customer must say Yes', async () => {
		const clock = fakeClock();
		const { c, a } = await pair({ customer: { now: clock.now }, agent: { now: clock.now } });
		const requests = collect(c, 'screen-request');
		const answers = collect(a, 'request-answer');

		c.shareStarted();
		expect(c.shareStopped()).toEqual({ ok: true });
		await settle();
		expect(a.state.screen).toBe('stopped');

		// The customer cannot restart on their own.
		expect(c.shareStarted()).toEqual({ ok: false, error: 'not-requested' });
		expect(c.state.screen).toBe('stopped');

		expect(a.requestScreen()).toEqual({ ok: true });
		expect(a.state.screen).toBe('requested');
		await settle();
		expect(requests).toEqual(['Marco']);
		expect(c.state.screen).toBe('requested');

		expect(c.answerScreenRequest(true)).toEqual({ ok: true });
		await settle();
		expect(answers).toEqual([true]);
		expect(a.state.screen).toBe('requested');

		expect(c.shareStarted()).toEqual({ ok: true });
		await settle();
		expect(a.state.screen).toBe('sharing');
		expect(c.state.screen).toBe('sharing');
	});

	it('No: both see declined', async () => {
		const { c, a } = await pair();
		const answers = collect(a, 'request-answer');
		a.requestScreen();
		await settle();
		expect(c.answerScreenRequest(false)).toEqual({ ok: true });
		await settle();
		expect(answers).toEqual([false]);
		expect(a.state.screen).toBe('declined');
		expect(c.state.screen).toBe('declined');
	});

	it('Yes, then the picker is cancelled: both see declined', async () => {
		const { c, a } = await pair();
		a.requestScreen();
		await settle();
		c.answerScreenRequest(true);
		c.shareDeclined();
		await settle();
		expect(a.state.screen).toBe('declined');
	});

	it('requestScreen errors', async () => {
		const clock = fakeClock();
		const lonely = agent({ now: clock.now });
		expect(lonely.requestScreen()).toEqual({ ok: false, error: 'no-customer' });

		const { c, a } = await pair({ customer: { now: clock.now }, agent: { now: clock.now } });
		expect(c.requestScreen()).toEqual({ ok: false, error: 'wrong-role' });
		expect(a.requestScreen()).toEqual({ ok: true });
		expect(a.requestScreen()).toEqual({ ok: false, error: 'pending' });
		await settle();
		c.answerScreenRequest(false);
		await settle();

		clock.time += SCREEN_REQUEST_INTERVAL_MS - 1;
		expect(a.requestScreen()).toEqual({ ok: false, error: 'too-soon' });
		clock.time += 1;
		expect(a.requestScreen()).toEqual({ ok: true });
		await settle();
		c.answerScreenRequest(true);
		c.shareStarted();
		await settle();
		clock.time += SCREEN_REQUEST_INTERVAL_MS;
		expect(a.requestScreen()).toEqual({ ok: false, error: 'already-sharing' });

		a.end('agent');
		expect(a.requestScreen()).toEqual({ ok: false, error: 'ended' });
	});

	it('customer actions on the agent side, and agent actions on the customer side, are wrong-role', async () => {
		const { c, a } = await pair();
		for (const result of [
			a.shareStarted(),
			a.shareStopped(),
			a.shareDeclined(),
			a.answerScreenRequest(true),
			c.requestScreen(),
			c.agentShareStarted(),
			c.agentShareStopped()
		]) {
			expect(result).toEqual({ ok: false, error: 'wrong-role' });
		}
	});

	it('a forged screen-request is refused when too soon, and the agent is told the real state', async () => {
		const clock = fakeClock();
		const { c, a, fromAgent } = await pair({
			customer: { now: clock.now },
			agent: { now: clock.now }
		});
		const rejected = collect(c, 'rejected');
		const requests = collect(c, 'screen-request');
		a.requestScreen();
		await settle();
		c.answerScreenRequest(false);
		await settle();
		clock.time += 1_000;
		fromAgent.injectRaw({ type: 'screen-request' });
		await settle();
		expect(rejected).toEqual([{ peerId: 'agent-1', error: 'too-soon' }]);
		expect(requests).toHaveLength(1);
		expect(c.state.screen).toBe('declined');
		expect(a.state.screen).toBe('declined');
	});

	it('the customer allows a little network jitter on the request interval', async () => {
		const clock = fakeClock();
		const { c, fromAgent } = await pair({ customer: { now: clock.now } });
		const requests = collect(c, 'screen-request');
		fromAgent.injectRaw({ type: 'screen-request' });
		c.answerScreenRequest(false);
		clock.time += SCREEN_REQUEST_INTERVAL_MS - 500;
		fromAgent.injectRaw({ type: 'screen-request' });
		expect(requests).toHaveLength(2);
	});

	it('the agent can never restart the screen: a forged screen-state from it is refused', async () => {
		const { c, fromAgent } = await pair();
		const rejected = collect(c, 'rejected');
		c.shareStarted();
		c.shareStopped();
		fromAgent.injectRaw({ type: 'screen-state', state: 'sharing' });
		fromAgent.injectRaw({ type: 'screen-request-answer', accepted: true });
		expect(rejected.map((r) => r.error)).toEqual(['wrong-direction', 'wrong-direction']);
		expect(c.state.screen).toBe('stopped');
	});

	it('an illegal screen change from the customer is rejected by the agent', async () => {
		const { c, a, fromCustomer } = await pair();
		const rejected = collect(a, 'rejected');
		c.shareStarted();
		c.shareStopped();
		await settle();
		fromCustomer.injectRaw({ type: 'screen-state', state: 'declined' });
		fromCustomer.injectRaw({ type: 'screen-request-answer', accepted: true });
		expect(rejected.map((r) => r.error)).toEqual(['not-requested', 'not-requested']);
		expect(a.state.screen).toBe('stopped');
		// A repeat of the current state is not an error.
		fromCustomer.injectRaw({ type: 'screen-state', state: 'stopped' });
		expect(rejected).toHaveLength(2);
	});

	it('an agent that connects while the customer shares is told so', async () => {
		const c = customer();
		c.shareStarted();
		const a = agent();
		link(c, 'customer-1', a, 'agent-1');
		await settle();
		expect(a.state.screen).toBe('sharing');
	});

	it('an agent that reconnects catches up with what changed meanwhile', async () => {
		const { c, a, fromAgent } = await pair();
		c.shareStarted();
		await settle();
		fromAgent.close();
		await settle();
		c.shareStopped();
		expect(a.state.screen).toBe('sharing');
		link(c, 'customer-1', a, 'agent-1');
		await settle();
		expect(a.state.screen).toBe('stopped');
	});
});

describe('SupportSession: agent screen', () => {
	it('the customer sees the agent screen start and stop', async () => {
		const { c, a } = await pair();
		expect(a.agentShareStarted()).toEqual({ ok: true });
		await settle();
		expect(c.state.agentScreen).toBe('sharing');
		expect(a.agentShareStarted()).toEqual({ ok: false, error: 'agent-already-sharing' });
		expect(a.agentShareStopped()).toEqual({ ok: true });
		await settle();
		expect(c.state.agentScreen).toBe('off');
	});

	it('is refused when the feature is denied, on both sides', async () => {
		const features = { ...DEFAULT_FEATURES, agentScreenShare: false };
		const { c, a, fromAgent } = await pair({ customer: { features }, agent: { features } });
		expect(a.agentShareStarted()).toEqual({ ok: false, error: 'feature-disabled' });
		const rejected = collect(c, 'rejected');
		fromAgent.injectRaw({ type: 'agent-screen-state', state: 'sharing' });
		expect(rejected).toEqual([{ peerId: 'agent-1', error: 'feature-disabled' }]);
		expect(c.state.agentScreen).toBe('off');
	});

	it('stops for the customer when the sharing agent leaves', async () => {
		const { c, a, fromAgent } = await pair();
		a.agentShareStarted();
		await settle();
		fromAgent.close();
		await settle();
		expect(c.state.agentScreen).toBe('off');
	});

	it('an agent reconnecting over a new channel while sharing is not an error', async () => {
		const { c, a } = await pair();
		const rejected = collect(c, 'rejected');
		a.agentShareStarted();
		await settle();
		link(c, 'customer-1', a, 'agent-1');
		await settle();
		expect(rejected).toEqual([]);
		expect(c.state.agentScreen).toBe('sharing');
		expect(a.agentShareStopped()).toEqual({ ok: true });
		await settle();
		expect(c.state.agentScreen).toBe('off');
	});

	it('a reconnecting agent that still shares tells the customer again', async () => {
		const { c, a, fromAgent } = await pair();
		a.agentShareStarted();
		await settle();
		fromAgent.close();
		await settle();
		link(c, 'customer-1', a, 'agent-1');
		await settle();
		expect(c.state.agentScreen).toBe('sharing');
	});
});

describe('SupportSession: screen mode', () => {
	it('the agent’s choice reaches the customer, with the agent’s peer ID', async () => {
		const { c, a } = await pair();
		const seen: [string, string][] = [];
		c.on('screen-mode', (peerId, mode) => seen.push([peerId, mode]));
		expect(a.screenMode).toBe('sharp');
		expect(a.setScreenMode('smooth')).toEqual({ ok: true });
		expect(a.setScreenMode('smooth')).toEqual({ ok: true });
		await settle();
		expect(a.screenMode).toBe('smooth');
		expect(seen).toEqual([['agent-1', 'smooth']]);
	});

	it('is told again to a customer that connects after the choice', async () => {
		const a = agent();
		expect(a.setScreenMode('smooth')).toEqual({ ok: true });
		const c = customer();
		const seen: string[] = [];
		c.on('screen-mode', (_peerId, mode) => seen.push(mode));
		link(c, 'customer-1', a, 'agent-1');
		await settle();
		expect(seen).toEqual(['smooth']);
	});

	it('only an agent chooses; a customer sending one is refused', async () => {
		const { c, a, fromCustomer } = await pair();
		expect(c.setScreenMode('smooth')).toEqual({ ok: false, error: 'wrong-role' });
		const rejected = collect(a, 'rejected');
		fromCustomer.injectRaw({ type: 'screen-mode', mode: 'smooth' });
		expect(rejected).toEqual([{ peerId: 'customer-1', error: 'wrong-direction' }]);
	});
});

describe('SupportSession: ending', () => {
	it('the customer ends: the agent ends with reason customer, channels close', async () => {
		const { c, a, fromAgent, fromCustomer } = await pair();
		const agentEnded = collect(a, 'ended');
		const customerEnded = collect(c, 'ended');
		c.end('customer');
		expect(c.state).toMatchObject({ status: 'ended', endedBy: 'customer' });
		expect(customerEnded).toEqual(['customer']);
		await settle();
		expect(agentEnded).toEqual(['customer']);
		expect(a.state).toMatchObject({ status: 'ended', endedBy: 'customer' });
		expect(fromAgent.open).toBe(false);
		expect(fromCustomer.open).toBe(false);
		expect(c.peers).toEqual([]);
		expect(a.peers).toEqual([]);
	});

	it('the agent ends: the customer ends with reason agent', async () => {
		const { c, a } = await pair();
		const ended = collect(c, 'ended');
		a.end('agent');
		await settle();
		expect(ended).toEqual(['agent']);
		expect(c.state.endedBy).toBe('agent');
	});

	it('end is idempotent and everything after it is refused', async () => {
		const { c, a } = await pair();
		const ended = collect(c, 'ended');
		c.shareStarted();
		c.end('customer');
		c.end('connection-lost');
		await settle();
		expect(ended).toEqual(['customer']);
		expect(c.state.endedBy).toBe('customer');
		expect(c.shareStopped()).toEqual({ ok: false, error: 'ended' });
		expect(c.answerScreenRequest(true)).toEqual({ ok: false, error: 'ended' });
		expect(a.requestScreen()).toEqual({ ok: false, error: 'ended' });
		expect(a.agentShareStarted()).toEqual({ ok: false, error: 'ended' });
	});

	it('no one can join an ended session', async () => {
		const { c } = await pair();
		c.end('customer');
		const late = agent({ name: 'Late' });
		const { aChannel } = link(c, 'customer-1', late, 'agent-9');
		await settle();
		expect(aChannel.open).toBe(false);
		expect(c.peers).toEqual([]);
		expect(late.peers).toEqual([]);
	});

	it('messages after the end are ignored', async () => {
		const { c, fromAgent } = await pair();
		const rejected = collect(c, 'rejected');
		const chats = collect(c, 'chat');
		c.end('customer');
		fromAgent.injectRaw({ type: 'chat', id: 'late', name: 'Marco', text: 'hi', sentAt: 1 });
		fromAgent.injectRaw({ type: 'screen-request' });
		expect(chats).toEqual([]);
		expect(rejected).toEqual([]);
	});

	it('a forged end blaming the other side does not end it', async () => {
		const { a, fromCustomer } = await pair();
		const rejected = collect(a, 'rejected');
		fromCustomer.injectRaw({ type: 'end', reason: 'agent' });
		expect(rejected).toEqual([{ peerId: 'customer-1', error: 'wrong-reason' }]);
		expect(a.state.status).toBe('connected');
	});
});

describe('SupportSession: several agents', () => {
	async function trio() {
		const c = customer();
		const first = agent({ name: 'Marco' });
		const second = agent({ name: 'Luca' });
		const one = link(c, 'customer-1', first, 'agent-1');
		const two = link(c, 'customer-1', second, 'agent-2');
		// Agents may be linked to each other too, so their chat reaches one another.
		link(first, 'agent-1', second, 'agent-2');
		await settle();
		return { c, first, second, one, two };
	}

	it('the customer sees every agent; chat reaches everyone once', async () => {
		const { c, first, second } = await trio();
		expect(c.peers.map((p) => p.name)).toEqual(['Marco', 'Luca']);
		c.sendChat('hello both');
		await settle();
		first.sendChat('hi from Marco');
		await settle();
		const texts = (s: SupportSession) =>
			s.chat.messages.filter((m) => m.role !== 'system').map((m) => m.text);
		expect(texts(first)).toEqual(['hello both', 'hi from Marco']);
		expect(texts(second)).toEqual(['hello both', 'hi from Marco']);
		expect(texts(c)).toEqual(['hello both', 'hi from Marco']);
	});

	it('one agent requests: the other knows it is pending; the answer reaches both', async () => {
		const { c, first, second } = await trio();
		const requests = collect(c, 'screen-request');
		const secondAnswers = collect(second, 'request-answer');
		first.requestScreen();
		await settle();
		expect(requests).toEqual(['Marco']);
		expect(second.state.screen).toBe('requested');
		expect(second.requestScreen()).toEqual({ ok: false, error: 'pending' });
		c.answerScreenRequest(true);
		c.shareStarted();
		await settle();
		expect(secondAnswers).toEqual([true]);
		expect(first.state.screen).toBe('sharing');
		expect(second.state.screen).toBe('sharing');
	});

	it('two requests at once: the second is dropped, both agents end up in step', async () => {
		const { c, first, second } = await trio();
		const rejected = collect(c, 'rejected');
		first.requestScreen();
		second.requestScreen();
		await settle();
		expect(rejected).toEqual([{ peerId: 'agent-2', error: 'pending' }]);
		c.answerScreenRequest(false);
		await settle();
		expect([c.state.screen, first.state.screen, second.state.screen]).toEqual([
			'declined',
			'declined',
			'declined'
		]);
	});

	it('an agent leaving ends only its part; the last agent leaving ends it', async () => {
		const { c, first, second } = await trio();
		const ended = collect(c, 'ended');
		const secondEnded = collect(second, 'ended');
		first.end('agent');
		await settle();
		expect(ended).toEqual([]);
		expect(secondEnded).toEqual([]);
		expect(c.peers.map((p) => p.name)).toEqual(['Luca']);
		expect(second.peers.map((p) => p.name)).toEqual(['Anna']);
		expect(c.chat.messages.at(-1)?.text).toBe('Marco left');
		second.end('agent');
		await settle();
		expect(ended).toEqual(['agent']);
	});

	it('the customer ending ends every agent', async () => {
		const { c, first, second } = await trio();
		c.end('customer');
		await settle();
		expect(first.state.endedBy).toBe('customer');
		expect(second.state.endedBy).toBe('customer');
	});

	it('only the agent that shares its screen can stop it for the customer', async () => {
		const { c, first, two } = await trio();
		const rejected = collect(c, 'rejected');
		first.agentShareStarted();
		await settle();
		two.aChannel.injectRaw({ type: 'agent-screen-state', state: 'stopped' });
		two.aChannel.injectRaw({ type: 'agent-screen-state', state: 'sharing' });
		expect(rejected.map((r) => r.error)).toEqual(['agent-not-sharing', 'agent-already-sharing']);
		expect(c.state.agentScreen).toBe('sharing');
	});
});

describe('SupportSession: garbage from a peer', () => {
	const garbage: unknown[] = [
		null,
		42,
		'hello',
		[],
		{ type: 'chat' },
		{ type: 'hello', name: 'Eve', role: 'administrator' },
		{ type: 'screen-request', please: true },
		{ type: 'nonsense' },
		{ type: 'screen-state', state: 'requested' },
		{ type: 'end', reason: 'customer', now: true },
		{ type: 'chat', id: '../../x', name: 'x', text: 'x', sentAt: 1 }
	];

	for (const [role, description] of [
		['customer', 'customer receiving from an agent'],
		['agent', 'agent receiving from the customer']
	] as Array<[Role, string]>) {
		it(`is rejected and the channel stays usable (${description})`, async () => {
			const { c, a, fromAgent, fromCustomer } = await pair();
			const receiver = role === 'customer' ? c : a;
			const sender = role === 'customer' ? a : c;
			const channel: FakeMessageChannel = role === 'customer' ? fromAgent : fromCustomer;
			const rejected = collect(receiver, 'rejected');
			const chats = collect(receiver, 'chat');
			const stateBefore = receiver.state;
			for (const data of garbage) expect(() => channel.injectRaw(data)).not.toThrow();
			expect(rejected).toHaveLength(garbage.length);
			expect(
				rejected.every((r) => r.peerId === (role === 'customer' ? 'agent-1' : 'customer-1'))
			).toBe(true);
			expect(receiver.state).toBe(stateBefore);
			expect(channel.open).toBe(true);
			sender.sendChat('still works');
			await settle();
			expect(chats.map((m) => m.text)).toEqual(['still works']);
		});
	}
});
