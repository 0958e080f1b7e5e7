import { describe, expect, it } from 'vitest';
import { orderScreenCodecs, screenEncodingFor, type CodecCapability } from './screen-quality';

/** Debian Chromium 156's RTCRtpReceiver.getCapabilities('video').codecs, as measured. */
const CHROMIUM_RECEIVE: CodecCapability[] = [
	{ mimeType: 'video/VP8', clockRate: 90000 },
	{ mimeType: 'video/rtx', clockRate: 90000 },
	{ mimeType: 'video/VP9', clockRate: 90000, sdpFmtpLine: 'profile-id=0' },
	{ mimeType: 'video/VP9', clockRate: 90000, sdpFmtpLine: 'profile-id=2' },
	{ mimeType: 'video/VP9', clockRate: 90000, sdpFmtpLine: 'profile-id=1' },
	{ mimeType: 'video/VP9', clockRate: 90000, sdpFmtpLine: 'profile-id=3' },
	{
		mimeType: 'video/H264',
		clockRate: 90000,
		sdpFmtpLine: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f'
	},
	{
		mimeType: 'video/H264',
		clockRate: 90000,
		sdpFmtpLine: 'level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f'
	},
	{
		mimeType: 'video/H264',
		clockRate: 90000,
		sdpFmtpLine: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f'
	},
	{
		mimeType: 'video/H264',
		clockRate: 90000,
		sdpFmtpLine: 'level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f'
	},
	{
		mimeType: 'video/H264',
		clockRate: 90000,
		sdpFmtpLine: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f'
	},
	{
		mimeType: 'video/H264',
		clockRate: 90000,
		sdpFmtpLine: 'level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=4d001f'
	},
	{
		mimeType: 'video/H264',
		clockRate: 90000,
		sdpFmtpLine: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=f4001f'
	},
	{
		mimeType: 'video/H264',
		clockRate: 90000,
		sdpFmtpLine: 'level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=f4001f'
	},
	{ mimeType: 'video/AV1', clockRate: 90000, sdpFmtpLine: 'level-idx=5;profile=0;tier=0' },
	{ mimeType: 'video/AV1', clockRate: 90000, sdpFmtpLine: 'level-idx=5;profile=1;tier=0' },
	{ mimeType: 'video/red', clockRate: 90000 },
	{ mimeType: 'video/ulpfec', clockRate: 90000 },
	{ mimeType: 'video/flexfec-03', clockRate: 90000, sdpFmtpLine: 'repair-window=10000000' }
];

/** The same browser's RTCRtpSender.getCapabilities('video').codecs. */
const CHROMIUM_SEND: CodecCapability[] = [
	{ mimeType: 'video/VP8', clockRate: 90000 },
	{ mimeType: 'video/rtx', clockRate: 90000 },
	{
		mimeType: 'video/H264',
		clockRate: 90000,
		sdpFmtpLine: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f'
	},
	{
		mimeType: 'video/H264',
		clockRate: 90000,
		sdpFmtpLine: 'level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f'
	},
	{
		mimeType: 'video/H264',
		clockRate: 90000,
		sdpFmtpLine: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f'
	},
	{
		mimeType: 'video/H264',
		clockRate: 90000,
		sdpFmtpLine: 'level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f'
	},
	{
		mimeType: 'video/H264',
		clockRate: 90000,
		sdpFmtpLine: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f'
	},
	{
		mimeType: 'video/H264',
		clockRate: 90000,
		sdpFmtpLine: 'level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=4d001f'
	},
	{ mimeType: 'video/AV1', clockRate: 90000, sdpFmtpLine: 'level-idx=5;profile=0;tier=0' },
	{ mimeType: 'video/VP9', clockRate: 90000, sdpFmtpLine: 'profile-id=0' },
	{ mimeType: 'video/VP9', clockRate: 90000, sdpFmtpLine: 'profile-id=2' },
	{ mimeType: 'video/red', clockRate: 90000 },
	{ mimeType: 'video/ulpfec', clockRate: 90000 }
];

const label = (c: CodecCapability) => `${c.mimeType} ${c.sdpFmtpLine ?? ''}`.trim();

describe('orderScreenCodecs', () => {
	it('puts VP9 profile 0 first, then AV1 profile 0, H.264 (packetization-mode 1 first), VP8', () => {
		const ordered = orderScreenCodecs(CHROMIUM_RECEIVE, CHROMIUM_SEND).map(label);
		expect(ordered.slice(0, 10)).toEqual([
			'video/VP9 profile-id=0',
			'video/AV1 level-idx=5;profile=0;tier=0',
			'video/H264 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f',
			'video/H264 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
			'video/H264 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f',
			'video/H264 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f',
			'video/H264 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f',
			'video/H264 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=4d001f',
			'video/VP8',
			'video/rtx'
		]);
	});

	it('keeps every codec the receiver offers (RTX, RED, FEC, other profiles) exactly once', () => {
		const ordered = orderScreenCodecs(CHROMIUM_RECEIVE, CHROMIUM_SEND);
		expect(ordered).toHaveLength(CHROMIUM_RECEIVE.length);
		expect(new Set(ordered)).toEqual(new Set(CHROMIUM_RECEIVE));
		// What we do not rank keeps the browser's relative order.
		const rest = ordered.slice(9).map(label);
		expect(rest).toEqual([
			'video/rtx',
			'video/VP9 profile-id=2',
			'video/VP9 profile-id=1',
			'video/VP9 profile-id=3',
			'video/H264 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=f4001f',
			'video/H264 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=f4001f',
			'video/AV1 level-idx=5;profile=1;tier=0',
			'video/red',
			'video/ulpfec',
			'video/flexfec-03 repair-window=10000000'
		]);
	});

	it('does not move forward a codec this browser can receive but not send', () => {
		const sendWithoutVp9OrAv1 = CHROMIUM_SEND.filter((c) => !/VP9|AV1/.test(c.mimeType));
		const ordered = orderScreenCodecs(CHROMIUM_RECEIVE, sendWithoutVp9OrAv1).map(label);
		expect(ordered[0]).toBe(
			'video/H264 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f'
		);
		expect(ordered.indexOf('video/VP8')).toBeLessThan(ordered.indexOf('video/VP9 profile-id=0'));
	});

	it('falls back to VP8 when it is the only preferred codec', () => {
		const vp8Only: CodecCapability[] = [
			{ mimeType: 'video/rtx', clockRate: 90000 },
			{ mimeType: 'video/VP8', clockRate: 90000 }
		];
		expect(orderScreenCodecs(vp8Only).map(label)).toEqual(['video/VP8', 'video/rtx']);
	});

	it('treats VP9 without a profile-id as profile 0 and matches MIME types case-insensitively', () => {
		const codecs: CodecCapability[] = [
			{ mimeType: 'video/vp8', clockRate: 90000 },
			{ mimeType: 'video/vp9', clockRate: 90000 }
		];
		expect(orderScreenCodecs(codecs).map((c) => c.mimeType)).toEqual(['video/vp9', 'video/vp8']);
	});

	it('takes another family order, e.g. VP8 first for machines too slow for VP9', () => {
		const ordered = orderScreenCodecs(CHROMIUM_RECEIVE, CHROMIUM_SEND, [
			'video/VP8',
			'video/VP9'
		]).map(label);
		expect(ordered.slice(0, 3)).toEqual(['video/VP8', 'video/VP9 profile-id=0', 'video/rtx']);
	});

	it('returns a new list and leaves the input alone', () => {
		const input = [...CHROMIUM_RECEIVE];
		orderScreenCodecs(input, CHROMIUM_SEND);
		expect(input).toEqual(CHROMIUM_RECEIVE);
	});
});

describe('screenEncodingFor', () => {
	it('sharp keeps the resolution with a budget that grows with the pixels', () => {
		const hd = screenEncodingFor('sharp', { width: 1920, height: 1080 });
		expect(hd).toEqual({
			degradationPreference: 'maintain-resolution',
			maxBitrate: 3_732_480,
			maxFramerate: 30,
			scaleResolutionDownBy: 1,
			contentHint: 'detail'
		});
		const small = screenEncodingFor('sharp', { width: 1280, height: 720 });
		expect(small.maxBitrate).toBe(1_658_880);
		// Tiny captures still get the floor; huge ones the ceiling.
		expect(screenEncodingFor('sharp', { width: 320, height: 240 }).maxBitrate).toBe(1_000_000);
		expect(screenEncodingFor('sharp', { width: 5120, height: 2880 }).maxBitrate).toBe(8_000_000);
	});

	it('sharp never scales down, whatever the path carries', () => {
		expect(
			screenEncodingFor('sharp', { width: 1920, height: 1080 }, 200_000).scaleResolutionDownBy
		).toBe(1);
	});

	it('smooth keeps the frame rate and sends fewer pixels on a thin path', () => {
		const size = { width: 1920, height: 1080 };
		const plenty = screenEncodingFor('smooth', size, 10_000_000);
		expect(plenty).toMatchObject({
			degradationPreference: 'maintain-framerate',
			maxFramerate: 30,
			scaleResolutionDownBy: 1,
			contentHint: 'motion'
		});
		expect(screenEncodingFor('smooth', size, 1_500_000).scaleResolutionDownBy).toBe(1.5);
		expect(screenEncodingFor('smooth', size, 500_000).scaleResolutionDownBy).toBe(2);
		// Not measured yet: full size.
		expect(screenEncodingFor('smooth', size, null).scaleResolutionDownBy).toBe(1);
	});
});
