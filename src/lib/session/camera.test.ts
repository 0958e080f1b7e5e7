import { describe, expect, it } from 'vitest';
import type { CameraActivity } from './camera';
import { DEFAULT_FEATURES, parsePeerMessage, type Role } from './protocol';
import { SupportSession, type RejectedMessage } from './session';
import { createMessageChannelPair } from './transport';

const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

let ids = 0;
function session(role: Role, name: string) {
	return new SupportSession({ role, name, features: DEFAULT_FEATURES, newId: () => `id-${++ids}` });
}

function link(c: SupportSession, a: SupportSession, agentId = 'a') {
	const [cChannel, aChannel] = createMessageChannelPair();
	c.addPeer(agentId, 'agent', cChannel);
	a.addPeer('c', 'customer', aChannel);
	return { fromAgent: cChannel, fromCustomer: aChannel };
}

describe('CameraShare', () => {
	it('tells every agent what the customer’s camera does', async () => {
		const c = session('customer', 'Anna');
		const a = session('agent', 'Marco');
		link(c, a);
		await settle();
		const seen: CameraActivity[] = [];
		a.camera.events.on('activity', (activity) => seen.push(activity));

		expect(c.camera.started('environment', true)).toEqual({ ok: true });
		await settle();
		expect(a.camera.state).toEqual({
			state: 'sharing',
			facing: 'environment',
			canSwitch: true,
			pausedBy: null
		});
		c.camera.switched('user');
		c.camera.paused();
		await settle();
		expect(a.camera.state).toMatchObject({ state: 'paused', facing: 'user', pausedBy: 'customer' });
		c.camera.resumed();
		c.camera.stopped();
		await settle();
		expect(a.camera.state.state).toBe('off');
		expect(seen.map((s) => s.kind)).toEqual([
			'sharing',
			'switched',
			'paused',
			'resumed',
			'stopped'
		]);
	});

	it('passes an agent’s pause and switch to the customer, who alone resumes', async () => {
		const c = session('customer', 'Anna');
		const a = session('agent', 'Marco');
		const { fromAgent } = link(c, a);
		await settle();
		const asked: string[] = [];
		c.camera.events.on('request', (action, from) => asked.push(`${action}:${from}`));
		expect(a.camera.requestPause()).toEqual({ ok: false, error: 'not-sharing' });
		c.camera.started('user', false);
		await settle();
		expect(a.camera.requestSwitch()).toEqual({ ok: false, error: 'no-other-camera' });
		expect(a.camera.requestPause()).toEqual({ ok: true });
		await settle();
		expect(asked).toEqual(['pause:Marco']);
		c.camera.paused('agent');
		await settle();
		expect(a.camera.state).toMatchObject({ state: 'paused', pausedBy: 'agent' });
		// There is no "resume" an agent could send.
		const rejected: RejectedMessage[] = [];
		c.on('rejected', (r) => rejected.push(r));
		fromAgent.injectRaw({ type: 'camera-request', action: 'resume' });
		expect(rejected.map((r) => r.error)).toEqual(['invalid-action']);
		expect(c.camera.state.state).toBe('paused');
		expect(a.camera.resumed()).toEqual({ ok: false, error: 'wrong-role' });
	});

	it('brings an agent that connects later up to date', async () => {
		const c = session('customer', 'Anna');
		const a = session('agent', 'Marco');
		link(c, a);
		await settle();
		c.camera.started('environment', true);
		const late = session('agent', 'Giulia');
		link(c, late, 'a2');
		await settle();
		expect(late.camera.state).toMatchObject({ state: 'sharing', facing: 'environment' });
	});

	it('refuses camera state from an agent and requests from the customer', () => {
		const toAgent = { from: 'customer' as const, to: 'agent' as const, features: DEFAULT_FEATURES };
		const toCustomer = {
			from: 'agent' as const,
			to: 'customer' as const,
			features: DEFAULT_FEATURES
		};
		const state = { type: 'camera-state', state: 'sharing', facing: 'user', canSwitch: false };
		expect(parsePeerMessage(state, toAgent).ok).toBe(true);
		expect(parsePeerMessage(state, toCustomer)).toEqual({ ok: false, error: 'wrong-direction' });
		const request = { type: 'camera-request', action: 'switch' };
		expect(parsePeerMessage(request, toCustomer).ok).toBe(true);
		expect(parsePeerMessage(request, toAgent)).toEqual({ ok: false, error: 'wrong-direction' });
		// Only a pause says who paused it.
		expect(parsePeerMessage({ ...state, pausedBy: 'agent' }, toAgent).ok).toBe(false);
		expect(
			parsePeerMessage(
				{ ...state, state: 'paused', facing: 'sideways', pausedBy: 'agent' },
				toAgent
			).ok
		).toBe(false);
	});
});
