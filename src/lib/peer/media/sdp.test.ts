import { describe, expect, it } from 'vitest';
import { ensureOpusFec } from './sdp';

const crlf = (...lines: string[]) => lines.join('\r\n') + '\r\n';

/** The audio section of a Chromium offer (trimmed: ICE, DTLS and most extensions left out). */
const chromeOffer = crlf(
	'v=0',
	'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
	's=-',
	't=0 0',
	'a=group:BUNDLE 0',
	'a=msid-semantic: WMS stream',
	'm=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126',
	'c=IN IP4 0.0.0.0',
	'a=rtcp:9 IN IP4 0.0.0.0',
	'a=mid:0',
	'a=sendrecv',
	'a=rtcp-mux',
	'a=rtpmap:111 opus/48000/2',
	'a=rtcp-fb:111 transport-cc',
	'a=fmtp:111 minptime=10;useinbandfec=1',
	'a=rtpmap:63 red/48000/2',
	'a=fmtp:63 111/111',
	'a=rtpmap:9 G722/8000',
	'a=rtpmap:0 PCMU/8000',
	'a=rtpmap:8 PCMA/8000',
	'a=rtpmap:13 CN/8000',
	'a=rtpmap:110 telephone-event/48000',
	'a=rtpmap:126 telephone-event/8000',
	'a=ssrc:1001 cname:abc'
);

/** The audio section of a Firefox answer. */
const firefoxAnswer = crlf(
	'v=0',
	'o=mozilla...THIS_IS_SDPARTA-99.0 5316547542468393458 0 IN IP4 0.0.0.0',
	's=-',
	't=0 0',
	'a=fingerprint:sha-256 AA:BB',
	'a=group:BUNDLE 0',
	'm=audio 9 UDP/TLS/RTP/SAVPF 109 101',
	'c=IN IP4 0.0.0.0',
	'a=recvonly',
	'a=fmtp:109 maxplaybackrate=48000;stereo=1;useinbandfec=0',
	'a=fmtp:101 0-15',
	'a=mid:0',
	'a=rtcp-mux',
	'a=rtpmap:109 opus/48000/2',
	'a=rtpmap:101 telephone-event/8000'
);

describe('ensureOpusFec', () => {
	it('leaves a Chromium offer that asks for FEC as it is', () => {
		expect(ensureOpusFec(chromeOffer)).toBe(chromeOffer);
	});

	it('turns a Firefox useinbandfec=0 into 1, and nothing else', () => {
		const out = ensureOpusFec(firefoxAnswer);
		expect(out).toBe(
			firefoxAnswer.replace(
				'a=fmtp:109 maxplaybackrate=48000;stereo=1;useinbandfec=0',
				'a=fmtp:109 maxplaybackrate=48000;stereo=1;useinbandfec=1'
			)
		);
		expect(out).toContain('a=fmtp:101 0-15\r\n');
	});

	it('appends the parameter to an Opus fmtp without it', () => {
		const sdp = chromeOffer.replace('minptime=10;useinbandfec=1', 'minptime=10');
		expect(ensureOpusFec(sdp)).toBe(chromeOffer);
	});

	it('adds an fmtp line after the rtpmap of an Opus payload that has none', () => {
		const sdp = chromeOffer.replace('a=fmtp:111 minptime=10;useinbandfec=1\r\n', '');
		const out = ensureOpusFec(sdp);
		expect(out).toContain('a=rtpmap:111 opus/48000/2\r\na=fmtp:111 useinbandfec=1\r\n');
		expect(out.match(/a=fmtp:111 /g)).toHaveLength(1);
		// RED names Opus payloads in its fmtp: it is not an Opus line.
		expect(out).toContain('a=fmtp:63 111/111\r\n');
	});

	it('is idempotent, and keeps the line endings', () => {
		for (const sdp of [chromeOffer, firefoxAnswer, chromeOffer.replaceAll('\r\n', '\n')]) {
			const once = ensureOpusFec(sdp);
			expect(ensureOpusFec(once)).toBe(once);
		}
		const lf = ensureOpusFec(firefoxAnswer.replaceAll('\r\n', '\n'));
		expect(lf).not.toContain('\r');
		expect(lf).toContain('useinbandfec=1\n');
	});

	it('handles each audio section, and leaves video and an SDP without Opus alone', () => {
		const video = crlf(
			'm=video 9 UDP/TLS/RTP/SAVPF 96 97',
			'a=rtpmap:96 VP8/90000',
			'a=rtpmap:97 rtx/90000',
			'a=fmtp:97 apt=96'
		);
		expect(ensureOpusFec(video)).toBe(video);
		const twoAudio = crlf(
			'v=0',
			'm=audio 9 UDP/TLS/RTP/SAVPF 111',
			'a=rtpmap:111 OPUS/48000/2',
			'a=fmtp:111 minptime=10; useinbandfec=1',
			'm=audio 9 UDP/TLS/RTP/SAVPF 111',
			'a=rtpmap:111 opus/48000/2'
		);
		expect(ensureOpusFec(twoAudio)).toBe(
			crlf(
				'v=0',
				'm=audio 9 UDP/TLS/RTP/SAVPF 111',
				'a=rtpmap:111 OPUS/48000/2',
				'a=fmtp:111 minptime=10; useinbandfec=1',
				'm=audio 9 UDP/TLS/RTP/SAVPF 111',
				'a=rtpmap:111 opus/48000/2',
				'a=fmtp:111 useinbandfec=1'
			)
		);
	});
});
