import { describe, expect, it } from 'vitest';
import { Emitter } from './emitter';
import type { FileTransfers } from './files';
import type { FileTransferEvents, TransferInfo } from './files/types';
import { DEFAULT_FEATURES } from './protocol';
import type { RecordedEvent } from './recorder';
import { SessionReport, type ReportSource } from './session-report';
import { SupportSession } from './session';
import { createMessageChannelPair } from './transport';

const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

let idCounter = 0;
const newId = () => `id-${++idCounter}`;

/** A recorder that keeps what it is asked to record. */
function fakeRecorder() {
	const events: { type: string; data: Record<string, unknown>; id?: string }[] = [];
	return {
		events,
		types: () => events.map((event) => event.type),
		record(type: string, data: Record<string, unknown> = {}, id?: string): RecordedEvent {
			events.push({ type, data, id });
			return { id: id ?? newId(), type, at: 0, data };
		}
	};
}

/** The agent's side as the report sees it: a real session linked to a customer's, fake peers and file channels. */
async function agentWithCustomer() {
	const customer = new SupportSession({
		role: 'customer',
		name: 'Anna',
		features: DEFAULT_FEATURES,
		newId
	});
	const agent = new SupportSession({
		role: 'agent',
		name: 'Marco',
		features: DEFAULT_FEATURES,
		newId
	});
	const [customerChannel, agentChannel] = createMessageChannelPair();
	customer.addPeer('agent-1', 'agent', customerChannel);
	agent.addPeer('customer-1', 'customer', agentChannel);
	await settle();

	const peersChanged = new Emitter<{ change: [] }>();
	const files = new Emitter<{
		files: [peerId: string, transfers: Pick<FileTransfers, 'on'> | null];
	}>();
	const source: ReportSource & { verifiedPeers: { role: string }[] } = {
		session: agent,
		verifiedPeers: [],
		onChange(handler) {
			const offs = [agent.on('change', handler), peersChanged.on('change', handler)];
			return () => offs.forEach((off) => off());
		},
		onFiles: (handler) => files.on('files', handler)
	};
	const setPeers = (roles: string[]) => {
		source.verifiedPeers = roles.map((role) => ({ role }));
		peersChanged.emit('change');
	};
	const openFiles = () => {
		const transfers = new Emitter<FileTransferEvents>();
		files.emit('files', 'customer-1', transfers);
		return transfers;
	};
	return { customer, agent, source, setPeers, openFiles };
}

/** A transfer as its events carry it: only what the report reads is filled in. */
function transfer(fields: Partial<TransferInfo>): TransferInfo {
	const base = { id: 't-1', name: 'invoice.pdf', size: 1234, direction: 'receive' };
	return { ...base, state: 'offered', error: null, sha256: null, ...fields } as TransferInfo;
}

describe('SessionReport', () => {
	it("records the customer's chat with its message id, so a repeat is stored once", async () => {
		const { customer, source } = await agentWithCustomer();
		const recorder = fakeRecorder();
		new SessionReport(recorder).follow(source);
		const sent = customer.sendChat('My printer is broken');
		await settle();
		expect(sent.ok).toBe(true);
		const chat = recorder.events.find((e) => e.type === 'chat' && e.data.role === 'customer');
		expect(chat).toEqual({
			type: 'chat',
			data: {
				name: 'Anna',
				role: 'customer',
				text: 'My printer is broken',
				sentAt: expect.any(Number)
			},
			id: sent.ok ? sent.message.id : undefined
		});
	});

	it('records the answers to a screen request', async () => {
		const { customer, agent, source } = await agentWithCustomer();
		const recorder = fakeRecorder();
		new SessionReport(recorder).follow(source);
		agent.requestScreen();
		await settle();
		customer.answerScreenRequest(false);
		await settle();
		expect(recorder.types()).toContain('screen.request-declined');
	});

	it('records each screen state once, and why a decline happened when the computer refused', async () => {
		const { customer, source } = await agentWithCustomer();
		const recorder = fakeRecorder();
		new SessionReport(recorder).follow(source);
		customer.shareDeclined('system-permission');
		await settle();
		customer.shareStarted();
		await settle();
		customer.shareStopped();
		await settle();
		const screens = recorder.events.filter((e) => e.type.startsWith('screen.'));
		expect(screens).toEqual([
			{ type: 'screen.declined', data: { reason: 'system-permission' }, id: undefined },
			{ type: 'screen.sharing', data: {}, id: undefined },
			{ type: 'screen.stopped', data: {}, id: undefined }
		]);
	});

	it("a decline by the customer's own Cancel gives no reason", async () => {
		const { customer, source } = await agentWithCustomer();
		const recorder = fakeRecorder();
		new SessionReport(recorder).follow(source);
		customer.shareDeclined();
		await settle();
		expect(recorder.events.filter((e) => e.type === 'screen.declined')).toEqual([
			{ type: 'screen.declined', data: {}, id: undefined }
		]);
	});

	it('records the customer connecting and going, not the other agents', async () => {
		const { source, setPeers } = await agentWithCustomer();
		const recorder = fakeRecorder();
		new SessionReport(recorder).follow(source);
		setPeers(['agent']);
		setPeers(['agent', 'customer']);
		setPeers(['customer', 'agent']);
		setPeers(['agent']);
		expect(recorder.types()).toEqual(['customer.connected', 'customer.disconnected']);
	});

	it('records a file when it is offered and again when it finishes, by transfer id', async () => {
		const { source, openFiles } = await agentWithCustomer();
		const recorder = fakeRecorder();
		new SessionReport(recorder).follow(source);
		const transfers = openFiles();
		transfers.emit('offer', transfer({ id: 'a' }));
		transfers.emit('finished', transfer({ id: 'a', state: 'done', sha256: 'ab12' }));
		transfers.emit(
			'finished',
			transfer({ id: 'b', direction: 'send', state: 'failed', error: 'connection-lost' })
		);
		expect(recorder.events).toEqual([
			{
				type: 'file.offered',
				data: { name: 'invoice.pdf', size: 1234, direction: 'customer-to-agent' },
				id: 'file-offer-a'
			},
			{
				type: 'file',
				data: {
					name: 'invoice.pdf',
					size: 1234,
					direction: 'customer-to-agent',
					result: 'done',
					error: null,
					sha256: 'ab12'
				},
				id: 'file-a'
			},
			{
				type: 'file',
				data: {
					name: 'invoice.pdf',
					size: 1234,
					direction: 'agent-to-customer',
					result: 'failed',
					error: 'connection-lost',
					sha256: null
				},
				id: 'file-b'
			}
		]);
	});

	it("records the agent's own actions, which the session does not report back", async () => {
		const { agent } = await agentWithCustomer();
		const recorder = fakeRecorder();
		const report = new SessionReport(recorder);
		const sent = agent.sendChat('Hello Anna');
		if (!sent.ok) throw new Error('not sent');
		report.chatSent(sent.message);
		report.screenRequested();
		report.agentScreenShared();
		report.agentScreenStopped();
		report.endRequested();
		expect(recorder.events).toEqual([
			{
				type: 'chat',
				data: { name: 'Marco', role: 'agent', text: 'Hello Anna', sentAt: sent.message.sentAt },
				id: sent.message.id
			},
			{ type: 'screen.requested', data: {}, id: undefined },
			{ type: 'agent-screen.shared', data: {}, id: undefined },
			{ type: 'agent-screen.stopped', data: {}, id: undefined },
			{ type: 'session.end-requested', data: { by: 'agent' }, id: undefined }
		]);
	});

	it('records nothing more once unfollowed', async () => {
		const { customer, source, setPeers } = await agentWithCustomer();
		const recorder = fakeRecorder();
		const unfollow = new SessionReport(recorder).follow(source);
		unfollow();
		customer.sendChat('anyone?');
		customer.shareStarted();
		setPeers(['customer']);
		await settle();
		expect(recorder.events).toEqual([]);
	});

	it('records the voice call, the camera share and the agent’s annotations as they happen', async () => {
		const { customer, agent, source } = await agentWithCustomer();
		const recorder = fakeRecorder();
		new SessionReport(recorder).follow(source);

		customer.voice.start();
		await settle();
		agent.voice.answer();
		agent.voice.setMuted(true);
		await settle();
		customer.voice.hangUp();
		await settle();
		customer.camera.started('environment', true);
		customer.camera.paused();
		customer.camera.stopped();
		await settle();
		agent.annotation.begin({ source: 'camera', width: 10, height: 10, image: new Uint8Array(3) });
		agent.annotation.draw({ id: 'm', color: 'red', tool: 'marker', at: [1, 1], n: 1 });
		agent.annotation.stop();

		expect(recorder.events.map((e) => [e.type, e.data])).toEqual([
			['voice.started', { name: 'Anna' }],
			['voice.joined', { name: 'Marco' }],
			['voice.muted', { name: 'Marco' }],
			['voice.ended', { name: 'Anna' }],
			['voice.ended', { name: 'Marco' }],
			['camera.sharing', {}],
			['camera.paused', { by: 'customer' }],
			['camera.stopped', {}],
			['annotation.started', { name: 'Marco' }],
			['annotation.stopped', { name: 'Marco', marks: 1 }]
		]);
	});
});
