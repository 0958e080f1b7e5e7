import { describe, expect, it } from 'vitest';
import { MAX_MARKS, MAX_STROKE_POINTS, type Mark } from './marks';
import {
	DEFAULT_FEATURES,
	FRAME_CHUNK_CHARS,
	MAX_CONTROL_MESSAGE_BYTES,
	MAX_FRAME_BYTES,
	parsePeerMessage,
	type Role
} from './protocol';
import { SupportSession, type RejectedMessage } from './session';
import { createMessageChannelPair } from './transport';

const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

let ids = 0;
function session(role: Role, name: string) {
	return new SupportSession({ role, name, features: DEFAULT_FEATURES, newId: () => `id-${++ids}` });
}

async function pair() {
	const c = session('customer', 'Anna');
	const a = session('agent', 'Marco');
	const [cChannel, aChannel] = createMessageChannelPair();
	c.addPeer('a', 'agent', cChannel);
	a.addPeer('c', 'customer', aChannel);
	await settle();
	const rejected: RejectedMessage[] = [];
	c.on('rejected', (r) => rejected.push(r));
	return { c, a, fromAgent: cChannel, rejected };
}

/** A frame of `size` bytes whose content says where each byte was. */
function frame(size: number) {
	const image = new Uint8Array(size);
	for (let i = 0; i < size; i++) image[i] = (i * 7) % 256;
	return { source: 'screen' as const, width: 1280, height: 720, image };
}

const pen = (id: string, points: [number, number][]): Mark => ({
	id,
	color: 'red',
	tool: 'pen',
	points
});

describe('AnnotationBoard', () => {
	it('sends the largest frame in messages the control channel carries (PeerJS’s JSON limit)', async () => {
		const { a, fromAgent } = await pair();
		let largest = 0;
		let chunks = 0;
		fromAgent.onMessage((data) => {
			if ((data as { type?: string }).type === 'annotate-frame') chunks++;
			const bytes = new TextEncoder().encode(JSON.stringify(data)).byteLength;
			largest = Math.max(largest, bytes);
		});
		expect(a.annotation.begin(frame(MAX_FRAME_BYTES))).toEqual({ ok: true });
		await settle();
		expect(chunks).toBeGreaterThan(100);
		expect(largest).toBeGreaterThan(FRAME_CHUNK_CHARS);
		expect(largest).toBeLessThan(MAX_CONTROL_MESSAGE_BYTES);
	});

	it('shows the customer the agent’s frozen frame, byte for byte, and every mark live', async () => {
		const { c, a } = await pair();
		// Several chunks, the last one short.
		const sent = frame(FRAME_CHUNK_CHARS * 2);
		expect(a.annotation.begin(sent)).toEqual({ ok: true });
		expect(a.annotation.draw(pen('m1', [[10, 10]]))).toEqual({ ok: true });
		await settle();
		expect(c.annotation.state).toMatchObject({
			active: true,
			width: 1280,
			height: 720,
			by: 'Marco',
			mine: false
		});
		expect(c.annotation.state.frame).toEqual(sent.image);
		// The stroke grows under the agent's pen: it replaces itself.
		a.annotation.draw(
			pen('m1', [
				[10, 10],
				[20, 30],
				[40, 50]
			])
		);
		a.annotation.draw({ id: 'm2', color: 'yellow', tool: 'arrow', from: [0, 0], to: [100, 100] });
		a.annotation.draw({ id: 'm3', color: 'blue', tool: 'text', at: [5, 5], text: 'Click here' });
		a.annotation.draw({
			id: 'm4',
			color: 'green',
			tool: 'marker',
			at: [50, 50],
			n: a.annotation.nextMarkerNumber
		});
		await settle();
		expect(c.annotation.state.marks).toEqual(a.annotation.state.marks);
		expect(c.annotation.state.marks.map((m) => m.id)).toEqual(['m1', 'm2', 'm3', 'm4']);
		expect(c.annotation.state.marks[0]).toMatchObject({
			points: [
				[10, 10],
				[20, 30],
				[40, 50]
			]
		});

		a.annotation.undo();
		await settle();
		expect(c.annotation.state.marks.map((m) => m.id)).toEqual(['m1', 'm2', 'm3']);
		a.annotation.clear();
		await settle();
		expect(c.annotation.state.marks).toEqual([]);
		a.annotation.stop();
		await settle();
		expect(c.annotation.state.active).toBe(false);
		expect(a.annotation.state.active).toBe(false);
	});

	it('gives a customer that reloads the whole picture again', async () => {
		const { a } = await pair();
		a.annotation.begin(frame(5000));
		a.annotation.draw(pen('m1', [[1, 2]]));
		const reloaded = session('customer', 'Anna');
		const [cChannel, aChannel] = createMessageChannelPair();
		a.removePeer('c');
		reloaded.addPeer('a', 'agent', cChannel);
		a.addPeer('c', 'customer', aChannel);
		await settle();
		await settle();
		expect(reloaded.annotation.state.frame?.byteLength).toBe(5000);
		expect(reloaded.annotation.state.marks.map((m) => m.id)).toEqual(['m1']);
	});

	it('refuses marks off the frame, too many marks, and marks for another annotation', async () => {
		const { c, a, fromAgent, rejected } = await pair();
		a.annotation.begin(frame(100));
		await settle();
		const id = c.annotation.state.id;
		expect(a.annotation.draw(pen('x', [[1281, 10]]))).toEqual({ ok: false, error: 'out-of-frame' });
		fromAgent.injectRaw({ type: 'annotate-mark', id, mark: pen('x', [[10, 721]]) });
		fromAgent.injectRaw({ type: 'annotate-mark', id: 'other', mark: pen('y', [[1, 1]]) });
		expect(rejected.map((r) => r.error)).toEqual(['out-of-frame', 'unknown-annotation']);
		for (let i = 0; i < MAX_MARKS; i++) {
			expect(a.annotation.draw(pen(`m${i}`, [[i, i]]))).toEqual({ ok: true });
		}
		expect(a.annotation.draw(pen('one-more', [[1, 1]]))).toEqual({
			ok: false,
			error: 'too-many-marks'
		});
		await settle();
		expect(c.annotation.state.marks).toHaveLength(MAX_MARKS);
		fromAgent.injectRaw({ type: 'annotate-mark', id, mark: pen('one-more', [[1, 1]]) });
		expect(rejected.at(-1)?.error).toBe('too-many-marks');
		// Replacing a mark is still fine at the limit.
		expect(a.annotation.draw(pen('m0', [[2, 2]]))).toEqual({ ok: true });
	});

	it('drops a frame whose chunks do not add up, keeping the marks', async () => {
		const { c, a, fromAgent, rejected } = await pair();
		fromAgent.injectRaw({
			type: 'annotate-start',
			id: 'ann1',
			source: 'camera',
			width: 640,
			height: 480,
			frameBytes: 30
		});
		// 30 bytes are 40 base64 characters in one chunk: 8 is too short.
		fromAgent.injectRaw({ type: 'annotate-frame', id: 'ann1', index: 0, data: 'AAAAAAAA' });
		fromAgent.injectRaw({ type: 'annotate-frame', id: 'ann1', index: 3, data: 'AAAA' });
		fromAgent.injectRaw({ type: 'annotate-mark', id: 'ann1', mark: pen('m', [[1, 1]]) });
		await settle();
		expect(rejected.map((r) => r.error)).toEqual(['chunk-size']);
		expect(c.annotation.state).toMatchObject({ frame: null, frameFailed: true });
		expect(c.annotation.state.marks).toHaveLength(1);
		expect(a.annotation.state.active).toBe(false);
	});

	it('is the agents’ alone, and only the agent drawing may change it', async () => {
		const { c, a } = await pair();
		expect(c.annotation.begin(frame(10))).toEqual({ ok: false, error: 'wrong-role' });
		expect(a.annotation.draw(pen('m', [[1, 1]]))).toEqual({ ok: false, error: 'not-annotating' });
		expect(a.annotation.begin(frame(MAX_FRAME_BYTES + 1))).toEqual({
			ok: false,
			error: 'frame-too-large'
		});
	});
});

describe('annotation messages on the wire', () => {
	const ctx = { from: 'agent' as const, to: 'customer' as const, features: DEFAULT_FEATURES };
	const mark = (m: unknown) => ({ type: 'annotate-mark', id: 'a1', mark: m });
	it.each([
		[
			'a huge stroke',
			mark({ id: 'm', color: 'red', tool: 'pen', points: new Array(1e6).fill([1, 1]) })
		],
		[
			'one point too many',
			mark({
				id: 'm',
				color: 'red',
				tool: 'pen',
				points: new Array(MAX_STROKE_POINTS + 1).fill([1, 1])
			})
		],
		['an empty stroke', mark({ id: 'm', color: 'red', tool: 'pen', points: [] })],
		['NaN', mark({ id: 'm', color: 'red', tool: 'pen', points: [[NaN, 1]] })],
		['Infinity', mark({ id: 'm', color: 'red', tool: 'arrow', from: [0, 0], to: [Infinity, 1] })],
		[
			'a negative coordinate',
			mark({ id: 'm', color: 'red', tool: 'rect', from: [-1, 0], to: [1, 1] })
		],
		['a three-number point', mark({ id: 'm', color: 'red', tool: 'pen', points: [[1, 1, 1]] })],
		['an unknown tool', mark({ id: 'm', color: 'red', tool: 'laser', at: [1, 1] })],
		['an unknown colour', mark({ id: 'm', color: '#f00', tool: 'marker', at: [1, 1], n: 1 })],
		['a marker number 0', mark({ id: 'm', color: 'red', tool: 'marker', at: [1, 1], n: 0 })],
		[
			'control characters',
			mark({ id: 'm', color: 'red', tool: 'text', at: [1, 1], text: 'a\u0000b' })
		],
		[
			'a huge text',
			mark({ id: 'm', color: 'red', tool: 'text', at: [1, 1], text: 'x'.repeat(201) })
		],
		['an extra key', mark({ id: 'm', color: 'red', tool: 'marker', at: [1, 1], n: 1, size: 9 })],
		[
			'a frame too large',
			{
				type: 'annotate-start',
				id: 'a',
				source: 'screen',
				width: 10,
				height: 10,
				frameBytes: MAX_FRAME_BYTES + 1
			}
		],
		[
			'a frame side of 0',
			{ type: 'annotate-start', id: 'a', source: 'screen', width: 0, height: 10, frameBytes: 10 }
		],
		[
			'an unknown source',
			{ type: 'annotate-start', id: 'a', source: 'mic', width: 10, height: 10, frameBytes: 10 }
		],
		['a chunk that is not base64', { type: 'annotate-frame', id: 'a', index: 0, data: '<script>' }],
		[
			'a chunk too long',
			{ type: 'annotate-frame', id: 'a', index: 0, data: 'A'.repeat(FRAME_CHUNK_CHARS + 4) }
		],
		[
			'a chunk index beyond any frame',
			{ type: 'annotate-frame', id: 'a', index: 10_000, data: 'AAAA' }
		]
	])('refuses %s', (_name, message) => {
		expect(parsePeerMessage(message, ctx).ok).toBe(false);
	});

	it('takes annotations from an agent to the customer only', () => {
		const message = { type: 'annotate-stop', id: 'a1' };
		expect(parsePeerMessage(message, ctx).ok).toBe(true);
		expect(parsePeerMessage(message, { ...ctx, from: 'customer', to: 'agent' })).toEqual({
			ok: false,
			error: 'wrong-direction'
		});
		expect(parsePeerMessage(message, { ...ctx, to: 'agent' })).toEqual({
			ok: false,
			error: 'wrong-direction'
		});
	});
});

describe('AnnotationBoard: the agent reloads', () => {
	it('drops the picture of an agent page that restarted', async () => {
		const { c, a } = await pair();
		a.annotation.begin(frame(100));
		await settle();
		expect(c.annotation.state.active).toBe(true);
		// The agent's page reloads under the same peer ID: a new session instance, a new epoch.
		const reloaded = session('agent', 'Marco');
		const [cChannel, aChannel] = createMessageChannelPair();
		c.addPeer('a', 'agent', cChannel);
		reloaded.addPeer('c', 'customer', aChannel);
		await settle();
		expect(c.annotation.state.active).toBe(false);
		void a;
	});
});
