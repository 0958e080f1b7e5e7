import { describe, expect, it } from 'vitest';
import { applyTrackEncoding, type EncodedSender } from './track-encoding';

/** A sender that keeps what was set, and refuses a degradation preference when told to. */
function fakeSender(refusesPreference = false) {
	let current: RTCRtpSendParameters = {
		transactionId: 't',
		encodings: [],
		codecs: [],
		headerExtensions: [],
		rtcp: {}
	};
	const sets: RTCRtpSendParameters[] = [];
	const sender: EncodedSender = {
		getParameters: () => structuredClone(current),
		setParameters: async (parameters: RTCRtpSendParameters) => {
			if (refusesPreference && parameters.degradationPreference) throw new Error('refused');
			current = parameters;
			sets.push(parameters);
		}
	};
	return { sender, sets };
}

describe('applyTrackEncoding', () => {
	it('sets the limits and the degradation preference on the first encoding', async () => {
		const { sender, sets } = fakeSender();
		const result = await applyTrackEncoding(sender, {
			maxBitrate: 2_500_000,
			maxFramerate: 30,
			degradationPreference: 'maintain-framerate'
		});
		expect(result).toEqual({ degradationPreferenceSet: true });
		expect(sets).toHaveLength(1);
		expect(sets[0].encodings).toEqual([{ maxBitrate: 2_500_000, maxFramerate: 30 }]);
		expect(sets[0].degradationPreference).toBe('maintain-framerate');
	});

	it('sets the limits alone where the browser refuses the preference', async () => {
		const { sender, sets } = fakeSender(true);
		const result = await applyTrackEncoding(sender, {
			maxBitrate: 1_000_000,
			scaleResolutionDownBy: 2,
			degradationPreference: 'maintain-framerate'
		});
		expect(result).toEqual({ degradationPreferenceSet: false });
		expect(sets).toHaveLength(1);
		expect(sets[0].encodings).toEqual([{ maxBitrate: 1_000_000, scaleResolutionDownBy: 2 }]);
		expect(sets[0].degradationPreference).toBeUndefined();
	});
});
