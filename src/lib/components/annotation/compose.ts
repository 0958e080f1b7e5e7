/**
 * The annotated picture as a PNG for the report: the frozen frame with the marks painted on
 * it, with the same geometry and palette as the SVG the agent and the customer saw.
 */
import type { Mark } from '$lib/session/marks';
import { MARK_FONT_FAMILY, MARK_PALETTE, arrowHead, markScale, rectFrom } from './mark-style';

/** The background where the frame did not arrive (the marks alone, as the customer saw them). */
export const NO_FRAME_BACKGROUND = '#334155';

type Context = Pick<
	CanvasRenderingContext2D,
	| 'beginPath'
	| 'moveTo'
	| 'lineTo'
	| 'closePath'
	| 'arc'
	| 'stroke'
	| 'fill'
	| 'strokeRect'
	| 'strokeText'
	| 'fillText'
	| 'save'
	| 'restore'
> & {
	lineWidth: number;
	lineCap: CanvasLineCap;
	lineJoin: CanvasLineJoin;
	strokeStyle: string | CanvasGradient | CanvasPattern;
	fillStyle: string | CanvasGradient | CanvasPattern;
	font: string;
	textAlign: CanvasTextAlign;
	textBaseline: CanvasTextBaseline;
};

/** Paints `marks` on a context the size of the frame. */
export function paintMarks(
	context: Context,
	marks: readonly Mark[],
	width: number,
	height: number
) {
	const scale = markScale(width, height);
	context.save();
	context.lineCap = 'round';
	context.lineJoin = 'round';
	for (const mark of marks) {
		const colours = MARK_PALETTE[mark.color];
		// The halo first, under the paint: two passes of the same path.
		for (const pass of ['halo', 'paint'] as const) {
			const lineWidth = pass === 'halo' ? scale.halo : scale.line;
			context.lineWidth = lineWidth;
			context.strokeStyle = colours[pass];
			context.fillStyle = colours[pass];
			switch (mark.tool) {
				case 'pen':
					if (mark.points.length === 1) {
						const [x, y] = mark.points[0];
						context.beginPath();
						context.arc(x, y, lineWidth / 2, 0, Math.PI * 2);
						context.fill();
					} else {
						context.beginPath();
						mark.points.forEach(([x, y], i) =>
							i === 0 ? context.moveTo(x, y) : context.lineTo(x, y)
						);
						context.stroke();
					}
					break;
				case 'arrow': {
					const head = arrowHead(mark.from, mark.to, scale.head);
					context.beginPath();
					context.moveTo(...mark.from);
					context.lineTo(...head.shaftEnd);
					context.stroke();
					context.beginPath();
					context.moveTo(...head.tip);
					context.lineTo(...head.left);
					context.lineTo(...head.right);
					context.closePath();
					context.fill();
					if (pass === 'halo') context.stroke();
					break;
				}
				case 'rect': {
					const rect = rectFrom(mark.from, mark.to);
					context.strokeRect(rect.x, rect.y, rect.width, rect.height);
					break;
				}
				case 'marker':
					context.beginPath();
					context.arc(mark.at[0], mark.at[1], scale.marker, 0, Math.PI * 2);
					if (pass === 'halo') {
						context.lineWidth = scale.halo - scale.line;
						context.stroke();
					} else {
						context.fill();
						context.fillStyle = colours.ink;
						context.font = `700 ${scale.marker * 1.1}px ${MARK_FONT_FAMILY}`;
						context.textAlign = 'center';
						context.textBaseline = 'middle';
						context.fillText(String(mark.n), mark.at[0], mark.at[1]);
					}
					break;
				case 'text':
					context.font = `700 ${scale.font}px ${MARK_FONT_FAMILY}`;
					context.textAlign = 'left';
					context.textBaseline = 'middle';
					if (pass === 'halo') {
						context.lineWidth = scale.font / 4;
						context.strokeText(mark.text, mark.at[0], mark.at[1]);
					} else {
						context.fillText(mark.text, mark.at[0], mark.at[1]);
					}
					break;
			}
		}
	}
	context.restore();
}

/** The frozen frame (a JPEG, or null when it did not arrive) with `marks` on it, as a PNG. */
export async function composeAnnotatedPng(
	frame: Uint8Array | null,
	width: number,
	height: number,
	marks: readonly Mark[]
): Promise<Blob> {
	const canvas = document.createElement('canvas');
	canvas.width = width;
	canvas.height = height;
	const context = canvas.getContext('2d');
	if (!context) throw new Error('no 2D canvas');
	context.fillStyle = NO_FRAME_BACKGROUND;
	context.fillRect(0, 0, width, height);
	if (frame) {
		const bitmap = await createImageBitmap(
			new Blob([frame as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' })
		).catch(() => null);
		if (bitmap) {
			context.drawImage(bitmap, 0, 0, width, height);
			bitmap.close();
		}
	}
	paintMarks(context, marks, width, height);
	const png = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
	if (!png) throw new Error('the picture could not be encoded');
	return png;
}
