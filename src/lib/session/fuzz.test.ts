/**
 * Fuzz-style robustness: random and mutated messages must never make the validator or a session
 * throw, and whatever the validator accepts must really be a well-formed message.
 */
import { describe, expect, it } from 'vitest';
import {
	DEFAULT_FEATURES,
	FRAME_CHUNK_CHARS,
	parsePeerMessage,
	type Features,
	type Role
} from './protocol';
import { OUTBOX_LIMIT, SupportSession } from './session';
import {
	createMessageChannelPair,
	type FakeMessageChannel,
	type MessageChannel
} from './transport';

// Generous: the suite shares two cores with builds; the bounds below only catch hangs.
const FUZZ_TIMEOUT_MS = 60_000;
const MAX_DURATION_MS = 30_000;

/** mulberry32: small, fast, seeded. */
function prng(seed: number) {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

type Random = ReturnType<typeof prng>;

const pick = <T>(random: Random, items: readonly T[]): T =>
	items[Math.floor(random() * items.length)];

const HUGE_STRING = 'x'.repeat(1_000_000);
const EMOJI_STRING = '😀'.repeat(4_001);

const VALID_MESSAGES: Array<Record<string, unknown>> = [
	{ type: 'hello', name: 'Anna', role: 'customer' },
	{ type: 'hello', name: 'Marco', role: 'agent' },
	{
		type: 'chat',
		id: 'abc-123',
		name: 'Anna',
		text: 'hello <b>there</b>',
		sentAt: 1_700_000_000_000
	},
	{ type: 'screen-state', state: 'sharing' },
	{ type: 'screen-state', state: 'stopped' },
	{ type: 'screen-state', state: 'declined' },
	{ type: 'screen-sync', state: 'requested' },
	{ type: 'screen-sync', state: 'not-shared' },
	{ type: 'screen-request' },
	{ type: 'screen-request-answer', accepted: true },
	{ type: 'screen-request-answer', accepted: false },
	{ type: 'agent-screen-state', state: 'sharing' },
	{ type: 'agent-screen-state', state: 'stopped' },
	{ type: 'end', reason: 'customer' },
	{ type: 'end', reason: 'agent' },
	{ type: 'end', reason: 'connection-lost' },
	{ type: 'hello', name: 'Anna', role: 'customer', epoch: 'e0a1-b2' },
	{ type: 'chat', id: 'seq-1', name: 'Marco', text: 'again', sentAt: 1, seq: 3 },
	{ type: 'screen-state', state: 'sharing', seq: 1 },
	{ type: 'screen-sync', state: 'stopped', seq: 2 },
	{ type: 'screen-request', seq: 4 },
	{ type: 'screen-request-answer', accepted: true, seq: 5 },
	{ type: 'agent-screen-state', state: 'sharing', seq: 6 },
	{ type: 'ack', seq: 1 },
	{ type: 'ack', seq: 40 },
	{ type: 'voice-state', state: 'in', call: 'call-1', muted: false },
	{ type: 'voice-state', state: 'out', muted: true, seq: 7 },
	{ type: 'camera-state', state: 'sharing', facing: 'user', canSwitch: true },
	{ type: 'camera-request', action: 'pause' },
	{ type: 'annotate-start', id: 'a1', source: 'screen', width: 64, height: 48, frameBytes: 3 },
	{ type: 'annotate-frame', id: 'a1', index: 0, data: 'AAAA' },
	{
		type: 'annotate-mark',
		id: 'a1',
		mark: { id: 'm1', color: 'blue', tool: 'arrow', from: [1, 2], to: [60, 40] }
	},
	{ type: 'annotate-undo', id: 'a1' },
	{ type: 'annotate-stop', id: 'a1' },
	{ type: 'recording-state', state: 'recording' },
	{ type: 'recording-notice', seq: 8 }
];

const KEYS = [
	'type',
	'id',
	'name',
	'text',
	'sentAt',
	'state',
	'accepted',
	'reason',
	'role',
	'seq',
	'epoch'
];

function randomString(random: Random): string {
	const roll = random();
	if (roll < 0.1) return HUGE_STRING;
	if (roll < 0.15) return EMOJI_STRING;
	if (roll < 0.25) return '';
	if (roll < 0.35)
		return pick(random, ['<b>x</b>', '../../etc', '\u0000', '\u202e', ' ', '__proto__']);
	const length = Math.floor(random() * 20);
	let text = '';
	for (let i = 0; i < length; i++) text += String.fromCharCode(Math.floor(random() * 0x3000));
	return text;
}

function randomValue(random: Random, depth = 0): unknown {
	const roll = random();
	if (roll < 0.1) return null;
	if (roll < 0.15) return undefined;
	if (roll < 0.3)
		return pick(random, [0, -1, 1, 2, 7, 1.5, NaN, Infinity, -Infinity, 2 ** 53, 1e308]);
	if (roll < 0.4) return random() < 0.5;
	if (roll < 0.6) return randomString(random);
	if (roll < 0.7) return pick(random, VALID_MESSAGES).type;
	if (depth > 3) return {};
	if (roll < 0.85)
		return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1));
	const nested: Record<string, unknown> = {};
	for (let i = 0; i < Math.floor(random() * 4); i++) {
		nested[pick(random, KEYS)] = randomValue(random, depth + 1);
	}
	return nested;
}

function mutate(random: Random, message: Record<string, unknown>): unknown {
	const copy: Record<string, unknown> = { ...message };
	const mutations = 1 + Math.floor(random() * 3);
	for (let i = 0; i < mutations; i++) {
		const keys = Object.keys(copy);
		const roll = random();
		if (roll < 0.2 && keys.length > 0) delete copy[pick(random, keys)];
		else if (roll < 0.4)
			copy[random() < 0.5 ? pick(random, KEYS) : randomString(random).slice(0, 30)] =
				randomValue(random);
		else if (roll < 0.7 && keys.length > 0) copy[pick(random, keys)] = randomValue(random);
		else if (roll < 0.8) copy.type = pick(random, VALID_MESSAGES).type;
		else if (roll < 0.85) return [copy];
		else if (roll < 0.9) return randomValue(random);
		else if (roll < 0.95) return { wrapped: copy };
		else return JSON.stringify(copy);
	}
	return copy;
}

/** Half valid (possibly from the wrong side), half mutated or random. */
function randomMessage(random: Random): unknown {
	const base = pick(random, VALID_MESSAGES);
	const roll = random();
	if (roll < 0.25) return { ...base };
	if (roll < 0.9) return mutate(random, base);
	return randomValue(random);
}

const FEATURE_SETS: Features[] = [
	DEFAULT_FEATURES,
	{ ...DEFAULT_FEATURES, agentScreenShare: false, multiAgent: false }
];

describe('fuzz', () => {
	it(
		'parsePeerMessage: 20,000 random and mutated messages, no throw, only well-formed accepted',
		() => {
			const random = prng(0x5eed);
			const started = performance.now();
			let accepted = 0;
			for (let i = 0; i < 20_000; i++) {
				const data = randomMessage(random);
				const from: Role = random() < 0.5 ? 'customer' : 'agent';
				const ctx = {
					from,
					to: (from === 'customer' ? 'agent' : pick(random, ['customer', 'agent'])) as Role,
					features: pick(random, FEATURE_SETS)
				};
				const result = parsePeerMessage(data, ctx);
				if (!result.ok) {
					expect(typeof result.error).toBe('string');
					expect(result.error.length).toBeLessThan(100);
					continue;
				}
				accepted++;
				// What passes survives the wire unchanged and passes again.
				const wire = JSON.parse(JSON.stringify(result.message)) as unknown;
				expect(wire).toEqual(result.message);
				expect(parsePeerMessage(wire, ctx)).toEqual(result);
				for (const [key, value] of Object.entries(result.message)) {
					// Only an annotation's mark is nested (its own schema bounds it).
					const nested = key === 'mark' && result.message.type === 'annotate-mark';
					expect(nested ? ['object'] : ['string', 'number', 'boolean']).toContain(typeof value);
					if (typeof value === 'string') {
						// The longest string is a frame chunk.
						expect(value.length).toBeLessThanOrEqual(FRAME_CHUNK_CHARS);
					}
				}
			}
			// Enough valid ones to exercise the accepting paths too.
			expect(accepted).toBeGreaterThan(2_000);
			expect(performance.now() - started).toBeLessThan(MAX_DURATION_MS);
		},
		FUZZ_TIMEOUT_MS
	);

	it(
		'SupportSession: 12,000 injected messages on both sides, no throw, state stays sane',
		async () => {
			const random = prng(42);
			const started = performance.now();
			let time = 1_700_000_000_000;
			const now = () => time;
			let sessions = 0;
			let rejected = 0;

			const makePair = () => {
				sessions++;
				const features = pick(random, FEATURE_SETS);
				const customer = new SupportSession({ role: 'customer', name: 'Anna', features, now });
				const agent = new SupportSession({ role: 'agent', name: 'Marco', features, now });
				const [customerSide, agentSide] = createMessageChannelPair();
				customer.addPeer('agent-1', 'agent', customerSide);
				agent.addPeer('customer-1', 'customer', agentSide);
				customer.on('rejected', () => rejected++);
				agent.on('rejected', () => rejected++);
				return { customer, agent, customerSide, agentSide };
			};

			let pair = makePair();
			for (let i = 0; i < 12_000; i++) {
				// Now and then let the sessions' own messages reach each other.
				if (i % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
				time += Math.floor(random() * 3_000);
				// A valid 'end' ends the session: start a fresh one to keep fuzzing live sessions.
				if (pair.customer.state.status === 'ended' || pair.agent.state.status === 'ended') {
					pair = makePair();
				}
				const data = randomMessage(random);
				const target = random() < 0.5 ? pair.customerSide : pair.agentSide;
				expect(() => target.injectRaw(data)).not.toThrow();
				// Local actions mixed in, as a user would click.
				if (random() < 0.1) {
					const action = pick(random, [
						() => pair.customer.shareStarted(),
						() => pair.customer.shareStopped(),
						() => pair.customer.shareDeclined(),
						() => pair.customer.answerScreenRequest(random() < 0.5),
						() => pair.agent.requestScreen(),
						() => pair.agent.agentShareStarted(),
						() => pair.customer.sendChat(randomString(random)),
						() => pair.agent.sendChat('ok'),
						// A reconnect over a fresh channel: outboxes are re-sent.
						() => {
							const [customerSide, agentSide] = createMessageChannelPair();
							pair.customer.addPeer('agent-1', 'agent', customerSide);
							pair.agent.addPeer('customer-1', 'customer', agentSide);
							pair.customerSide = customerSide;
							pair.agentSide = agentSide;
						}
					]);
					expect(action).not.toThrow();
				}
				for (const session of [pair.customer, pair.agent]) {
					expect(['waiting', 'connected', 'ended']).toContain(session.state.status);
					expect(['not-shared', 'sharing', 'stopped', 'declined', 'requested']).toContain(
						session.state.screen
					);
				}
				expect(pair.customer.outboxSize('agent-1')).toBeLessThanOrEqual(OUTBOX_LIMIT);
				expect(pair.agent.outboxSize('customer-1')).toBeLessThanOrEqual(OUTBOX_LIMIT);
			}
			expect(rejected).toBeGreaterThan(1_000);
			expect(sessions).toBeGreaterThan(1);
			expect(performance.now() - started).toBeLessThan(MAX_DURATION_MS);
		},
		FUZZ_TIMEOUT_MS
	);

	it(
		'delivery: 4,000 chats and screen changes through random silent losses, cuts and reconnects arrive once, in order',
		async () => {
			const random = prng(0xc0ffee);
			const started = performance.now();
			const features = DEFAULT_FEATURES;
			let time = 1_700_000_000_000;
			const now = () => time;
			const customer = new SupportSession({ role: 'customer', name: 'Anna', features, now });
			const agent = new SupportSession({ role: 'agent', name: 'Marco', features, now });
			const sentBy = { customer: [] as string[], agent: [] as string[] };
			const seenBy = { customer: [] as string[], agent: [] as string[] };
			customer.on('chat', (m) => seenBy.customer.push(m.text));
			agent.on('chat', (m) => seenBy.agent.push(m.text));
			const rejected: string[] = [];
			customer.on('rejected', (r) => rejected.push(`customer:${r.error}`));
			agent.on('rejected', (r) => rejected.push(`agent:${r.error}`));
			let requestsMade = 0;
			let requestsShown = 0;
			customer.on('screen-request', () => requestsShown++);

			/** A dead path: from `dead` on, everything sent on this end vanishes until it closes. */
			class DyingChannel implements MessageChannel {
				dead = false;
				constructor(readonly inner: FakeMessageChannel) {}
				get open() {
					return this.inner.open;
				}
				send(message: unknown) {
					if (!this.inner.open) throw new Error('closed');
					if (!this.dead) this.inner.send(message);
				}
				onMessage(handler: (data: unknown) => void) {
					return this.inner.onMessage(handler);
				}
				onClose(handler: () => void) {
					return this.inner.onClose(handler);
				}
				close() {
					this.inner.close();
				}
			}
			let ends: DyingChannel[] = [];
			/** Now and then one side starts listening late, losing what the other said first. */
			const connect = async (late: 'customer' | 'agent' | null) => {
				const [customerSide, agentSide] = createMessageChannelPair();
				ends = [new DyingChannel(customerSide), new DyingChannel(agentSide)];
				const addCustomer = () => customer.addPeer('agent-1', 'agent', ends[0]);
				const addAgent = () => agent.addPeer('customer-1', 'customer', ends[1]);
				const [first, second] =
					late === 'customer' ? [addAgent, addCustomer] : [addCustomer, addAgent];
				first();
				if (late) await new Promise((resolve) => setTimeout(resolve, 0));
				second();
			};
			await connect(null);

			for (let i = 0; i < 4_000; i++) {
				const roll = random();
				if (roll < 0.4) {
					const text = `c${i}`;
					expect(customer.sendChat(text).ok).toBe(true);
					sentBy.customer.push(text);
				} else if (roll < 0.8) {
					const text = `a${i}`;
					expect(agent.sendChat(text).ok).toBe(true);
					sentBy.agent.push(text);
				} else if (roll < 0.84) {
					// The customer changes its screen: stop, or (after the agent asks) share again.
					time += 1_000;
					if (customer.state.screen === 'sharing') customer.shareStopped();
					else if (customer.state.screen === 'requested') customer.shareStarted();
					else customer.shareDeclined();
				} else if (roll < 0.87) {
					time += 1_000;
					if (agent.requestScreen().ok) requestsMade++;
				} else if (roll < 0.9) {
					ends[Math.floor(random() * 2)].dead = true;
				} else if (roll < 0.93) {
					for (const end of ends) end.close();
				} else if (roll < 0.96) {
					await connect(pick(random, ['customer', 'agent', null] as const));
				} else {
					await new Promise((resolve) => setTimeout(resolve, 0));
				}
			}
			// The last reconnect too has a late listener: what it missed comes again after its hello.
			await connect('agent');
			for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));

			// Every chat exactly once, in the order it was written.
			expect(seenBy.agent).toEqual(sentBy.customer);
			expect(seenBy.customer).toEqual(sentBy.agent);
			expect(customer.chat.messages.filter((m) => m.pending)).toEqual([]);
			expect(agent.chat.messages.filter((m) => m.pending)).toEqual([]);
			expect(customer.outboxSize('agent-1')).toBe(0);
			expect(agent.outboxSize('customer-1')).toBe(0);
			// No request shown twice; both agree on the screen in the end.
			expect(requestsShown).toBeLessThanOrEqual(requestsMade);
			expect(requestsShown).toBeGreaterThan(5);
			expect(agent.state.screen).toBe(customer.state.screen);
			// Only stale requests and answers crossing each other, never anything malformed.
			for (const error of rejected) {
				expect(error).toMatch(
					/^(customer:(too-soon|pending|already-sharing)|agent:not-requested)$/
				);
			}
			expect(sentBy.customer.length + sentBy.agent.length).toBeGreaterThan(3_000);
			expect(performance.now() - started).toBeLessThan(MAX_DURATION_MS);
		},
		FUZZ_TIMEOUT_MS
	);
});
