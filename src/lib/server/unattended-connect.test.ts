import { describe, expect, it } from 'vitest';
import { UnattendedConnections, refuseRequest } from './unattended-connect';

const KEY = { x: 'x-coordinate', y: 'y-coordinate' };
const ENVELOPE = { epk: KEY, iv: 'iv', ciphertext: 'sealed' };
const ADA = { id: 'ada', name: 'Ada' };

describe('connect requests', () => {
	it('reach only their device, report only to their agent, and forget the sealed password', () => {
		const connections = new UnattendedConnections();
		connections.markAvailable('device-1', KEY);
		expect(connections.availability('device-1')?.exchangeKey).toEqual(KEY);
		expect(connections.availability('device-1', Date.now() + 60_000)).toBeNull();

		connections.openConnectRequest('device-1', ADA, 'request-1', ENVELOPE);
		expect(connections.pendingRequestsFor('device-2')).toEqual([]);
		expect(connections.pendingRequestsFor('device-1')).toEqual([
			{ id: 'request-1', agentId: 'ada', agentName: 'Ada', envelope: ENVELOPE }
		]);
		expect(connections.connectStatus('request-1', 'someone-else')).toBeNull();
		expect(connections.connectStatus('request-1', 'ada')).toEqual({ status: 'pending' });
		expect(connections.requestForDevice('request-1', 'device-2')).toBeNull();

		const request = connections.requestForDevice('request-1', 'device-1')!;
		refuseRequest(request, { status: 'refused', reason: 'wrong-password' });
		expect(connections.connectStatus('request-1', 'ada')).toEqual({
			status: 'refused',
			reason: 'wrong-password'
		});
		expect(request.envelope).toBeNull();
		expect(connections.pendingRequestsFor('device-1')).toEqual([]);
	});

	it('expire unanswered, and end when the device stops being available', () => {
		const connections = new UnattendedConnections();
		connections.markAvailable('device-3', KEY);
		connections.openConnectRequest('device-3', ADA, 'request-3', ENVELOPE);
		expect(connections.pendingRequestsFor('device-3', Date.now() + 61_000)).toEqual([]);
		expect(connections.connectStatus('request-3', 'ada')).toEqual({ status: 'expired' });

		connections.openConnectRequest('device-3', ADA, 'request-4', ENVELOPE);
		connections.markUnavailable('device-3');
		expect(connections.availability('device-3')).toBeNull();
		expect(connections.connectStatus('request-4', 'ada')).toEqual({ status: 'expired' });
	});

	it('hand over the sessions started on a device once, for revoking', () => {
		const connections = new UnattendedConnections();
		connections.addSession('device-5', 'session-a');
		connections.addSession('device-5', 'session-b');
		expect([...connections.takeSessions('device-5')]).toEqual(['session-a', 'session-b']);
		expect([...connections.takeSessions('device-5')]).toEqual([]);
	});
});
