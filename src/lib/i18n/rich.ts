/**
 * Sentences with one interactive part ("[[Report abuse]] ends the session…"): the translation
 * marks the part with [[ ]], and the page renders it as a button or link inside the sentence,
 * so each language keeps its own word order.
 */
export interface MarkedSentence {
	before: string;
	marked: string;
	after: string;
}

export function splitMarked(text: string): MarkedSentence {
	const match = /^([\s\S]*?)\[\[([\s\S]*?)\]\]([\s\S]*)$/.exec(text);
	if (!match) return { before: text, marked: '', after: '' };
	return { before: match[1], marked: match[2], after: match[3] };
}
