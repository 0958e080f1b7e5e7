/** The words the transfer UI shows for states and error codes (one place, in the page's language). */
import type {
	SendResult,
	TransferError,
	TransferInfo,
	TransferRejection
} from '$lib/session/files';
import { formatBytes } from '$lib/format';
import { m } from '$lib/paraglide/messages';

const ERROR_TEXT: Record<TransferError, () => string> = {
	declined: m.transfer_error_declined,
	'not-allowed': m.transfer_error_not_allowed,
	'too-large': m.transfer_error_too_large,
	busy: m.transfer_error_busy,
	'hash-mismatch': m.transfer_error_hash_mismatch,
	'idle-timeout': m.transfer_error_idle_timeout,
	'connection-lost': m.transfer_error_connection_lost,
	'read-failed': m.transfer_error_read_failed,
	'write-failed': m.transfer_error_write_failed,
	'send-failed': m.transfer_error_send_failed,
	'file-changed': m.transfer_error_file_changed,
	'unexpected-chunk': m.transfer_error_invalid_data,
	'bad-chunk-index': m.transfer_error_invalid_data,
	'duplicate-chunk': m.transfer_error_invalid_data,
	'too-many-bytes': m.transfer_error_too_many_bytes,
	'oversized-frame': m.transfer_error_invalid_data,
	'empty-chunk': m.transfer_error_invalid_data,
	incomplete: m.transfer_error_incomplete,
	'flow-violation': m.transfer_error_flow_violation,
	'peer-error': m.transfer_error_peer_error
};

export function transferErrorText(error: TransferError): string {
	return ERROR_TEXT[error]();
}

export function transferDirectionText(transfer: TransferInfo): string {
	const name = transfer.peerName;
	return transfer.direction === 'send' ? m.transfer_to({ name }) : m.transfer_from({ name });
}

export function transferStateText(transfer: TransferInfo): string {
	const { direction, peerName: name, error } = transfer;
	switch (transfer.state) {
		case 'offered':
			return direction === 'send'
				? m.transfer_waiting_accept({ name })
				: m.transfer_waiting_answer();
		case 'sending':
			return transfer.bytesDone === 0 ? m.transfer_queued() : m.transfer_sending();
		case 'receiving':
			return transfer.bytesDone === 0 ? m.transfer_waiting_data() : m.transfer_receiving();
		case 'verifying':
			return m.transfer_verifying();
		case 'done':
			return direction === 'send' ? m.transfer_sent() : m.transfer_saved();
		case 'declined':
			if (direction === 'receive') return m.transfer_declined();
			return !error || error === 'declined'
				? m.transfer_declined_by({ name })
				: m.transfer_refused({ reason: transferErrorText(error) });
		case 'cancelled':
			return transfer.cancelledByPeer ? m.transfer_cancelled_by({ name }) : m.transfer_cancelled();
		case 'failed':
			return m.transfer_failed({
				reason: error ? transferErrorText(error) : m.transfer_error_unknown()
			});
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
			return m.send_refused_too_large({ name, limit: formatBytes(maxFileSize) });
		case 'not-allowed':
			return m.send_refused_not_allowed();
		case 'closed':
			return m.send_refused_closed();
	}
}

/** An incoming offer refused without asking (settings, size, flood). */
export function rejectionText(rejection: TransferRejection, peerName: string): string {
	return m.transfer_rejected({
		name: rejection.name,
		size: formatBytes(rejection.size),
		peer: peerName,
		reason: transferErrorText(rejection.error)
	});
}

/** A screen reader's line for a new offer. */
export function offerAnnouncementText(offer: TransferInfo): string {
	return m.transfer_offer_announcement({
		peer: offer.peerName,
		name: offer.name,
		size: formatBytes(offer.size)
	});
}

/** A screen reader's line for a transfer that finished, one way or another. */
export function finishedAnnouncementText(transfer: TransferInfo): string {
	return m.transfer_finished_announcement({
		name: transfer.name,
		state: transferStateText(transfer)
	});
}
