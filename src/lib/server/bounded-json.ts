/**
 * JSON.parse for bodies from outside, bounded before it runs: the text's size, and how deeply
 * its arrays and objects nest (counted by one linear scan, so no recursion — here, in the
 * parser, or later when the value is stringified, stored or rendered — can blow the stack).
 */
export type BoundedParse =
	{ ok: true; value: unknown } | { ok: false; error: 'too-large' | 'too-deep' | 'malformed' };

export function parseBoundedJson(
	text: string,
	limits: { maxBytes: number; maxDepth: number }
): BoundedParse {
	// A JavaScript string holds at most 3 UTF-8 bytes per UTF-16 unit: a cheap first bound.
	if (text.length > limits.maxBytes || Buffer.byteLength(text, 'utf8') > limits.maxBytes) {
		return { ok: false, error: 'too-large' };
	}
	if (nestingDepth(text) > limits.maxDepth) return { ok: false, error: 'too-deep' };
	try {
		return { ok: true, value: JSON.parse(text) };
	} catch {
		return { ok: false, error: 'malformed' };
	}
}

/** The deepest nesting of `[`/`{` outside strings (malformed text is left to JSON.parse). */
export function nestingDepth(text: string): number {
	let depth = 0;
	let deepest = 0;
	let inString = false;
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		if (inString) {
			if (c === 0x5c)
				i++; // backslash: skip the escaped character
			else if (c === 0x22) inString = false;
		} else if (c === 0x22) {
			inString = true;
		} else if (c === 0x5b || c === 0x7b) {
			depth++;
			if (depth > deepest) deepest = depth;
		} else if (c === 0x5d || c === 0x7d) {
			depth--;
		}
	}
	return deepest;
}

/** How deeply a parsed value nests (iterative; for values already stored). */
export function valueDepth(value: unknown, stopAt = Infinity): number {
	let deepest = 0;
	const stack: [unknown, number][] = [[value, 1]];
	while (stack.length > 0) {
		const [item, depth] = stack.pop()!;
		if (item === null || typeof item !== 'object') continue;
		if (depth > deepest) deepest = depth;
		if (deepest > stopAt) return deepest;
		for (const child of Object.values(item)) stack.push([child, depth + 1]);
	}
	return deepest;
}
