import { describe, expect, it } from 'vitest';
import { ReliableDelivery, type SentMessage } from './reliable-delivery';

const request = (delivery: ReliableDelivery): SentMessage =>
	delivery.sequence({ type: 'screen-request' });

describe('ReliableDelivery', () => {
	it('numbers messages from one counter for every peer and keeps them per peer until acked', () => {
		const delivery = new ReliableDelivery(10);
		expect(delivery.open('a')).toBe(1);
		expect(delivery.open('b')).toBe(1);
		const first = request(delivery);
		delivery.enqueue('a', first);
		delivery.enqueue('b', first);
		const second = request(delivery);
		delivery.enqueue('a', second);
		expect([first.seq, second.seq]).toEqual([1, 2]);
		expect(Object.isFrozen(first)).toBe(true);
		expect(delivery.outbox('a').map((m) => m.seq)).toEqual([1, 2]);
		expect(delivery.outboxSize('b')).toBe(1);
		expect(delivery.peerIds()).toEqual(['a', 'b']);
	});

	it('an ack trims the outbox up to its seq; an ack ahead of anything sent is refused', () => {
		const delivery = new ReliableDelivery(10);
		delivery.open('a');
		for (let i = 0; i < 3; i++) delivery.enqueue('a', request(delivery));
		expect(delivery.acknowledge('a', 2)).toBe(true);
		expect(delivery.outbox('a').map((m) => m.seq)).toEqual([3]);
		expect(delivery.acknowledge('a', 1)).toBe(true);
		expect(delivery.outboxSize('a')).toBe(1);
		expect(delivery.acknowledge('a', 4)).toBe(false);
		expect(delivery.outboxSize('a')).toBe(1);
	});

	it('a reopened peer resends from its oldest unacked seq, or from the next one', () => {
		const delivery = new ReliableDelivery(10);
		delivery.open('a');
		delivery.enqueue('a', request(delivery));
		delivery.enqueue('a', request(delivery));
		delivery.acknowledge('a', 1);
		expect(delivery.open('a')).toBe(2);
		delivery.acknowledge('a', 2);
		expect(delivery.open('a')).toBe(3);
	});

	it('a full outbox drops its oldest messages and says which', () => {
		const delivery = new ReliableDelivery(2);
		delivery.open('a');
		expect(delivery.enqueue('a', request(delivery))).toEqual([]);
		expect(delivery.enqueue('a', request(delivery))).toEqual([]);
		const dropped = delivery.enqueue('a', request(delivery));
		expect(dropped.map((m) => m.seq)).toEqual([1]);
		expect(delivery.outbox('a').map((m) => m.seq)).toEqual([2, 3]);
	});

	it('queues nothing for a peer without an outbox, or after forget and clear', () => {
		const delivery = new ReliableDelivery(10);
		expect(delivery.enqueue('nobody', request(delivery))).toEqual([]);
		expect(delivery.outboxSize('nobody')).toBe(0);
		delivery.open('a');
		delivery.open('b');
		delivery.forget('a');
		delivery.enqueue('a', request(delivery));
		expect(delivery.outboxSize('a')).toBe(0);
		expect(delivery.peerIds()).toEqual(['b']);
		delivery.clear();
		expect(delivery.peerIds()).toEqual([]);
	});

	it('applies each seq once, also out of order across a reconnect, and acks the highest', () => {
		const delivery = new ReliableDelivery(10);
		delivery.hello('a', 'epoch-1');
		expect(delivery.receive('a', 1)).toBe(true);
		expect(delivery.receive('a', 2)).toBe(true);
		// The reconnect re-sends 1 and 2, then 3.
		expect(delivery.receive('a', 1)).toBe(false);
		expect(delivery.receive('a', 2)).toBe(false);
		expect(delivery.receive('a', 3)).toBe(true);
		expect(delivery.applied('a')).toBe(3);
		expect(delivery.applied('unknown')).toBe(0);
	});

	it('a new epoch from the same peer (a reload) counts from 1 again; the same epoch does not', () => {
		const delivery = new ReliableDelivery(10);
		delivery.hello('a', 'epoch-1');
		delivery.receive('a', 5);
		delivery.hello('a', 'epoch-1');
		expect(delivery.receive('a', 5)).toBe(false);
		delivery.hello('a', 'epoch-2');
		expect(delivery.applied('a')).toBe(0);
		expect(delivery.receive('a', 1)).toBe(true);
	});

	it('remembers what it applied from a forgotten peer, so a late resend is not applied again', () => {
		const delivery = new ReliableDelivery(10);
		delivery.open('a');
		delivery.hello('a', 'epoch-1');
		delivery.receive('a', 1);
		delivery.forget('a');
		expect(delivery.receive('a', 1)).toBe(false);
	});

	it('each instance has its own epoch', () => {
		expect(new ReliableDelivery(1).epoch).not.toBe(new ReliableDelivery(1).epoch);
	});
});
