import { describe, expect, it } from 'vitest';
import { DEFAULT_FEATURES, parsePeerMessage, type Features, type Role } from './protocol';
import { SupportSession, type RejectedMessage } from './session';
import { createMessageChannelPair } from './transport';
import type { VoiceActivity } from './voice';

const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

let ids = 0;
function session(role: Role, name: string, features: Features = DEFAULT_FEATURES) {
	return new SupportSession({ role, name, features, newId: () => `id-${++ids}` });
}

function link(a: SupportSession, aId: string, b: SupportSession, bId: string) {
	const [aChannel, bChannel] = createMessageChannelPair();
	a.addPeer(bId, b.role, aChannel);
	b.addPeer(aId, a.role, bChannel);
	return { aChannel, bChannel };
}

function activities(s: SupportSession): string[] {
	const seen: string[] = [];
	s.voice.events.on('activity', (a: VoiceActivity) => seen.push(`${a.kind}:${a.name}`));
	return seen;
}

async function trio() {
	const c = session('customer', 'Anna');
	const a1 = session('agent', 'Marco');
	const a2 = session('agent', 'Giulia');
	link(c, 'c', a1, 'a1');
	link(c, 'c', a2, 'a2');
	link(a1, 'a1', a2, 'a2');
	await settle();
	return { c, a1, a2 };
}

describe('VoiceCall', () => {
	it('rings the other side, which answers: both connected, each hears the other', async () => {
		const c = session('customer', 'Anna');
		const a = session('agent', 'Marco');
		link(c, 'c', a, 'a');
		await settle();
		const heard = activities(c);

		expect(a.voice.start()).toEqual({ ok: true });
		expect(a.voice.state.status).toBe('calling');
		await settle();
		expect(c.voice.state).toMatchObject({ status: 'ringing', caller: 'Marco' });
		expect(c.voice.audiblePeers.size).toBe(0);

		expect(c.voice.answer()).toEqual({ ok: true });
		await settle();
		expect(c.voice.state.status).toBe('connected');
		expect(a.voice.state).toMatchObject({
			status: 'connected',
			participants: [{ peerId: 'c', name: 'Anna', muted: false }]
		});
		expect([...a.voice.audiblePeers]).toEqual(['c']);
		expect([...c.voice.audiblePeers]).toEqual(['a']);
		expect(heard).toEqual(['started:Marco', 'joined:Anna']);
	});

	it('a decline ends the call for the caller, and says who declined', async () => {
		const c = session('customer', 'Anna');
		const a = session('agent', 'Marco');
		link(c, 'c', a, 'a');
		await settle();
		const heard = activities(a);
		a.voice.start();
		await settle();
		expect(c.voice.decline()).toEqual({ ok: true });
		await settle();
		expect(a.voice.state.status).toBe('idle');
		expect(a.voice.joined).toBe(false);
		expect(heard).toEqual(['started:Marco', 'declined:Anna', 'ended:Marco']);
		// Declined: not rung again for that call; a new call rings again.
		expect(c.voice.state.status).toBe('idle');
		a.voice.start();
		await settle();
		expect(c.voice.state.status).toBe('ringing');
	});

	it('mute travels to the others; hanging up ends a call of two for both', async () => {
		const c = session('customer', 'Anna');
		const a = session('agent', 'Marco');
		link(c, 'c', a, 'a');
		await settle();
		c.voice.start();
		await settle();
		a.voice.answer();
		await settle();
		expect(a.voice.setMuted(true)).toEqual({ ok: true });
		await settle();
		expect(a.voice.state.muted).toBe(true);
		expect(c.voice.state.participants).toEqual([{ peerId: 'a', name: 'Marco', muted: true }]);
		a.voice.hangUp();
		await settle();
		expect(a.voice.state.status).toBe('idle');
		expect(c.voice.state.status).toBe('idle');
		expect(c.voice.joined).toBe(false);
	});

	it('with several agents everyone in hears everyone else; one leaving keeps the others', async () => {
		const { c, a1, a2 } = await trio();
		c.voice.start();
		await settle();
		expect(a1.voice.state.status).toBe('ringing');
		expect(a2.voice.state.status).toBe('ringing');
		a1.voice.answer();
		a2.voice.answer();
		await settle();
		expect([...c.voice.audiblePeers].sort()).toEqual(['a1', 'a2']);
		expect([...a1.voice.audiblePeers].sort()).toEqual(['a2', 'c']);
		a2.voice.hangUp();
		await settle();
		expect([...c.voice.audiblePeers]).toEqual(['a1']);
		expect(c.voice.state.status).toBe('connected');
		// The one who left sees the call still going and may join it again.
		expect(a2.voice.state).toMatchObject({ status: 'idle', ongoing: true });
		a2.voice.start();
		await settle();
		expect([...c.voice.audiblePeers].sort()).toEqual(['a1', 'a2']);
	});

	it('two peers starting at once settle on one call', async () => {
		const c = session('customer', 'Anna');
		const a = session('agent', 'Marco');
		link(c, 'c', a, 'a');
		await settle();
		c.voice.start();
		a.voice.start();
		await settle();
		await settle();
		expect(c.voice.state.status).toBe('connected');
		expect(a.voice.state.status).toBe('connected');
		expect([...a.voice.audiblePeers]).toEqual(['c']);
	});

	it('a peer that reconnects learns where the call stands; one that left the session leaves it', async () => {
		const c = session('customer', 'Anna');
		const a = session('agent', 'Marco');
		link(c, 'c', a, 'a');
		await settle();
		a.voice.start();
		await settle();
		c.voice.answer();
		await settle();
		// The customer reloads: a new page, a new session instance.
		const reloaded = session('customer', 'Anna');
		c.removePeer('a');
		link(reloaded, 'c', a, 'a');
		await settle();
		expect(reloaded.voice.state.status).toBe('ringing');
		// The reloaded page is not in the call: the agent hears nobody.
		expect(a.voice.audiblePeers.size).toBe(0);
		a.forgetPeer('c');
		await settle();
		expect(a.voice.state.status).toBe('idle');
	});

	it('is refused when the session has no voice, both ways', async () => {
		const off = { ...DEFAULT_FEATURES, voice: false };
		const c = session('customer', 'Anna', off);
		const a = session('agent', 'Marco');
		const { aChannel } = link(c, 'c', a, 'a');
		await settle();
		expect(c.voice.start()).toEqual({ ok: false, error: 'feature-disabled' });
		const rejected: RejectedMessage[] = [];
		c.on('rejected', (r) => rejected.push(r));
		aChannel.injectRaw({ type: 'voice-state', state: 'in', call: 'x1', muted: false });
		expect(rejected).toEqual([{ peerId: 'a', error: 'feature-disabled' }]);
		expect(c.voice.state.status).toBe('idle');
	});

	it('needs someone to call, and a call to answer', async () => {
		const c = session('customer', 'Anna');
		expect(c.voice.start()).toEqual({ ok: false, error: 'no-peer' });
		const a = session('agent', 'Marco');
		link(c, 'c', a, 'a');
		await settle();
		expect(c.voice.answer()).toEqual({ ok: false, error: 'no-call' });
		expect(c.voice.decline()).toEqual({ ok: false, error: 'no-call' });
		expect(c.voice.setMuted(true)).toEqual({ ok: false, error: 'not-in-call' });
	});

	it('ends with the session', async () => {
		const c = session('customer', 'Anna');
		const a = session('agent', 'Marco');
		link(c, 'c', a, 'a');
		await settle();
		a.voice.start();
		await settle();
		c.voice.answer();
		await settle();
		c.end('customer');
		await settle();
		expect(c.voice.state.status).toBe('idle');
		expect(a.voice.state.status).toBe('idle');
		expect(a.voice.joined).toBe(false);
	});
});

describe('voice-state on the wire', () => {
	const ctx = { from: 'agent' as const, to: 'customer' as const, features: DEFAULT_FEATURES };
	it.each([
		[{ type: 'voice-state', state: 'in', muted: false }, 'missing-call'],
		[{ type: 'voice-state', state: 'in', call: 'a b', muted: false }, 'invalid-call'],
		[{ type: 'voice-state', state: 'ringing', call: 'x', muted: false }, 'invalid-state'],
		[{ type: 'voice-state', state: 'in', call: 'x', muted: 'yes' }, 'invalid-muted'],
		[{ type: 'voice-state', state: 'in', call: 'x'.repeat(65), muted: false }, 'invalid-call'],
		[{ type: 'voice-state', state: 'in', call: 'x', muted: false, extra: 1 }, 'unknown-key']
	])('refuses %j', (message, error) => {
		const parsed = parsePeerMessage(message, ctx);
		expect(parsed.ok).toBe(false);
		if (!parsed.ok) expect(parsed.error).toBe(error);
	});

	it('takes a well-formed state from either role, agent to agent too', () => {
		const message = { type: 'voice-state', state: 'in', call: 'call-1', muted: true };
		expect(parsePeerMessage(message, ctx).ok).toBe(true);
		expect(parsePeerMessage(message, { ...ctx, from: 'customer', to: 'agent' }).ok).toBe(true);
		expect(parsePeerMessage(message, { ...ctx, to: 'agent' }).ok).toBe(true);
		expect(parsePeerMessage({ type: 'voice-state', state: 'out', muted: false }, ctx).ok).toBe(
			true
		);
	});
});
