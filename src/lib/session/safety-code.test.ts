import { describe, expect, it } from 'vitest';
import { safetyCode, safetyCodeFor, sdpFingerprints } from './safety-code';

function fingerprint(seed: number) {
	return Array.from({ length: 32 }, (_, i) =>
		((seed * 31 + i * 7) % 256).toString(16).padStart(2, '0').toUpperCase()
	).join(':');
}

const CUSTOMER = fingerprint(1);
const AGENT = fingerprint(2);
const MIDDLE_TO_CUSTOMER = fingerprint(3);
const MIDDLE_TO_AGENT = fingerprint(4);

/** An SDP as Chromium writes it: CRLF lines, the fingerprint once per media section. */
function sdp(certificate: string, sections = 1) {
	const lines = ['v=0', 'o=- 4611731400430051336 2 IN IP4 127.0.0.1', 's=-', 't=0 0'];
	for (let i = 0; i < sections; i++) {
		lines.push(
			'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
			'c=IN IP4 0.0.0.0',
			'a=ice-ufrag:abcd',
			`a=fingerprint:sha-256 ${certificate}`,
			'a=setup:actpass'
		);
	}
	return lines.join('\r\n') + '\r\n';
}

function connection(local: string, remote: string) {
	return {
		currentLocalDescription: { sdp: sdp(local) },
		currentRemoteDescription: { sdp: sdp(remote, 2) }
	};
}

describe('sdpFingerprints', () => {
	it('finds each certificate fingerprint once, normalised', () => {
		expect(sdpFingerprints(sdp(CUSTOMER, 3))).toEqual([`sha-256 ${CUSTOMER}`]);
		expect(sdpFingerprints(`a=fingerprint:SHA-256 ${CUSTOMER.toLowerCase()}\n`)).toEqual([
			`sha-256 ${CUSTOMER}`
		]);
		expect(sdpFingerprints('v=0\r\n')).toEqual([]);
	});
});

describe('safety code', () => {
	it('is six digits shown as two groups of three', async () => {
		expect(await safetyCode([`sha-256 ${CUSTOMER}`], [`sha-256 ${AGENT}`])).toMatch(
			/^\d{3} \d{3}$/
		);
	});

	it('is the same on both sides of a direct connection', async () => {
		const customerSees = await safetyCodeFor(connection(CUSTOMER, AGENT));
		const agentSees = await safetyCodeFor(connection(AGENT, CUSTOMER));
		expect(customerSees).not.toBeNull();
		expect(customerSees).toBe(agentSees);
	});

	it('differs when someone in the middle shows each side its own certificate', async () => {
		const customerSees = await safetyCodeFor(connection(CUSTOMER, MIDDLE_TO_CUSTOMER));
		const agentSees = await safetyCodeFor(connection(AGENT, MIDDLE_TO_AGENT));
		expect(customerSees).not.toBe(agentSees);
	});

	it('differs when either side alone has a different view of a fingerprint', async () => {
		const honest = await safetyCodeFor(connection(AGENT, CUSTOMER));
		const customerFooled = await safetyCodeFor(connection(CUSTOMER, MIDDLE_TO_CUSTOMER));
		const agentFooled = await safetyCodeFor(connection(AGENT, MIDDLE_TO_AGENT));
		expect(customerFooled).not.toBe(honest);
		expect(agentFooled).not.toBe(honest);
	});

	it('does not depend on which fingerprint is whose, only on the pair', async () => {
		const a = await safetyCode([`sha-256 ${CUSTOMER}`], [`sha-256 ${AGENT}`]);
		const b = await safetyCode([`sha-256 ${AGENT}`], [`sha-256 ${CUSTOMER}`]);
		const c = await safetyCode([`sha-256 ${CUSTOMER}`], [`sha-256 ${MIDDLE_TO_CUSTOMER}`]);
		expect(a).toBe(b);
		expect(a).not.toBe(c);
	});

	it('waits for both descriptions', async () => {
		expect(
			await safetyCodeFor({
				currentLocalDescription: { sdp: sdp(CUSTOMER) },
				currentRemoteDescription: null
			})
		).toBeNull();
	});
});
