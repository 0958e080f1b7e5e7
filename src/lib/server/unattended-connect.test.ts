import { describe, expect, it } from 'vitest';
import {
	availability,
	connectStatus,
	markAvailable,
	markUnavailable,
	openConnectRequest,
	pendingRequestsFor,
	refuseRequest,
	requestForDevice
} from './unattended-connect';

const KEY = { x: 'x-coordinate', y: 'y-coordinate' };
const ENVELOPE = { epk: KEY, iv: 'iv', ciphertext: 'sealed' };
const ADA = { id: 'ada', name: 'Ada' };

describe('connect requests', () => {
	it('reach only their device, report only to their agent, and forget the sealed password', () => {
		markAvailable('device-1', KEY);
		expect(availability('device-1')?.exchangeKey).toEqual(KEY);
		expect(availability('device-1', Date.now() + 60_000)).toBeNull();

		openConnectRequest('device-1', ADA, 'request-1', ENVELOPE);
		expect(pendingRequestsFor('device-2')).toEqual([]);
		expect(pendingRequestsFor('device-1')).toEqual([
			{ id: 'request-1', agentId: 'ada', agentName: 'Ada', envelope: ENVELOPE }
		]);
		expect(connectStatus('request-1', 'someone-else')).toBeNull();
		expect(connectStatus('request-1', 'ada')).toEqual({ status: 'pending' });
		expect(requestForDevice('request-1', 'device-2')).toBeNull();

		const request = requestForDevice('request-1', 'device-1')!;
		refuseRequest(request, { status: 'refused', reason: 'wrong-password' });
		expect(connectStatus('request-1', 'ada')).toEqual({
			status: 'refused',
			reason: 'wrong-password'
		});
		expect(request.envelope).toBeNull();
		expect(pendingRequestsFor('device-1')).toEqual([]);
	});

	it('expire unanswered, and end when the device stops being available', () => {
		markAvailable('device-3', KEY);
		openConnectRequest('device-3', ADA, 'request-3', ENVELOPE);
		expect(pendingRequestsFor('device-3', Date.now() + 61_000)).toEqual([]);
		expect(connectStatus('request-3', 'ada')).toEqual({ status: 'expired' });

		openConnectRequest('device-3', ADA, 'request-4', ENVELOPE);
		markUnavailable('device-3');
		expect(availability('device-3')).toBeNull();
		expect(connectStatus('request-4', 'ada')).toEqual({ status: 'expired' });
	});
});
