import { afterEach, describe, expect, it } from 'vitest';
import { getLocale, overwriteGetLocale } from '$lib/paraglide/runtime';
import type { TransferInfo } from '$lib/session/files';
import {
	rejectionText,
	sendRefusalText,
	transferDirectionText,
	transferStateText
} from './transfer-text';

const original = getLocale;
afterEach(() => overwriteGetLocale(original));

function transfer(patch: Partial<TransferInfo>): TransferInfo {
	return {
		id: 't1',
		name: 'report.pdf',
		size: 1536,
		type: 'application/pdf',
		direction: 'send',
		peerName: 'Ada',
		bytesDone: 0,
		speed: 0,
		eta: null,
		state: 'offered',
		error: null,
		sha256: null,
		cancelledByPeer: false,
		startedAt: 0,
		finishedAt: null,
		...patch
	};
}

describe('transfer texts', () => {
	it('reads as before in English', () => {
		overwriteGetLocale(() => 'en');
		expect(transferStateText(transfer({}))).toBe('Waiting for Ada to accept');
		expect(transferStateText(transfer({ state: 'failed', error: 'hash-mismatch' }))).toBe(
			'Failed: the file arrived damaged (checksum mismatch) and was discarded'
		);
		expect(transferDirectionText(transfer({ direction: 'receive' }))).toBe('From Ada');
		expect(sendRefusalText('big.iso', 'too-large', 1024 * 1024)).toBe(
			'big.iso is larger than the 1.0 MB limit and was not sent.'
		);
	});

	it('reads in Italian, sizes included', () => {
		overwriteGetLocale(() => 'it');
		expect(transferStateText(transfer({}))).toBe('In attesa che Ada accetti');
		expect(transferStateText(transfer({ state: 'done', direction: 'receive' }))).toBe(
			'Salvato e verificato'
		);
		expect(transferStateText(transfer({ state: 'cancelled', cancelledByPeer: true }))).toBe(
			'Annullato da Ada'
		);
		expect(transferStateText(transfer({ state: 'failed', error: null }))).toBe(
			'Non riuscito: errore sconosciuto'
		);
		expect(transferDirectionText(transfer({}))).toBe('Per Ada');
		expect(sendRefusalText('big.iso', 'too-large', 1024 * 1024)).toBe(
			'big.iso supera il limite di 1,0 MB e non è stato inviato.'
		);
		expect(rejectionText({ name: 'a.exe', size: 1536, error: 'not-allowed' } as never, 'Ada')).toBe(
			'File a.exe (1,5 kB) di Ada non accettato: il trasferimento di file non è consentito in questa sessione.'
		);
	});
});
