import { describe, expect, it } from 'vitest';
import { containRect, pickRecordingType, recordingSize } from './recording-format';

describe('pickRecordingType', () => {
	it('takes VP8 and Opus first, then what the browser has', () => {
		expect(pickRecordingType(() => true)).toBe('video/webm;codecs=vp8,opus');
		expect(pickRecordingType((t) => t === 'video/webm;codecs=vp9,opus')).toBe(
			'video/webm;codecs=vp9,opus'
		);
		expect(pickRecordingType((t) => t === 'video/webm')).toBe('video/webm');
	});

	it('nothing in WebM (Safari records MP4 only) is no recorder; a throwing check is a no', () => {
		expect(pickRecordingType((t) => t.startsWith('video/mp4'))).toBeNull();
		expect(
			pickRecordingType(() => {
				throw new Error('NotSupportedError');
			})
		).toBeNull();
	});
});

describe('recordingSize', () => {
	it('keeps a source up to 1080p as it is, scales a bigger one down to fit, evenly', () => {
		expect(recordingSize(1280, 720)).toEqual({ width: 1280, height: 720 });
		expect(recordingSize(1920, 1080)).toEqual({ width: 1920, height: 1080 });
		expect(recordingSize(3840, 2160)).toEqual({ width: 1920, height: 1080 });
		// An ultra-wide screen fits the width; a portrait phone camera fits the height.
		expect(recordingSize(5120, 1440)).toEqual({ width: 1920, height: 540 });
		expect(recordingSize(1080, 1920)).toEqual({ width: 608, height: 1080 });
		expect(recordingSize(641, 481)).toEqual({ width: 642, height: 482 });
	});

	it('a source that says nothing of its size gets 720p', () => {
		expect(recordingSize(0, 0)).toEqual({ width: 1280, height: 720 });
		expect(recordingSize(Number.NaN, 5)).toEqual({ width: 1280, height: 720 });
	});
});

describe('containRect', () => {
	it('centres the picture whole, with bars where the shapes differ', () => {
		expect(containRect({ width: 640, height: 480 }, { width: 1280, height: 720 })).toEqual({
			x: 160,
			y: 0,
			width: 960,
			height: 720
		});
		expect(containRect({ width: 1920, height: 1080 }, { width: 1280, height: 720 })).toEqual({
			x: 0,
			y: 0,
			width: 1280,
			height: 720
		});
	});
});
