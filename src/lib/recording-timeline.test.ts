import { describe, expect, it } from 'vitest';
import {
	formatPosition,
	playbackPoint,
	timelineMarks,
	type TimelinePart
} from './recording-timeline';

const T = 1_700_000_000_000;
const parts: TimelinePart[] = [
	{
		segment: 0,
		startedAt: T,
		endedAt: T + 60_000,
		fileDurationMs: 59_500,
		durationMs: 60_000,
		playable: true
	},
	// A hand-over: the next part a few seconds after.
	{
		segment: 1,
		startedAt: T + 65_000,
		endedAt: T + 125_000,
		fileDurationMs: 60_000,
		durationMs: null,
		playable: true
	},
	{
		segment: 2,
		startedAt: T + 130_000,
		endedAt: T + 140_000,
		fileDurationMs: null,
		durationMs: 10_000,
		playable: false
	}
];

describe('playbackPoint: event time − part start, in the right part', () => {
	it('finds the part and the seconds into it', () => {
		expect(playbackPoint(parts, T)).toEqual({ segment: 0, seconds: 0 });
		expect(playbackPoint(parts, T + 12_345)).toEqual({ segment: 0, seconds: 12.345 });
		expect(playbackPoint(parts, T + 65_000 + 30_000)).toEqual({ segment: 1, seconds: 30 });
	});

	it('a moment past the file but before the part ended is its last instant', () => {
		expect(playbackPoint(parts, T + 59_900)).toEqual({ segment: 0, seconds: 59.5 });
	});

	it('nothing before the recording, between parts, after it, or in a part that cannot play', () => {
		expect(playbackPoint(parts, T - 1)).toBeNull();
		expect(playbackPoint(parts, T + 62_000)).toBeNull();
		expect(playbackPoint(parts, T + 135_000)).toBeNull();
		expect(playbackPoint(parts, T + 500_000)).toBeNull();
		expect(playbackPoint([], T)).toBeNull();
	});

	it('a part still recording has no file to play', () => {
		const live = [
			{ ...parts[0], endedAt: null, fileDurationMs: null, durationMs: null, playable: false }
		];
		expect(playbackPoint(live, T + 1000)).toBeNull();
	});
});

describe('timelineMarks', () => {
	it('keeps chat, files, shares, snapshots and annotations, in time order, with where each plays', () => {
		const marks = timelineMarks(
			[
				{ id: 'e3', type: 'snapshot', at: T + 70_000 },
				{ id: 'e1', type: 'chat', at: T + 1000 },
				{ id: 'e2', type: 'screen.sharing', at: T + 500 },
				{ id: 'x', type: 'voice.muted', at: T + 2000 },
				{ id: 'e4', type: 'annotation.started', at: T + 62_000 },
				{ id: 'e5', type: 'file', at: T + 66_000 },
				{ id: 'x2', type: 'recording-started', at: T }
			],
			parts
		);
		expect(marks.map((mark) => [mark.id, mark.kind, mark.point])).toEqual([
			['e2', 'share', { segment: 0, seconds: 0.5 }],
			['e1', 'chat', { segment: 0, seconds: 1 }],
			['e4', 'annotation', null],
			['e5', 'file', { segment: 1, seconds: 1 }],
			['e3', 'snapshot', { segment: 1, seconds: 5 }]
		]);
	});
});

describe('formatPosition', () => {
	it('reads as a player shows it', () => {
		expect(formatPosition(0)).toBe('0:00');
		expect(formatPosition(65.9)).toBe('1:05');
		expect(formatPosition(3725)).toBe('1:02:05');
		expect(formatPosition(-3)).toBe('0:00');
	});
});
