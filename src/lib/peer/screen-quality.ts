/**
 * Codec choice and sender parameters for screen content (browser only, no PeerJS).
 *
 * Screens are mostly still text with bursts of motion: an agent must read 11 px text in an
 * error dialog. So we prefer codecs with screen-content tools (VP9, AV1), keep the resolution
 * when bandwidth drops ("Sharp text"), or keep the frame rate instead ("Smooth motion"), and
 * raise the maximum bitrate above the browser's low default for screenshare.
 *
 * Where to call them with PeerJS: `peer.call()` creates its offer synchronously, before the
 * caller can touch the transceiver, but the answer decides which codec the caller sends with.
 * So the receiving side calls `preferScreenCodecs(event.transceiver)` in a `track` listener
 * added to `call.peerConnection` right after `call.answer()` (the listener runs before PeerJS
 * creates the answer). The sending side calls `applyScreenMode(sender, mode)` once the call's
 * peer connection exists, and again whenever the agent switches mode (no renegotiation).
 */

import type { ScreenMode } from '$lib/session/protocol';

export type { ScreenMode };

/** The parts of `RTCRtpCodec` (a capability) that decide our order. */
export interface CodecCapability {
	mimeType: string;
	clockRate: number;
	channels?: number;
	sdpFmtpLine?: string;
}

/** Screen-content codecs, best first; anything else (RTX, RED, FEC, other profiles) follows. */
export const SCREEN_CODEC_ORDER: readonly string[] = [
	'video/VP9',
	'video/AV1',
	'video/H264',
	'video/VP8'
];

function fmtpParameters(codec: CodecCapability): Map<string, string> {
	const parameters = new Map<string, string>();
	for (const part of (codec.sdpFmtpLine ?? '').split(';')) {
		const [key, value] = part.split('=');
		if (key?.trim()) parameters.set(key.trim().toLowerCase(), (value ?? '').trim());
	}
	return parameters;
}

/**
 * Where a codec goes in `order` (MIME types), or null when it is not one we prefer. VP9 only in
 * profile 0 and AV1 only in profile 0 (8-bit 4:2:0, what every encoder and decoder handles);
 * among H.264 variants, packetization-mode 1 first (the common one), otherwise the browser's.
 */
function preferenceRank(codec: CodecCapability, order: readonly string[]): number | null {
	const mimeType = codec.mimeType.toLowerCase();
	const family = order.findIndex((m) => m.toLowerCase() === mimeType);
	if (family < 0) return null;
	const fmtp = fmtpParameters(codec);
	switch (mimeType) {
		case 'video/vp9':
			return (fmtp.get('profile-id') ?? '0') === '0' ? family * 2 : null;
		case 'video/av1':
			return (fmtp.get('profile') ?? '0') === '0' ? family * 2 : null;
		case 'video/h264':
			return fmtp.get('packetization-mode') === '1' ? family * 2 : family * 2 + 1;
		default:
			return family * 2;
	}
}

function sameCodec(a: CodecCapability, b: CodecCapability) {
	return (
		a.mimeType.toLowerCase() === b.mimeType.toLowerCase() &&
		a.clockRate === b.clockRate &&
		(a.sdpFmtpLine ?? '') === (b.sdpFmtpLine ?? '')
	);
}

/**
 * Orders codecs for screen content: by default VP9 profile 0, AV1, H.264, VP8, then everything
 * else in the browser's order (RTX, RED and FEC must stay in the list). `receivable` is the
 * list `setCodecPreferences` accepts (RTCRtpReceiver capabilities); a codec is moved forward
 * only when this browser can also send it (`sendable`), so both directions of a session agree.
 * `order` replaces the default family order (e.g. VP8 first on machines too slow for VP9).
 * Pure: the order is decided here and tested in Node.
 */
export function orderScreenCodecs<T extends CodecCapability>(
	receivable: readonly T[],
	sendable: readonly CodecCapability[] = receivable,
	order: readonly string[] = SCREEN_CODEC_ORDER
): T[] {
	const ranked = receivable.map((codec, index) => {
		const rank = preferenceRank(codec, order);
		const bothWays = sendable.some((other) => sameCodec(codec, other));
		return { codec, index, rank: rank !== null && bothWays ? rank : Number.POSITIVE_INFINITY };
	});
	ranked.sort((a, b) => a.rank - b.rank || a.index - b.index);
	return ranked.map((entry) => entry.codec);
}

/**
 * Sets the transceiver's codec order for screen content. Returns the first codec's MIME type,
 * or null when the browser has no `setCodecPreferences` or refused the list (its own order
 * stays, which still works).
 */
export function preferScreenCodecs(
	transceiver: RTCRtpTransceiver,
	order: readonly string[] = SCREEN_CODEC_ORDER
): string | null {
	if (typeof transceiver.setCodecPreferences !== 'function') return null;
	const receivable = RTCRtpReceiver.getCapabilities?.('video')?.codecs ?? [];
	const sendable = RTCRtpSender.getCapabilities?.('video')?.codecs ?? [];
	if (receivable.length === 0) return null;
	const ordered = orderScreenCodecs(receivable, sendable, order);
	try {
		transceiver.setCodecPreferences(ordered);
	} catch {
		return null;
	}
	return ordered[0]?.mimeType ?? null;
}

export interface ScreenEncoding {
	degradationPreference: RTCDegradationPreference;
	/** Bits per second. */
	maxBitrate: number;
	maxFramerate: number;
	scaleResolutionDownBy: number;
	contentHint: 'detail' | 'motion';
}

/** Bits per pixel and frame we allow at 30 fps: ~3.7 Mbit/s at 1080p, ~1.7 Mbit/s at 720p. */
const SHARP_BITS_PER_PIXEL_FRAME = 0.06;
const MIN_BITRATE = 1_000_000;
const MAX_BITRATE = 8_000_000;
const MAX_FRAMERATE = 30;
/** Smooth motion keeps the frame rate: below these shares of its budget it sends fewer pixels. */
const SCALE_STEPS: readonly { below: number; scale: number }[] = [
	{ below: 0.25, scale: 2 },
	{ below: 0.5, scale: 1.5 }
];

/**
 * The encoding for a mode, a captured size and (when known) the path's measured available
 * outgoing bitrate (`availableOutgoingBitrate` of the selected candidate pair).
 *
 * - sharp: keep the resolution, drop frames when needed, up to 30 fps, a budget of
 *   0.06 bit per pixel per frame (1–8 Mbit/s);
 * - smooth: keep the frame rate, same budget, and send fewer pixels when the measured path
 *   carries less than half of that budget (so motion stays fluid instead of smeared).
 */
export function screenEncodingFor(
	mode: ScreenMode,
	size: { width: number; height: number },
	availableBitrate?: number | null
): ScreenEncoding {
	const pixels = Math.max(1, size.width) * Math.max(1, size.height);
	const budget = Math.round(
		Math.min(
			MAX_BITRATE,
			Math.max(MIN_BITRATE, pixels * MAX_FRAMERATE * SHARP_BITS_PER_PIXEL_FRAME)
		)
	);
	if (mode === 'sharp') {
		return {
			degradationPreference: 'maintain-resolution',
			maxBitrate: budget,
			maxFramerate: MAX_FRAMERATE,
			scaleResolutionDownBy: 1,
			contentHint: 'detail'
		};
	}
	let scale = 1;
	if (availableBitrate && availableBitrate > 0) {
		const share = availableBitrate / budget;
		scale = SCALE_STEPS.find((step) => share < step.below)?.scale ?? 1;
	}
	return {
		degradationPreference: 'maintain-framerate',
		maxBitrate: budget,
		maxFramerate: MAX_FRAMERATE,
		scaleResolutionDownBy: scale,
		contentHint: 'motion'
	};
}

/** What `applyScreenMode` managed to set (the browser may refuse a part). */
export interface AppliedScreenMode {
	encoding: ScreenEncoding;
	degradationPreferenceSet: boolean;
}

/** The available outgoing bitrate of the selected candidate pair, in bit/s, if measured yet. */
export async function measuredOutgoingBitrate(pc: RTCPeerConnection): Promise<number | null> {
	const stats = await pc.getStats();
	let best: number | null = null;
	stats.forEach((report) => {
		const pair = report as RTCIceCandidatePairStats & { nominated?: boolean };
		if (
			report.type === 'candidate-pair' &&
			pair.state === 'succeeded' &&
			pair.nominated &&
			typeof pair.availableOutgoingBitrate === 'number'
		) {
			best = Math.max(best ?? 0, pair.availableOutgoingBitrate);
		}
	});
	return best;
}

/**
 * Applies a mode to the sender of a screen track: content hint, degradation preference and
 * the first encoding's limits. Safe to call again to switch modes; does not renegotiate.
 */
export async function applyScreenMode(
	sender: RTCRtpSender,
	mode: ScreenMode,
	options: { availableBitrate?: number | null } = {}
): Promise<AppliedScreenMode> {
	const track = sender.track;
	const settings = track?.getSettings() ?? {};
	const encoding = screenEncodingFor(
		mode,
		{ width: settings.width ?? 1920, height: settings.height ?? 1080 },
		options.availableBitrate
	);
	if (track && track.kind === 'video') track.contentHint = encoding.contentHint;

	const parameters = sender.getParameters();
	if (!parameters.encodings?.length) parameters.encodings = [{}];
	const [first] = parameters.encodings;
	first.maxBitrate = encoding.maxBitrate;
	first.maxFramerate = encoding.maxFramerate;
	first.scaleResolutionDownBy = encoding.scaleResolutionDownBy;
	parameters.degradationPreference = encoding.degradationPreference;
	try {
		await sender.setParameters(parameters);
		return { encoding, degradationPreferenceSet: true };
	} catch {
		// Some browsers refuse degradationPreference; the content hint still steers the encoder.
		const retry = sender.getParameters();
		if (!retry.encodings?.length) retry.encodings = [{}];
		Object.assign(retry.encodings[0], {
			maxBitrate: encoding.maxBitrate,
			maxFramerate: encoding.maxFramerate,
			scaleResolutionDownBy: encoding.scaleResolutionDownBy
		});
		await sender.setParameters(retry);
		return { encoding, degradationPreferenceSet: false };
	}
}
