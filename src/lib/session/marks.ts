/**
 * The marks of a "look here" annotation: vector shapes in the frozen frame's own pixel
 * coordinates, so they stay sharp at any size and land on the same spot on both sides. One
 * schema checks what an agent sends; the annotation model checks the frame bounds it knows.
 */
import * as v from 'valibot';

/** The largest frame side an annotation may name, in pixels (beyond 4K in either direction). */
export const MAX_FRAME_SIDE = 8192;
/** Points in one pen stroke (a long scribble is thinned by the sender before this). */
export const MAX_STROKE_POINTS = 1000;
/** Marks on one annotation. */
export const MAX_MARKS = 200;
/** Characters in one text label. */
export const MAX_MARK_TEXT = 200;
/** The numbered markers go up to this. */
export const MAX_MARKER_NUMBER = 99;

export const MARK_TOOLS = ['pen', 'arrow', 'rect', 'text', 'marker'] as const;
export type MarkTool = (typeof MARK_TOOLS)[number];

/** Colours by name: the page decides the exact shade (and its contrast), the wire only the name. */
export const MARK_COLORS = ['red', 'yellow', 'green', 'blue', 'white', 'black'] as const;
export type MarkColor = (typeof MARK_COLORS)[number];

/** [x, y] in frame pixels, from the top left corner. */
export type Point = readonly [number, number];

interface MarkBase {
	/** Chosen by the agent; a mark sent again with the same id replaces the first (a stroke growing). */
	id: string;
	color: MarkColor;
}

export type Mark =
	| (MarkBase & { tool: 'pen'; points: readonly Point[] })
	| (MarkBase & { tool: 'arrow' | 'rect'; from: Point; to: Point })
	| (MarkBase & { tool: 'text'; at: Point; text: string })
	| (MarkBase & { tool: 'marker'; at: Point; n: number });

const coordinate = v.pipe(v.number(), v.finite(), v.minValue(0), v.maxValue(MAX_FRAME_SIDE));
const pointSchema = v.strictTuple([coordinate, coordinate]);
const markId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/));
const color = v.picklist(MARK_COLORS);

// The list's length is checked before any point is: a million-point stroke costs nothing.
const pointsSchema = v.pipe(
	v.custom<unknown[]>(
		(value) => Array.isArray(value) && value.length >= 1 && value.length <= MAX_STROKE_POINTS,
		'points'
	),
	v.array(pointSchema)
);

const textSchema = v.pipe(
	v.string(),
	v.minLength(1),
	v.maxLength(MAX_MARK_TEXT),
	v.check((text) => !/\p{Cc}/u.test(text), 'control characters'),
	v.check((text) => text.trim().length > 0, 'blank')
);

export const markSchema = v.variant('tool', [
	v.strictObject({ id: markId, color, tool: v.literal('pen'), points: pointsSchema }),
	v.strictObject({
		id: markId,
		color,
		tool: v.picklist(['arrow', 'rect']),
		from: pointSchema,
		to: pointSchema
	}),
	v.strictObject({ id: markId, color, tool: v.literal('text'), at: pointSchema, text: textSchema }),
	v.strictObject({
		id: markId,
		color,
		tool: v.literal('marker'),
		at: pointSchema,
		n: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_MARKER_NUMBER))
	})
]);

/** The points a mark is drawn through (to check them against the frame). */
export function markPoints(mark: Mark): readonly Point[] {
	switch (mark.tool) {
		case 'pen':
			return mark.points;
		case 'arrow':
		case 'rect':
			return [mark.from, mark.to];
		case 'text':
		case 'marker':
			return [mark.at];
	}
}

/** Whether every point of the mark lies on a frame of this size. */
export function markFits(mark: Mark, width: number, height: number): boolean {
	return markPoints(mark).every(([x, y]) => x <= width && y <= height);
}
