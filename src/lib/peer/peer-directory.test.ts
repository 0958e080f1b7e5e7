import crypto from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { signTicket } from '$lib/server/tickets';
import { DEFAULT_FEATURES, type Features, type Role } from '$lib/session/protocol';
import { SupportSession } from '$lib/session/session';
import { createMessageChannelPair, type FakeMessageChannel } from '$lib/session/transport';
import { PeerDirectory, type ControlLink } from './peer-directory';
import { TicketChecker } from './ticket-check';

const SESSION = 'session-1';
const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
const rawPublicKey = String(publicKey.export({ format: 'jwk' }).x);
const features: Features = { ...DEFAULT_FEATURES, multiAgent: true };

function ticketFor(peerId: string, role: Role, sessionId = SESSION) {
	return signTicket(privateKey, {
		sessionId,
		role,
		peerId,
		name: peerId,
		organisation: 'Acme',
		features
	});
}

interface Node {
	peerId: string;
	directory: PeerDirectory;
	session: SupportSession;
	ticket: string;
}

/**
 * Peers wired through in-memory control channels. An incoming channel is handled as
 * SupportClient handles one: its ticket admitted first, then accepted (which answers with ours).
 */
class Network {
	readonly nodes = new Map<string, Node>();
	/** While cut, no channel opens (both ways): a network outage. */
	cut = false;
	dialed: string[] = [];

	join(peerId: string, role: Role, options: { ticket?: string; reconnectLimitMs?: number } = {}) {
		const session = new SupportSession({ role, name: peerId, features });
		const node: Node = {
			peerId,
			session,
			ticket: options.ticket ?? ticketFor(peerId, role),
			directory: new PeerDirectory({
				selfId: peerId,
				role,
				ticket: () => node.ticket,
				features: () => features,
				tickets: new TicketChecker(SESSION, rawPublicKey),
				session,
				reconnectLimitMs: options.reconnectLimitMs
			})
		};
		node.directory.useLink(this.#linkFor(peerId));
		node.directory.events.on('dialing', (remote) => this.dialed.push(`${peerId}>${remote}`));
		this.nodes.set(peerId, node);
		return node;
	}

	#linkFor(selfId: string): ControlLink {
		return {
			connectControl: async (remote, metadata) => {
				const target = this.nodes.get(remote);
				if (!target || this.cut) throw new Error('peer unavailable');
				const [mine, theirs] = createMessageChannelPair();
				void (async () => {
					const ticket = (metadata as { ticket: string }).ticket;
					const claims = await target.directory.admit(ticket, selfId);
					if (!claims) return theirs.close();
					await target.directory.accept(
						{ peer: selfId, acceptControl: async () => theirs },
						claims
					);
				})();
				return mine;
			}
		};
	}
}

const nodes: Node[] = [];
afterEach(() => {
	for (const node of nodes.splice(0)) {
		node.session.end('agent');
		node.directory.close();
	}
});

function network() {
	const net = new Network();
	const join = net.join.bind(net);
	net.join = (...args) => {
		const node = join(...args);
		nodes.push(node);
		return node;
	};
	return net;
}

function channelTo(node: Node, remote: string) {
	return node.directory.get(remote)?.channel as FakeMessageChannel | undefined;
}

describe('PeerDirectory', () => {
	it('trades tickets over a new control channel and hands it to the session', async () => {
		const net = network();
		const customer = net.join('customer-1', 'customer');
		const agent = net.join('agent-1', 'agent');
		const adopted: string[] = [];
		customer.directory.events.on('adopted', (peer) => adopted.push(peer.peerId));

		await customer.directory.connectTo('agent-1');

		await vi.waitFor(() => expect(agent.directory.has('customer-1')).toBe(true));
		expect(adopted).toEqual(['agent-1']);
		expect(customer.directory.get('agent-1')).toMatchObject({
			initiator: 'customer-1',
			claims: { role: 'agent', pid: 'agent-1' }
		});
		expect(channelTo(customer, 'agent-1')?.other).toBe(channelTo(agent, 'customer-1'));
		await vi.waitFor(() =>
			expect(customer.session.peers.map((p) => p.peerId)).toEqual(['agent-1'])
		);
	});

	it('keeps the same one of two channels opened at once on both sides: the smaller ID’s', async () => {
		const net = network();
		const customer = net.join('customer-1', 'customer');
		const agent = net.join('agent-1', 'agent');

		await Promise.all([
			customer.directory.connectTo('agent-1'),
			agent.directory.connectTo('customer-1')
		]);

		await vi.waitFor(() => {
			const fromCustomer = channelTo(customer, 'agent-1');
			const fromAgent = channelTo(agent, 'customer-1');
			expect(fromCustomer?.open && fromAgent?.open).toBe(true);
			expect(fromCustomer?.other).toBe(fromAgent);
		});
		expect(customer.directory.get('agent-1')?.initiator).toBe('agent-1');
		expect(agent.directory.get('customer-1')?.initiator).toBe('agent-1');
	});

	it('refuses a ticket for another session, and a role it does not talk to', async () => {
		const net = network();
		const customer = net.join('customer-1', 'customer');
		net.join('agent-1', 'agent', { ticket: ticketFor('agent-1', 'agent', 'session-2') });
		const failed: string[] = [];
		customer.directory.events.on('dial-failed', (peerId) => failed.push(peerId));

		await customer.directory.connectTo('agent-1');
		expect(customer.directory.has('agent-1')).toBe(false);
		expect(customer.directory.refused).toBe(1);
		expect(failed).toEqual(['agent-1']);

		// A customer talks to agents only, whatever the other customer's ticket says.
		expect(await customer.directory.admit(ticketFor('customer-2', 'customer'), 'customer-2')).toBe(
			null
		);
		expect(customer.directory.refused).toBe(2);
		// An agent talks to other agents in a multi-agent session.
		const agent = net.join('agent-2', 'agent');
		expect(await agent.directory.admit(ticketFor('agent-3', 'agent'), 'agent-3')).toMatchObject({
			role: 'agent'
		});
		// A ticket is bound to its peer ID.
		expect(await agent.directory.admit(ticketFor('agent-3', 'agent'), 'agent-4')).toBe(null);
	});

	it('calls a lost counterpart back and stops counting it lost once it answers', async () => {
		const net = network();
		const customer = net.join('customer-1', 'customer', { reconnectLimitMs: 60_000 });
		const agent = net.join('agent-1', 'agent');
		await customer.directory.connectTo('agent-1');
		await vi.waitFor(() => expect(agent.directory.has('customer-1')).toBe(true));

		net.cut = true;
		channelTo(customer, 'agent-1')?.close();
		await vi.waitFor(() => expect(customer.directory.lostSince).not.toBe(null));
		expect(customer.directory.has('agent-1')).toBe(false);

		net.cut = false;
		await vi.waitFor(() => expect(customer.directory.has('agent-1')).toBe(true), {
			timeout: 5000
		});
		expect(customer.directory.lostSince).toBe(null);
		// The agent admits the new channel after its own ticket check (and may have dialled back
		// too, which the tie-break settles): wait for both sides to hold the same open pair.
		await vi.waitFor(() => {
			const fromCustomer = channelTo(customer, 'agent-1');
			const fromAgent = channelTo(agent, 'customer-1');
			expect(fromCustomer?.open && fromAgent?.open).toBe(true);
			expect(fromCustomer?.other).toBe(fromAgent);
		});
	});

	it('gives up on a counterpart unreachable for longer than the limit', async () => {
		const net = network();
		const customer = net.join('customer-1', 'customer', { reconnectLimitMs: 1000 });
		net.join('agent-1', 'agent');
		let gaveUp = 0;
		customer.directory.events.on('give-up', () => gaveUp++);
		await customer.directory.connectTo('agent-1');

		net.cut = true;
		const lostAt = Date.now();
		channelTo(customer, 'agent-1')?.close();
		await vi.waitFor(() => expect(gaveUp).toBeGreaterThan(0), { timeout: 5000 });
		expect(Date.now() - lostAt).toBeGreaterThanOrEqual(1000);
	});

	it('does not call back, nor wait for, a peer that ended its part', async () => {
		const net = network();
		const customer = net.join('customer-1', 'customer', { reconnectLimitMs: 500 });
		const first = net.join('agent-1', 'agent');
		net.join('agent-2', 'agent');
		let gaveUp = 0;
		customer.directory.events.on('give-up', () => gaveUp++);
		await customer.directory.connectTo('agent-1');
		await customer.directory.connectTo('agent-2');
		net.dialed = [];

		channelTo(first, 'customer-1')?.send({ type: 'end', reason: 'agent' });
		await new Promise((resolve) => setTimeout(resolve, 50));
		channelTo(customer, 'agent-1')?.close();
		first.directory.close();
		await new Promise((resolve) => setTimeout(resolve, 1600));

		expect(net.dialed).not.toContain('customer-1>agent-1');
		expect(customer.directory.lostSince).toBe(null);
		expect(gaveUp).toBe(0);
		expect(customer.session.state.status).not.toBe('ended');
		expect(customer.directory.has('agent-2')).toBe(true);
	});

	it('drops the peers the server no longer lists, refuses them, and admits them once listed again', async () => {
		const net = network();
		const customer = net.join('customer-1', 'customer');
		const agent = net.join('agent-1', 'agent');
		const departed: string[] = [];
		customer.directory.events.on('departed', (peerId) => departed.push(peerId));
		await customer.directory.connectTo('agent-1');
		await vi.waitFor(() => expect(agent.directory.has('customer-1')).toBe(true));
		net.dialed = [];

		// `caller-9` is known only by a call it placed to us (the client passes its callers).
		customer.directory.keepOnlyPresent(['customer-1'], ['caller-9']);
		expect(departed.sort()).toEqual(['agent-1', 'caller-9']);
		expect(customer.directory.has('agent-1')).toBe(false);
		// Being gone, it is not waited for.
		expect(customer.directory.lostSince).toBe(null);
		expect(await customer.directory.admit(agent.ticket, 'agent-1')).toBe(null);
		await new Promise((resolve) => setTimeout(resolve, 500));
		expect(net.dialed).not.toContain('customer-1>agent-1');

		// Listed again (the agent rejoined): its page dials in and is let in.
		customer.directory.keepOnlyPresent(['customer-1', 'agent-1']);
		expect(departed.sort()).toEqual(['agent-1', 'caller-9']);
		const rejoined = net.join('agent-1', 'agent');
		await rejoined.directory.connectTo('customer-1');
		await vi.waitFor(() => expect(customer.directory.has('agent-1')).toBe(true));
	});
});
