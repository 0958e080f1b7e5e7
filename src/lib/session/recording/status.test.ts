import { describe, expect, it } from 'vitest';
import { DEFAULT_FEATURES, type Role } from '../protocol';
import { SupportSession, type RejectedMessage } from '../session';
import { createMessageChannelPair } from '../transport';

const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

let ids = 0;
function session(role: Role, name: string) {
	return new SupportSession({
		role,
		name,
		features: { ...DEFAULT_FEATURES, record: true },
		newId: () => `id-${++ids}`
	});
}

function link(
	a: SupportSession,
	aId: string,
	aRole: Role,
	b: SupportSession,
	bId: string,
	bRole: Role
) {
	const [aChannel, bChannel] = createMessageChannelPair();
	a.addPeer(bId, bRole, aChannel);
	b.addPeer(aId, aRole, bChannel);
	return { aChannel, bChannel };
}

describe('RecordingStatus', () => {
	it('an agent learns the customer was told, also when it connects after the notice showed', async () => {
		const c = session('customer', 'Anna');
		const a = session('agent', 'Marco');
		link(c, 'c', 'customer', a, 'a', 'agent');
		await settle();
		expect(a.recording.customerTold).toBe(false);

		c.recording.noticeShown();
		await settle();
		expect(a.recording.customerTold).toBe(true);

		// A second agent joining later is told on connect.
		const b = session('agent', 'Bruno');
		link(c, 'c', 'customer', b, 'b', 'agent');
		await settle();
		expect(b.recording.customerTold).toBe(true);
	});

	it('a customer who was not told is not counted, and one who left is not either', async () => {
		const c = session('customer', 'Anna');
		const a = session('agent', 'Marco');
		link(c, 'c', 'customer', a, 'a', 'agent');
		await settle();
		c.recording.noticeShown();
		await settle();
		expect(a.recording.customerTold).toBe(true);
		a.removePeer('c');
		expect(a.recording.customerTold).toBe(false);
	});

	it('the owner’s recorder state reaches the customer and the other agents, and late joiners', async () => {
		const c = session('customer', 'Anna');
		const a = session('agent', 'Marco');
		const b = session('agent', 'Bruno');
		link(c, 'c', 'customer', a, 'a', 'agent');
		link(a, 'a', 'agent', b, 'b', 'agent');
		await settle();

		a.recording.setRecording(true);
		await settle();
		expect(a.recording.recording).toBe(true);
		expect(a.recording.recordingHere).toBe(true);
		expect(c.recording.recording).toBe(true);
		expect(c.recording.recordingHere).toBe(false);
		expect(b.recording.recording).toBe(true);

		const late = session('agent', 'Late');
		link(late, 'l', 'agent', a, 'a', 'agent');
		await settle();
		expect(late.recording.recording).toBe(true);

		a.recording.setRecording(false);
		await settle();
		expect(c.recording.recording).toBe(false);
		expect(b.recording.recording).toBe(false);
		expect(late.recording.recording).toBe(false);
	});

	it('an agent out of reach no longer counts as recording; back, it says so again', async () => {
		const c = session('customer', 'Anna');
		const a = session('agent', 'Marco');
		link(c, 'c', 'customer', a, 'a', 'agent');
		await settle();
		a.recording.setRecording(true);
		await settle();
		expect(c.recording.recording).toBe(true);
		c.removePeer('a');
		a.removePeer('c');
		expect(c.recording.recording).toBe(false);
		link(c, 'c', 'customer', a, 'a', 'agent');
		await settle();
		expect(c.recording.recording).toBe(true);
	});

	it('refuses a recorder state from a customer and a notice sent to a customer', async () => {
		const c = session('customer', 'Anna');
		const a = session('agent', 'Marco');
		const { aChannel: toAgentFromCustomer, bChannel: toCustomerFromAgent } = link(
			c,
			'c',
			'customer',
			a,
			'a',
			'agent'
		);
		await settle();
		const refused: RejectedMessage[] = [];
		a.on('rejected', (rejection) => refused.push(rejection));
		toAgentFromCustomer.send({ type: 'recording-state', state: 'recording', seq: 90 });
		await settle();
		expect(a.recording.recording).toBe(false);
		expect(refused.map((r) => r.error)).toEqual(['wrong-direction']);
		void toCustomerFromAgent;
	});

	it('tells the agents when another agent is gone for good, not when the customer is', async () => {
		const c = session('customer', 'Anna');
		const a = session('agent', 'Marco');
		const b = session('agent', 'Bruno');
		link(c, 'c', 'customer', b, 'b', 'agent');
		link(a, 'a', 'agent', b, 'b', 'agent');
		await settle();
		const gone: string[] = [];
		b.recording.events.on('agent-gone', (peerId) => gone.push(peerId));
		b.forgetPeer('c');
		b.forgetPeer('a');
		expect(gone).toEqual(['a']);
	});

	it('the end stops the indicator; nothing is sent after it', async () => {
		const c = session('customer', 'Anna');
		const a = session('agent', 'Marco');
		link(c, 'c', 'customer', a, 'a', 'agent');
		await settle();
		a.recording.setRecording(true);
		await settle();
		a.end('agent');
		await settle();
		expect(a.recording.recording).toBe(false);
		expect(c.recording.recording).toBe(false);
		a.recording.setRecording(true);
		expect(a.recording.recordingHere).toBe(false);
	});
});
