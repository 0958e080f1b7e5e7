/**
 * SDP rewrites for voice (pure, tested in Node on Chrome- and Firefox-shaped descriptions).
 *
 * Opus in-band FEC carries a low-bitrate copy of each frame in the next one, so a single lost
 * packet is rebuilt instead of heard as a click. An Opus `a=fmtp` line with `useinbandfec=1`
 * says "I can decode FEC, send it": in our answer it makes the caller's encoder add it. Chrome,
 * Firefox and Safari put it in their offers and answers today; the rewrite keeps it there
 * whatever a browser version does, and turns a `useinbandfec=0` into 1.
 */

/** The payload types the SDP maps to Opus (`a=rtpmap:<pt> opus/48000/2`). */
function opusPayloadTypes(lines: readonly string[]): Set<string> {
	const types = new Set<string>();
	for (const line of lines) {
		const match = /^a=rtpmap:(\d+) opus\/48000/i.exec(line);
		if (match) types.add(match[1]);
	}
	return types;
}

/** `minptime=10;useinbandfec=0` → `minptime=10;useinbandfec=1`; appends it when absent. */
function withInbandFec(parameters: string): string {
	const parts = parameters
		.split(';')
		.map((part) => part.trim())
		.filter((part) => part !== '');
	const index = parts.findIndex((part) => /^useinbandfec=/i.test(part));
	if (index >= 0) parts[index] = 'useinbandfec=1';
	else parts.push('useinbandfec=1');
	return parts.join(';');
}

/** One media section's lines (or the session part before the first `m=`), Opus FEC ensured. */
function sectionWithFec(lines: readonly string[]): string[] {
	const opus = opusPayloadTypes(lines);
	if (opus.size === 0) return [...lines];
	const withFmtp = new Set<string>();
	const rewritten = lines.map((line) => {
		const match = /^a=fmtp:(\d+) ?(.*)$/.exec(line);
		if (!match || !opus.has(match[1])) return line;
		withFmtp.add(match[1]);
		if (/(^|;)\s*useinbandfec=1\s*(;|$)/i.test(match[2])) return line;
		return `a=fmtp:${match[1]} ${withInbandFec(match[2])}`;
	});
	return rewritten.flatMap((line) => {
		const match = /^a=rtpmap:(\d+) opus\/48000/i.exec(line);
		return match && !withFmtp.has(match[1]) ? [line, `a=fmtp:${match[1]} useinbandfec=1`] : [line];
	});
}

/**
 * Makes every Opus payload type carry `useinbandfec=1` in its `a=fmtp` line, adding the line
 * after its `a=rtpmap` when there is none, in each media section. Idempotent; other codecs
 * (RED, whose fmtp names Opus payload types, telephone-event, video) and everything else stay
 * as they were, line endings too.
 */
export function ensureOpusFec(sdp: string): string {
	const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
	const sections: string[][] = [[]];
	for (const line of sdp.split(/\r?\n/)) {
		if (line.startsWith('m=')) sections.push([]);
		sections[sections.length - 1].push(line);
	}
	return sections.flatMap(sectionWithFec).join(eol);
}
