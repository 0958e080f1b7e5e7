/**
 * Which path a peer connection really took, read from WebRTC statistics: the selected candidate
 * pair, whether either end of it is a TURN relay, and its current round-trip time.
 */
import { m } from '$lib/paraglide/messages';

export interface ConnectionPath {
	path: 'direct' | 'relayed';
	/** Round-trip time of the selected pair in whole milliseconds, when the browser knows it. */
	roundTripMs: number | null;
	localCandidateType: string;
	remoteCandidateType: string;
}

/** One entry of an RTCStatsReport (only the fields read here). */
interface Stat {
	id: string;
	type: string;
	[field: string]: unknown;
}

function selectedPair(stats: Map<string, Stat>): Stat | null {
	// The transport names its selected pair (Chromium, Safari); Firefox flags the pair itself.
	for (const stat of stats.values()) {
		if (stat.type === 'transport' && typeof stat.selectedCandidatePairId === 'string') {
			const pair = stats.get(stat.selectedCandidatePairId);
			if (pair) return pair;
		}
	}
	for (const stat of stats.values()) {
		if (stat.type === 'candidate-pair' && stat.selected === true) return stat;
	}
	for (const stat of stats.values()) {
		if (stat.type === 'candidate-pair' && stat.nominated === true && stat.state === 'succeeded')
			return stat;
	}
	return null;
}

/** The path from a stats report's entries; null while no candidate pair is selected. */
export function connectionPathFromStats(entries: Iterable<Stat>): ConnectionPath | null {
	const stats = new Map<string, Stat>();
	for (const entry of entries) stats.set(entry.id, entry);
	const pair = selectedPair(stats);
	if (!pair) return null;
	const local = stats.get(String(pair.localCandidateId));
	const remote = stats.get(String(pair.remoteCandidateId));
	const localCandidateType = String(local?.candidateType ?? 'unknown');
	const remoteCandidateType = String(remote?.candidateType ?? 'unknown');
	const seconds = pair.currentRoundTripTime;
	return {
		path: localCandidateType === 'relay' || remoteCandidateType === 'relay' ? 'relayed' : 'direct',
		roundTripMs: typeof seconds === 'number' ? Math.round(seconds * 1000) : null,
		localCandidateType,
		remoteCandidateType
	};
}

export async function readConnectionPath(
	connection: RTCPeerConnection
): Promise<ConnectionPath | null> {
	const report = await connection.getStats();
	return connectionPathFromStats(report.values() as Iterable<Stat>);
}

/** "Direct connection · 3 ms", in the page's language. */
export function describeConnectionPath(path: ConnectionPath): string {
	const kind = path.path === 'relayed' ? m.connection_relayed() : m.connection_direct();
	return path.roundTripMs === null
		? kind
		: m.connection_with_rtt({ path: kind, ms: path.roundTripMs });
}

/**
 * Whether a new round-trip time is worth showing: the line is a live region, so it changes only
 * for a real difference (10 % and 2 ms), not for every millisecond of jitter.
 */
export function isNoticeableRttChange(shown: number | null, next: number | null): boolean {
	if (shown === null || next === null) return shown !== next;
	const difference = Math.abs(next - shown);
	return difference >= 2 && difference >= shown * 0.1;
}
