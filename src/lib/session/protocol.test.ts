import { describe, expect, it } from 'vitest';
import {
	DEFAULT_FEATURES,
	MAX_CHAT_LENGTH,
	MAX_ID_LENGTH,
	MAX_NAME_LENGTH,
	MAX_SEQ,
	SEQUENCED_TYPES,
	codePointLength,
	isSequenced,
	normalizeName,
	parsePeerMessage,
	type Features,
	type ParseContext,
	type Role
} from './protocol';

const fromAgent: ParseContext = { from: 'agent', to: 'customer', features: DEFAULT_FEATURES };
const fromCustomer: ParseContext = { from: 'customer', to: 'agent', features: DEFAULT_FEATURES };

const chat = {
	type: 'chat',
	id: 'c1a2b3-XYZ_9',
	name: 'Anna',
	text: 'hello',
	sentAt: 1_700_000_000_000
};

/** One valid message of each type, with the role that may send it. */
const VALID: Array<[Role, Record<string, unknown>]> = [
	['customer', { type: 'hello', name: 'Anna Rossi', role: 'customer' }],
	['agent', { type: 'hello', name: 'Marco', role: 'agent' }],
	['customer', chat],
	['agent', chat],
	['customer', { type: 'screen-state', state: 'sharing' }],
	['customer', { type: 'screen-state', state: 'stopped' }],
	['customer', { type: 'screen-state', state: 'declined' }],
	['customer', { type: 'screen-sync', state: 'not-shared' }],
	['customer', { type: 'screen-sync', state: 'requested' }],
	['agent', { type: 'screen-request' }],
	['customer', { type: 'screen-request-answer', accepted: true }],
	['customer', { type: 'screen-request-answer', accepted: false }],
	['agent', { type: 'agent-screen-state', state: 'sharing' }],
	['agent', { type: 'agent-screen-state', state: 'stopped' }],
	['agent', { type: 'screen-mode', mode: 'sharp' }],
	['agent', { type: 'screen-mode', mode: 'smooth', seq: 5 }],
	['customer', { type: 'end', reason: 'customer' }],
	['agent', { type: 'end', reason: 'agent' }],
	['agent', { type: 'end', reason: 'expired' }],
	['customer', { type: 'end', reason: 'connection-lost' }],
	// Reliable delivery: seq on the sequenced types, acks both ways, an epoch in hello.
	['customer', { type: 'hello', name: 'Anna', role: 'customer', epoch: crypto.randomUUID() }],
	['agent', { ...chat, seq: 1 }],
	['customer', { ...chat, seq: MAX_SEQ }],
	['customer', { type: 'screen-state', state: 'sharing', seq: 7 }],
	['customer', { type: 'screen-sync', state: 'requested', seq: 8 }],
	['agent', { type: 'screen-request', seq: 3 }],
	['customer', { type: 'screen-request-answer', accepted: true, seq: 9 }],
	['agent', { type: 'agent-screen-state', state: 'stopped', seq: 4 }],
	['agent', { type: 'ack', seq: 1 }],
	['customer', { type: 'ack', seq: 123_456 }],
	// Voice, camera and annotation (#18).
	['customer', { type: 'voice-state', state: 'in', call: 'call-1', muted: false }],
	['agent', { type: 'voice-state', state: 'declined', call: 'call-1', muted: false, seq: 2 }],
	['agent', { type: 'voice-state', state: 'out', muted: false }],
	['customer', { type: 'camera-state', state: 'sharing', facing: 'environment', canSwitch: true }],
	[
		'customer',
		{ type: 'camera-state', state: 'paused', facing: 'user', canSwitch: false, pausedBy: 'agent' }
	],
	['agent', { type: 'camera-request', action: 'switch' }],
	[
		'agent',
		{ type: 'annotate-start', id: 'a1', source: 'camera', width: 1280, height: 720, frameBytes: 9 }
	],
	['agent', { type: 'annotate-frame', id: 'a1', index: 0, data: 'AAECAwQFBgcI' }],
	[
		'agent',
		{
			type: 'annotate-mark',
			id: 'a1',
			mark: {
				id: 'm1',
				color: 'red',
				tool: 'pen',
				points: [
					[0, 0],
					[1280, 720]
				]
			}
		}
	],
	['agent', { type: 'annotate-undo', id: 'a1' }],
	['agent', { type: 'annotate-clear', id: 'a1', seq: 3 }],
	['agent', { type: 'annotate-stop', id: 'a1' }],
	// Recording (#19).
	['agent', { type: 'recording-state', state: 'recording' }],
	['agent', { type: 'recording-state', state: 'off', seq: 4 }],
	['customer', { type: 'recording-notice' }],
	['customer', { type: 'recording-notice', seq: 2 }]
];

function contextFrom(role: Role): ParseContext {
	return role === 'agent' ? fromAgent : fromCustomer;
}

describe('parsePeerMessage: valid messages', () => {
	for (const [from, message] of VALID) {
		it(`accepts ${JSON.stringify(message)} from the ${from}`, () => {
			expect(parsePeerMessage(message, contextFrom(from))).toEqual({ ok: true, message });
		});
	}

	it('returns a copy, not the object it was given', () => {
		const result = parsePeerMessage(chat, fromAgent);
		expect(result.ok && result.message).not.toBe(chat);
	});

	it('accepts chat between two agents', () => {
		expect(
			parsePeerMessage(chat, { from: 'agent', to: 'agent', features: DEFAULT_FEATURES }).ok
		).toBe(true);
	});

	it('keeps markup as plain text, in text and names', () => {
		const markup = { ...chat, name: '<img src=x onerror=alert(1)>', text: '<b>bold</b> &amp;' };
		expect(parsePeerMessage(markup, fromAgent)).toEqual({ ok: true, message: markup });
	});
});

describe('parsePeerMessage: direction and features', () => {
	const cases: Array<[Record<string, unknown>, ParseContext]> = [
		[{ type: 'screen-state', state: 'sharing' }, fromAgent],
		[{ type: 'screen-sync', state: 'sharing' }, fromAgent],
		[{ type: 'screen-request' }, fromCustomer],
		[{ type: 'screen-request-answer', accepted: true }, fromAgent],
		[{ type: 'agent-screen-state', state: 'sharing' }, fromCustomer],
		[{ type: 'screen-mode', mode: 'smooth' }, fromCustomer],
		[{ type: 'recording-notice' }, fromAgent],
		// Agent to agent: requests and screen states are only between customer and agents.
		[{ type: 'screen-request' }, { from: 'agent', to: 'agent', features: DEFAULT_FEATURES }],
		[
			{ type: 'agent-screen-state', state: 'sharing' },
			{ from: 'agent', to: 'agent', features: DEFAULT_FEATURES }
		]
	];
	for (const [message, ctx] of cases) {
		it(`refuses ${message.type} from ${ctx.from} to ${ctx.to}`, () => {
			expect(parsePeerMessage(message, ctx)).toEqual({ ok: false, error: 'wrong-direction' });
		});
	}

	it('recording-state is checked for its state; an agent tells the other agents too', () => {
		expect(parsePeerMessage({ type: 'recording-state', state: 'paused' }, fromAgent)).toEqual({
			ok: false,
			error: 'invalid-state'
		});
		expect(
			parsePeerMessage(
				{ type: 'recording-state', state: 'recording' },
				{ from: 'agent', to: 'agent', features: DEFAULT_FEATURES }
			).ok
		).toBe(true);
		expect(parsePeerMessage({ type: 'recording-notice', shown: true }, fromCustomer)).toEqual({
			ok: false,
			error: 'unknown-key'
		});
	});

	it('refuses the agent screen when the feature is denied', () => {
		const features: Features = { ...DEFAULT_FEATURES, agentScreenShare: false };
		for (const state of ['sharing', 'stopped']) {
			expect(
				parsePeerMessage({ type: 'agent-screen-state', state }, { ...fromAgent, features })
			).toEqual({ ok: false, error: 'feature-disabled' });
		}
	});

	it('refuses a hello claiming the other role', () => {
		expect(parsePeerMessage({ type: 'hello', name: 'Eve', role: 'agent' }, fromCustomer)).toEqual({
			ok: false,
			error: 'role-mismatch'
		});
	});

	it('refuses an end blaming the other side', () => {
		expect(parsePeerMessage({ type: 'end', reason: 'agent' }, fromCustomer)).toEqual({
			ok: false,
			error: 'wrong-reason'
		});
		expect(parsePeerMessage({ type: 'end', reason: 'customer' }, fromAgent)).toEqual({
			ok: false,
			error: 'wrong-reason'
		});
	});
});

describe('parsePeerMessage: shape', () => {
	for (const [from, message] of VALID) {
		it(`refuses an extra key on ${message.type} from the ${from}`, () => {
			expect(parsePeerMessage({ ...message, extra: 1 }, contextFrom(from))).toEqual({
				ok: false,
				error: 'unknown-key'
			});
		});
	}

	it('refuses a missing key', () => {
		const withoutText: Record<string, unknown> = { ...chat };
		delete withoutText.text;
		expect(parsePeerMessage(withoutText, fromAgent)).toEqual({ ok: false, error: 'missing-text' });
	});

	it('refuses unknown and missing types', () => {
		for (const type of ['teleport', '', 'toString', '__proto__', 42, null, undefined]) {
			expect(parsePeerMessage({ type }, fromAgent)).toEqual({ ok: false, error: 'unknown-type' });
		}
		expect(parsePeerMessage({}, fromAgent)).toEqual({ ok: false, error: 'unknown-type' });
	});

	it('refuses anything that is not a plain object', () => {
		class Message {
			type = 'screen-request';
		}
		const values: unknown[] = [
			null,
			undefined,
			0,
			42,
			NaN,
			'',
			'{"type":"screen-request"}',
			true,
			[],
			[{ type: 'screen-request' }],
			new Date(),
			new Map([['type', 'screen-request']]),
			new Message(),
			Object.create({ type: 'screen-request' }),
			() => ({ type: 'screen-request' }),
			Symbol('x'),
			10n
		];
		for (const value of values) {
			expect(parsePeerMessage(value, fromAgent)).toEqual({ ok: false, error: 'not-an-object' });
		}
	});

	it('accepts an object without a prototype', () => {
		const bare = Object.assign(Object.create(null) as object, { type: 'screen-request' });
		expect(parsePeerMessage(bare, fromAgent).ok).toBe(true);
	});

	it('refuses a huge object quickly', () => {
		const huge: Record<string, unknown> = { type: 'screen-request' };
		for (let i = 0; i < 200_000; i++) huge[`k${i}`] = i;
		// "Quickly" counted in work, not on a clock: it stops after a few keys, reading no value.
		let keysLooked = 0;
		let valuesRead = 0;
		const watched = new Proxy(huge, {
			getOwnPropertyDescriptor(target, key) {
				keysLooked++;
				return Reflect.getOwnPropertyDescriptor(target, key);
			},
			get(target, key, receiver) {
				valuesRead++;
				return Reflect.get(target, key, receiver);
			}
		});
		expect(parsePeerMessage(watched, fromAgent)).toEqual({ ok: false, error: 'too-large' });
		expect(keysLooked).toBeLessThanOrEqual(64);
		expect(valuesRead).toBe(0);
	});

	it('refuses a huge string', () => {
		const text = 'x'.repeat(20_000_000);
		expect(parsePeerMessage({ ...chat, text }, fromAgent)).toEqual({
			ok: false,
			error: 'invalid-text'
		});
		expect(parsePeerMessage({ ...chat, id: text }, fromAgent).ok).toBe(false);
	});

	it('refuses wrong types in every field', () => {
		const wrong: unknown[] = [null, 1, true, [], {}, { nested: { deep: 1 } }, ['a']];
		for (const key of ['id', 'name', 'text', 'sentAt']) {
			for (const value of wrong) {
				if (key === 'sentAt' && value === 1) continue;
				expect(parsePeerMessage({ ...chat, [key]: value }, fromAgent)).toEqual({
					ok: false,
					error: `invalid-${key}`
				});
			}
		}
		expect(
			parsePeerMessage({ type: 'screen-request-answer', accepted: 'yes' }, fromCustomer)
		).toEqual({ ok: false, error: 'invalid-accepted' });
		expect(parsePeerMessage({ type: 'screen-state', state: 'requested' }, fromCustomer)).toEqual({
			ok: false,
			error: 'invalid-state'
		});
		expect(parsePeerMessage({ type: 'end', reason: 'bored' }, fromCustomer)).toEqual({
			ok: false,
			error: 'invalid-reason'
		});
	});

	it('never throws, even on a hostile object', () => {
		const throwing = new Proxy(
			{},
			{
				ownKeys() {
					throw new Error('boom');
				},
				get() {
					throw new Error('boom');
				}
			}
		);
		expect(() => parsePeerMessage(throwing, fromAgent)).not.toThrow();
		expect(parsePeerMessage(throwing, fromAgent).ok).toBe(false);
		const getter = {
			get type() {
				throw new Error('boom');
			}
		};
		expect(parsePeerMessage(getter, fromAgent)).toEqual({ ok: false, error: 'invalid' });
	});
});

describe('parsePeerMessage: chat text', () => {
	const withText = (text: string) => parsePeerMessage({ ...chat, text }, fromAgent);

	it(`accepts 1 to ${MAX_CHAT_LENGTH} characters`, () => {
		expect(withText('a').ok).toBe(true);
		expect(withText('a'.repeat(MAX_CHAT_LENGTH)).ok).toBe(true);
		expect(withText('😀'.repeat(MAX_CHAT_LENGTH)).ok).toBe(true);
	});

	it('refuses over-long, empty and blank text', () => {
		for (const text of [
			'a'.repeat(MAX_CHAT_LENGTH + 1),
			'😀'.repeat(MAX_CHAT_LENGTH + 1),
			'',
			'  \n '
		]) {
			expect(withText(text)).toEqual({ ok: false, error: 'invalid-text' });
		}
	});

	it('keeps newlines and tabs', () => {
		expect(withText('line 1\n\tline 2').ok).toBe(true);
	});
});

describe('parsePeerMessage: ids, names and times', () => {
	it('accepts ids of letters, digits, _ and - up to the limit', () => {
		for (const id of ['a', crypto.randomUUID(), 'A_b-9', 'x'.repeat(MAX_ID_LENGTH)]) {
			expect(parsePeerMessage({ ...chat, id }, fromAgent).ok).toBe(true);
		}
	});

	it('refuses bad ids', () => {
		const bad = [
			'',
			'x'.repeat(MAX_ID_LENGTH + 1),
			'../etc',
			'a b',
			'a.b',
			'a/b',
			'<b>',
			'é',
			'😀',
			'a\u0000',
			'a\n'
		];
		for (const id of bad) {
			expect(parsePeerMessage({ ...chat, id }, fromAgent)).toEqual({
				ok: false,
				error: 'invalid-id'
			});
		}
	});

	it(`accepts names up to ${MAX_NAME_LENGTH} characters and refuses longer, blank or control ones`, () => {
		const hello = (name: string) =>
			parsePeerMessage({ type: 'hello', name, role: 'agent' }, fromAgent);
		expect(hello('x'.repeat(MAX_NAME_LENGTH)).ok).toBe(true);
		expect(hello('👩‍💻'.repeat(10)).ok).toBe(true);
		for (const name of [
			'x'.repeat(MAX_NAME_LENGTH + 1),
			'',
			'   ',
			'Anna\nRossi',
			'a\u0000',
			'a\u009b'
		]) {
			expect(hello(name)).toEqual({ ok: false, error: 'invalid-name' });
		}
	});

	it('refuses times that are not finite, non-negative numbers', () => {
		for (const sentAt of [NaN, Infinity, -Infinity, -1, '1700000000000', null]) {
			expect(parsePeerMessage({ ...chat, sentAt }, fromAgent)).toEqual({
				ok: false,
				error: 'invalid-sentAt'
			});
		}
	});
});

describe('parsePeerMessage: seq, ack and epoch', () => {
	const badSeqs: unknown[] = [
		0,
		-1,
		1.5,
		NaN,
		Infinity,
		-Infinity,
		MAX_SEQ + 1,
		1e308,
		'1',
		null,
		undefined,
		true,
		[],
		{},
		[1]
	];

	it('refuses a seq that is not a positive safe integer, on every sequenced type and on ack', () => {
		const sequenced: Array<[Role, Record<string, unknown>]> = [
			['agent', chat],
			['customer', { type: 'screen-state', state: 'stopped' }],
			['customer', { type: 'screen-sync', state: 'sharing' }],
			['agent', { type: 'screen-request' }],
			['customer', { type: 'screen-request-answer', accepted: false }],
			['agent', { type: 'agent-screen-state', state: 'sharing' }],
			['customer', { type: 'ack' }]
		];
		for (const [from, message] of sequenced) {
			for (const seq of badSeqs) {
				expect(parsePeerMessage({ ...message, seq }, contextFrom(from))).toEqual({
					ok: false,
					error: 'invalid-seq'
				});
			}
		}
	});

	it('an ack needs its seq and nothing else', () => {
		expect(parsePeerMessage({ type: 'ack' }, fromAgent)).toEqual({
			ok: false,
			error: 'missing-seq'
		});
		expect(parsePeerMessage({ type: 'ack', seq: 1, id: 'x' }, fromAgent)).toEqual({
			ok: false,
			error: 'unknown-key'
		});
		expect(
			parsePeerMessage(
				{ type: 'ack', seq: 5 },
				{ from: 'agent', to: 'agent', features: DEFAULT_FEATURES }
			)
		).toEqual({ ok: true, message: { type: 'ack', seq: 5 } });
	});

	it('hello, end and ack never carry a seq', () => {
		for (const [from, message] of [
			['agent', { type: 'hello', name: 'Marco', role: 'agent', seq: 1 }],
			['customer', { type: 'end', reason: 'customer', seq: 1 }]
		] as Array<[Role, Record<string, unknown>]>) {
			expect(parsePeerMessage(message, contextFrom(from))).toEqual({
				ok: false,
				error: 'unknown-key'
			});
		}
	});

	it('the epoch is optional, and an id when present', () => {
		const hello = { type: 'hello', name: 'Marco', role: 'agent' };
		expect(parsePeerMessage(hello, fromAgent)).toEqual({ ok: true, message: hello });
		for (const epoch of [
			undefined,
			'',
			'x'.repeat(MAX_ID_LENGTH + 1),
			'a.b',
			'<b>',
			42,
			null,
			{},
			'x'.repeat(1_000_000)
		]) {
			expect(parsePeerMessage({ ...hello, epoch }, fromAgent)).toEqual({
				ok: false,
				error: 'invalid-epoch'
			});
		}
	});

	it('a message without seq is still accepted (a peer from before seq) and comes back without one', () => {
		const result = parsePeerMessage({ type: 'screen-request' }, fromAgent);
		expect(result).toEqual({ ok: true, message: { type: 'screen-request' } });
		expect(result.ok && 'seq' in result.message).toBe(false);
	});

	it('isSequenced names exactly the sequenced types', () => {
		expect([...SEQUENCED_TYPES].sort()).toEqual(
			[
				'agent-screen-state',
				'chat',
				'screen-mode',
				'screen-request',
				'screen-request-answer',
				'screen-state',
				'screen-sync',
				'voice-state',
				'camera-state',
				'camera-request',
				'annotate-start',
				'annotate-frame',
				'annotate-mark',
				'annotate-undo',
				'annotate-clear',
				'annotate-stop',
				'recording-state',
				'recording-notice'
			].sort()
		);
		for (const [from, message] of VALID) {
			const result = parsePeerMessage(message, contextFrom(from));
			if (!result.ok) throw new Error(result.error);
			expect(isSequenced(result.message)).toBe(
				(SEQUENCED_TYPES as readonly string[]).includes(result.message.type)
			);
		}
	});
});

describe('codePointLength and normalizeName', () => {
	it('counts code points', () => {
		expect(codePointLength('')).toBe(0);
		expect(codePointLength('abc')).toBe(3);
		expect(codePointLength('😀😀')).toBe(2);
		// A lone surrogate still counts as one.
		expect(codePointLength('\ud800x')).toBe(2);
		expect(codePointLength('x\udc00')).toBe(2);
	});

	it('cleans our own name into one the protocol accepts', () => {
		expect(normalizeName('  Anna \n Rossi  ', 'customer')).toBe('Anna   Rossi');
		expect(normalizeName('', 'customer')).toBe('Customer');
		expect(normalizeName(' \u0000 ', 'agent')).toBe('Agent');
		const long = normalizeName('😀'.repeat(MAX_NAME_LENGTH + 5), 'agent');
		expect(codePointLength(long)).toBe(MAX_NAME_LENGTH);
		for (const name of ['x', '  y  ', 'a\tb', '😀'.repeat(200), '']) {
			const hello = { type: 'hello', name: normalizeName(name, 'agent'), role: 'agent' };
			expect(parsePeerMessage(hello, fromAgent).ok).toBe(true);
		}
	});

	it('DEFAULT_FEATURES match the product defaults', () => {
		expect(DEFAULT_FEATURES).toEqual({
			fileTransfer: true,
			maxFileSize: 2 * 1024 ** 3,
			agentScreenShare: true,
			voice: true,
			multiAgent: true,
			unattended: false,
			removeCustomerAppAtEnd: false,
			record: false,
			recordingRetentionDays: 30
		});
	});
});

describe('screen-state with a capture failure', () => {
	it('a decline may carry a known reason; nothing else may', () => {
		const declined = { type: 'screen-state', state: 'declined', seq: 1 };
		expect(parsePeerMessage({ ...declined, reason: 'system-permission' }, fromCustomer)).toEqual({
			ok: true,
			message: { ...declined, reason: 'system-permission' }
		});
		expect(parsePeerMessage(declined, fromCustomer).ok).toBe(true);
		expect(parsePeerMessage({ ...declined, reason: 'bogus' }, fromCustomer).ok).toBe(false);
		expect(parsePeerMessage({ ...declined, reason: 7 }, fromCustomer).ok).toBe(false);
		expect(
			parsePeerMessage({ ...declined, state: 'sharing', reason: 'policy' }, fromCustomer).ok
		).toBe(false);
		expect(parsePeerMessage({ ...declined, reason: 'policy' }, fromAgent).ok).toBe(false);
	});
});
