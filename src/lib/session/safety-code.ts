/**
 * A short code both people can read to each other to check that their browsers are talking to
 * each other and not to someone in between.
 *
 * WebRTC encrypts with DTLS, and each browser checks the other's certificate against the
 * fingerprint it received in the session description, which travels through our signaling
 * server. A server that rewrote those fingerprints could sit in the middle unnoticed. The code is
 * a hash of both fingerprints as each browser negotiated them (its own and the one it accepted):
 * directly connected, both compute the same two; with someone in between, each side sees that
 * someone's certificate instead of the other's, and the codes differ.
 */

const CODE_DIGITS = 6;
const DOMAIN = 'ponte-safety-code-v1';

/** The certificate fingerprints an SDP announces, normalised (`sha-256 AB:CD:…`), sorted. */
export function sdpFingerprints(sdp: string): string[] {
	const found = new Set<string>();
	for (const line of sdp.split(/\r?\n/)) {
		const match = /^a=fingerprint:(\S+)\s+([0-9A-Fa-f:]+)\s*$/.exec(line);
		if (match) found.add(`${match[1].toLowerCase()} ${match[2].toUpperCase()}`);
	}
	return [...found].sort();
}

/** `123 456` from both sides' fingerprints; the same whichever side is "local". */
export async function safetyCode(local: string[], remote: string[]): Promise<string> {
	const sides = [[...local].sort().join(','), [...remote].sort().join(',')].sort();
	const input = new TextEncoder().encode(`${DOMAIN}\n${sides[0]}\n${sides[1]}`);
	const digest = new DataView(await crypto.subtle.digest('SHA-256', input));
	// 48 bits modulo 10^6: the bias is below one in 10^8.
	const value = digest.getUint32(0) * 2 ** 16 + digest.getUint16(4);
	const digits = String(value % 10 ** CODE_DIGITS).padStart(CODE_DIGITS, '0');
	return `${digits.slice(0, 3)} ${digits.slice(3)}`;
}

interface NegotiatedDescriptions {
	currentLocalDescription: { sdp: string } | null;
	currentRemoteDescription: { sdp: string } | null;
}

/** The code for a negotiated connection; null until both descriptions carry a fingerprint. */
export async function safetyCodeFor(connection: NegotiatedDescriptions): Promise<string | null> {
	const local = sdpFingerprints(connection.currentLocalDescription?.sdp ?? '');
	const remote = sdpFingerprints(connection.currentRemoteDescription?.sdp ?? '');
	if (local.length === 0 || remote.length === 0) return null;
	return safetyCode(local, remote);
}
