import type { Features, Role } from '$lib/session/protocol';

/** What signaling knows of a registered peer, from its verified ticket. */
export interface RelaySender {
	role: Role;
	features: Features;
}

export type RelayRefusal =
	| 'malformed-offer'
	| 'file-transfer-denied'
	| 'agent-screen-share-denied'
	| 'voice-denied'
	/** A media call of no kind we know, or of a kind the sender's role does not send. */
	| 'media-kind-refused'
	/** Its SDP offers media of another type than its kind (sound in a screen call, say). */
	| 'media-type-refused';

/** The data channel label file transfers use (src/lib/peer/peer-link.ts connectFiles). */
export const FILES_LABEL = 'files';

interface RelayedMediaKind {
	sentBy: readonly Role[];
	/** The one type of media (`m=video`, `m=audio`) its SDP may carry. */
	media: 'video' | 'audio';
	/** The feature of the sender's ticket it needs, if any. */
	needs?: { feature: 'agentScreenShare' | 'voice'; refusal: RelayRefusal };
}

/**
 * The kinds of media call a page places, by the `kind` of the call's metadata (the wire names
 * of src/lib/peer/media): who may place each, what it needs and what it carries.
 */
const MEDIA_KINDS: Record<string, RelayedMediaKind> = {
	screen: { sentBy: ['customer'], media: 'video' },
	camera: { sentBy: ['customer'], media: 'video' },
	'agent-screen': {
		sentBy: ['agent'],
		media: 'video',
		needs: { feature: 'agentScreenShare', refusal: 'agent-screen-share-denied' }
	},
	voice: {
		sentBy: ['customer', 'agent'],
		media: 'audio',
		needs: { feature: 'voice', refusal: 'voice-denied' }
	}
};

/**
 * Every PeerJS media call also opens a data channel of its own (`m=application`), to learn when
 * the other side closes the call: it carries no media, and our receiver never reads it.
 */
const CALL_CHANNEL = 'application';

/** The media types of an SDP's media sections (`m=video 9 UDP/TLS/RTP/SAVPF …` → video). */
function mediaTypesOf(sdp: string): Set<string> {
	const types = new Set<string>();
	for (const match of sdp.matchAll(/^m=([^ \r\n]*)/gm)) types.add(match[1]);
	return types;
}

/**
 * Whether signaling vouches for a connection the sender offers. PeerJS puts the kind of
 * connection in the OFFER's payload (`type: 'data'` with a `label`, or `type: 'media'` with the
 * call's `metadata`, ours `{ ticket, kind }`, and the `sdp`), so a file channel, an agent's
 * screen or a voice call that the sender's ticket does not allow never reaches the other peer;
 * nor does a call whose SDP offers other media than its kind (sound smuggled into a screen
 * call, pictures into a voice call). Returns why a message is refused, or null to relay it. Never throws, whatever arrives.
 */
export function relayRefusal(
	message: { type?: unknown; payload?: unknown },
	sender: RelaySender
): RelayRefusal | null {
	if (message.type !== 'OFFER') return null;
	const payload = message.payload as
		{ type?: unknown; label?: unknown; metadata?: unknown; sdp?: unknown } | null | undefined;
	if (!payload || typeof payload !== 'object') return 'malformed-offer';
	if (payload.type === 'data') {
		if (payload.label === FILES_LABEL && !sender.features.fileTransfer) {
			return 'file-transfer-denied';
		}
		return null;
	}
	if (payload.type === 'media') return mediaRefusal(payload, sender);
	return 'malformed-offer';
}

function mediaRefusal(
	payload: { metadata?: unknown; sdp?: unknown },
	sender: RelaySender
): RelayRefusal | null {
	const metadata = payload.metadata;
	const wire =
		metadata && typeof metadata === 'object' ? (metadata as { kind?: unknown }).kind : undefined;
	const kind =
		typeof wire === 'string' && Object.hasOwn(MEDIA_KINDS, wire) ? MEDIA_KINDS[wire] : null;
	if (!kind || !kind.sentBy.includes(sender.role)) return 'media-kind-refused';
	if (kind.needs && sender.features[kind.needs.feature] !== true) return kind.needs.refusal;
	const description = payload.sdp;
	const sdp =
		description && typeof description === 'object'
			? (description as { sdp?: unknown }).sdp
			: undefined;
	if (typeof sdp !== 'string') return 'malformed-offer';
	for (const type of mediaTypesOf(sdp)) {
		if (type !== kind.media && type !== CALL_CHANNEL) return 'media-type-refused';
	}
	return null;
}

/** The connection an OFFER, ANSWER or CANDIDATE belongs to, if it names one. */
export function connectionIdOf(message: { payload?: unknown }): string | null {
	const id = (message.payload as { connectionId?: unknown } | null | undefined)?.connectionId;
	return typeof id === 'string' && id.length <= 128 ? id : null;
}
