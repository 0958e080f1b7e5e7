/** The words the transfer UI shows for states and error codes (one place, for translation). */
import type {
	SendResult,
	TransferError,
	TransferInfo,
	TransferRejection
} from '$lib/session/files';
import { formatBytes } from '$lib/format';

const ERROR_TEXT: Record<TransferError, string> = {
	declined: 'declined',
	'not-allowed': 'file transfer is not allowed in this session',
	'too-large': 'the file is larger than the size limit',
	busy: 'too many files are waiting for an answer',
	'hash-mismatch': 'the file arrived damaged (checksum mismatch) and was discarded',
	'idle-timeout': 'no data arrived for too long',
	'connection-lost': 'the connection was lost',
	'read-failed': 'the file could not be read',
	'write-failed': 'the file could not be saved',
	'send-failed': 'the data could not be sent',
	'file-changed': 'the file changed while it was being sent',
	'unexpected-chunk': 'the other side sent invalid data',
	'bad-chunk-index': 'the other side sent invalid data',
	'duplicate-chunk': 'the other side sent invalid data',
	'too-many-bytes': 'the other side sent more data than announced',
	'oversized-frame': 'the other side sent invalid data',
	'empty-chunk': 'the other side sent invalid data',
	incomplete: 'the file arrived incomplete',
	'flow-violation': 'the other side sent data too fast',
	'peer-error': 'the other side reported an error'
};

export function transferErrorText(error: TransferError): string {
	return ERROR_TEXT[error];
}

export function transferDirectionText(transfer: TransferInfo): string {
	return transfer.direction === 'send' ? `To ${transfer.peerName}` : `From ${transfer.peerName}`;
}

export function transferStateText(transfer: TransferInfo): string {
	const { direction, peerName, error } = transfer;
	switch (transfer.state) {
		case 'offered':
			return direction === 'send' ? `Waiting for ${peerName} to accept` : 'Waiting for your answer';
		case 'sending':
			return transfer.bytesDone === 0 ? 'Queued' : 'Sending';
		case 'receiving':
			return transfer.bytesDone === 0 ? 'Waiting for data' : 'Receiving';
		case 'verifying':
			return 'Checking integrity';
		case 'done':
			return direction === 'send' ? 'Sent and verified' : 'Saved and verified';
		case 'declined':
			if (direction === 'receive') return 'Declined';
			return !error || error === 'declined'
				? `Declined by ${peerName}`
				: `Refused: ${transferErrorText(error)}`;
		case 'cancelled':
			return transfer.cancelledByPeer ? `Cancelled by ${peerName}` : 'Cancelled';
		case 'failed':
			return `Failed: ${error ? transferErrorText(error) : 'unknown error'}`;
	}
}

/** Why a file could not even be offered. */
export function sendRefusalText(
	name: string,
	error: Extract<SendResult, { ok: false }>['error'],
	maxFileSize: number
): string {
	switch (error) {
		case 'too-large':
			return `${name} is larger than the ${formatBytes(maxFileSize)} limit and was not sent.`;
		case 'not-allowed':
			return 'File transfer is not allowed in this session.';
		case 'closed':
			return 'Not connected: the file could not be offered.';
	}
}

/** An incoming offer refused without asking (settings, size, flood). */
export function rejectionText(rejection: TransferRejection, peerName: string): string {
	const what = `${rejection.name} (${formatBytes(rejection.size)}) from ${peerName}`;
	return `Refused ${what}: ${transferErrorText(rejection.error)}.`;
}
