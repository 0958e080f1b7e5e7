/**
 * Where a moment of the session is in its recording: which part, how many seconds in. The
 * report's marks (chat, files, shares, snapshots, annotations) become buttons that play the
 * recording from there. Plain TypeScript, for the report page and its tests.
 */

/** A part of the recording as the report knows it (times in ms since the epoch). */
export interface TimelinePart {
	segment: number;
	startedAt: number;
	endedAt: number | null;
	/** The assembled file's length (what the player plays), else the browser's measure. */
	fileDurationMs: number | null;
	durationMs: number | null;
	playable: boolean;
}

export interface TimelineEvent {
	id: string;
	type: string;
	at: number;
}

export type MarkKind = 'chat' | 'file' | 'share' | 'snapshot' | 'annotation';

/** The report events that are marks on the recording's timeline, by kind. */
const MARK_KINDS: Record<string, MarkKind> = {
	chat: 'chat',
	file: 'file',
	'screen.sharing': 'share',
	'screen.stopped': 'share',
	'agent-screen.shared': 'share',
	'agent-screen.stopped': 'share',
	'camera.sharing': 'share',
	'camera.stopped': 'share',
	snapshot: 'snapshot',
	'annotation.started': 'annotation',
	'annotation.stopped': 'annotation'
};

export interface PlaybackPoint {
	segment: number;
	/** Seconds from the part's start: what `currentTime` is set to. */
	seconds: number;
}

/** A part's length in ms: the file's, else the browser's, else until its end. */
function lengthOf(part: TimelinePart): number | null {
	if (part.fileDurationMs !== null) return part.fileDurationMs;
	if (part.durationMs !== null) return part.durationMs;
	return part.endedAt === null ? null : part.endedAt - part.startedAt;
}

/**
 * The playable part holding the moment `at`, and the seconds into it (event time − part
 * start); null when the moment is in no playable part (before recording began, between parts,
 * or in a part that cannot be played). A moment just past a part's file (the last second
 * before its end, which the file may not hold) is its last instant.
 */
export function playbackPoint(parts: TimelinePart[], at: number): PlaybackPoint | null {
	for (const part of [...parts].sort((a, b) => b.startedAt - a.startedAt)) {
		if (at < part.startedAt) continue;
		const length = lengthOf(part);
		const end = Math.max(
			part.endedAt ?? -Infinity,
			length === null ? -Infinity : part.startedAt + length
		);
		if (!part.playable) return null;
		if (end !== -Infinity && at > end) return null;
		const offset = at - part.startedAt;
		return {
			segment: part.segment,
			seconds: (length === null ? offset : Math.min(offset, length)) / 1000
		};
	}
	return null;
}

export interface TimelineMark extends TimelineEvent {
	kind: MarkKind;
	/** Where it plays; null when the recording does not hold that moment. */
	point: PlaybackPoint | null;
}

/** The report's events that are marks, in time order, each with where it plays. */
export function timelineMarks(events: TimelineEvent[], parts: TimelinePart[]): TimelineMark[] {
	return events
		.filter((event) => Object.hasOwn(MARK_KINDS, event.type))
		.map((event) => ({
			id: event.id,
			type: event.type,
			at: event.at,
			kind: MARK_KINDS[event.type],
			point: playbackPoint(parts, event.at)
		}))
		.sort((a, b) => a.at - b.at);
}

/** "1:05" or "1:02:05": a position in the recording. */
export function formatPosition(seconds: number): string {
	const whole = Math.max(0, Math.floor(seconds));
	const h = Math.floor(whole / 3600);
	const m = Math.floor((whole % 3600) / 60);
	const s = String(whole % 60).padStart(2, '0');
	return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}
