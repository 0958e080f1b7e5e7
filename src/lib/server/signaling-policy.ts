import type { Features, Role } from '$lib/session/protocol';

/** What signaling knows of a registered peer, from its verified ticket. */
export interface RelaySender {
	role: Role;
	features: Features;
}

export type RelayRefusal = 'malformed-offer' | 'file-transfer-denied' | 'agent-screen-share-denied';

/** The data channel label file transfers use (src/lib/peer/peer-link.ts connectFiles). */
export const FILES_LABEL = 'files';

/**
 * Whether signaling vouches for a connection the sender offers. PeerJS puts the kind of
 * connection in the OFFER's payload (`type: 'data'` with a `label`, or `type: 'media'`), so a
 * file channel or an agent's screen that the sender's ticket does not allow never reaches the
 * other peer. Returns why a message is refused, or null to relay it.
 */
export function relayRefusal(
	message: { type?: unknown; payload?: unknown },
	sender: RelaySender
): RelayRefusal | null {
	if (message.type !== 'OFFER') return null;
	const payload = message.payload as { type?: unknown; label?: unknown } | null | undefined;
	if (!payload || typeof payload !== 'object') return 'malformed-offer';
	if (payload.type === 'data') {
		if (payload.label === FILES_LABEL && !sender.features.fileTransfer) {
			return 'file-transfer-denied';
		}
		return null;
	}
	if (payload.type === 'media') {
		if (sender.role === 'agent' && !sender.features.agentScreenShare) {
			return 'agent-screen-share-denied';
		}
		return null;
	}
	return 'malformed-offer';
}

/** The connection an OFFER, ANSWER or CANDIDATE belongs to, if it names one. */
export function connectionIdOf(message: { payload?: unknown }): string | null {
	const id = (message.payload as { connectionId?: unknown } | null | undefined)?.connectionId;
	return typeof id === 'string' && id.length <= 128 ? id : null;
}
