import { describe, expect, it } from 'vitest';
import {
	signalingFailureReason,
	signalingFailureText,
	type SignalingFailureReason
} from './signaling-failure';

const peerError = (type: string) =>
	Object.assign(new Error('Lost connection to server.'), { type });

describe('signaling failures', () => {
	it('groups PeerJS error types by what the person can do', () => {
		expect(signalingFailureReason(peerError('timeout'))).toBe('no-answer');
		expect(signalingFailureReason(peerError('network'))).toBe('network');
		expect(signalingFailureReason(peerError('socket-error'))).toBe('network');
		expect(signalingFailureReason(peerError('unavailable-id'))).toBe('refused');
		expect(signalingFailureReason(peerError('browser-incompatible'))).toBe('browser');
		expect(signalingFailureReason(peerError('toString'))).toBe('other');
		expect(signalingFailureReason(new Error('something else'))).toBe('other');
		expect(signalingFailureReason(null)).toBe('other');
		expect(signalingFailureReason('text')).toBe('other');
	});

	it('words every reason in English and Italian; the browser detail only when nothing is known', () => {
		const reasons: SignalingFailureReason[] = ['no-answer', 'network', 'refused', 'browser'];
		for (const reason of reasons) {
			const failure = { reason, detail: 'Lost connection to server.' };
			const english = signalingFailureText(failure, { locale: 'en' });
			const italian = signalingFailureText(failure, { locale: 'it' });
			expect(english).toMatch(/signaling server|browser/);
			expect(italian).toMatch(/server di segnalazione|browser/);
			expect(italian).not.toBe(english);
			expect(english).not.toContain('Lost connection');
		}
		expect(signalingFailureText({ reason: 'network', detail: 'x' }, { locale: 'it' })).toContain(
			'Controlla la connessione a Internet'
		);
		expect(signalingFailureText({ reason: 'other', detail: 'odd failure' }, { locale: 'en' })).toBe(
			'Could not reach the signaling server (odd failure).'
		);
	});
});
