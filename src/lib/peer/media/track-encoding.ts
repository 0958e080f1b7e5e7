/**
 * A sent track's encoding limits, set on its RTCRtpSender without renegotiating: the generic
 * hook the camera (and any kind that is not a screen) encodes with. The screen has its own
 * policy (`screen-quality.ts`), which also follows the capture size and the measured path.
 */

export interface TrackEncoding {
	/** Bits per second. */
	maxBitrate?: number;
	maxFramerate?: number;
	/** What the encoder gives up first when the path or the CPU is short (video only). */
	degradationPreference?: RTCDegradationPreference;
	scaleResolutionDownBy?: number;
}

/** The part of an RTCRtpSender the encoding is set on. */
export type EncodedSender = Pick<RTCRtpSender, 'getParameters' | 'setParameters'>;

function withLimits(parameters: RTCRtpSendParameters, encoding: TrackEncoding) {
	if (!parameters.encodings?.length) parameters.encodings = [{}];
	const [first] = parameters.encodings;
	if (encoding.maxBitrate !== undefined) first.maxBitrate = encoding.maxBitrate;
	if (encoding.maxFramerate !== undefined) first.maxFramerate = encoding.maxFramerate;
	if (encoding.scaleResolutionDownBy !== undefined) {
		first.scaleResolutionDownBy = encoding.scaleResolutionDownBy;
	}
	return parameters;
}

/**
 * Sets `encoding` on the sender's first encoding. Returns whether the degradation preference
 * was taken: some browsers refuse it (Firefox), and then the limits are set without it.
 */
export async function applyTrackEncoding(
	sender: EncodedSender,
	encoding: TrackEncoding
): Promise<{ degradationPreferenceSet: boolean }> {
	const parameters = withLimits(sender.getParameters(), encoding);
	if (!encoding.degradationPreference) {
		await sender.setParameters(parameters);
		return { degradationPreferenceSet: false };
	}
	parameters.degradationPreference = encoding.degradationPreference;
	try {
		await sender.setParameters(parameters);
		return { degradationPreferenceSet: true };
	} catch {
		await sender.setParameters(withLimits(sender.getParameters(), encoding));
		return { degradationPreferenceSet: false };
	}
}
