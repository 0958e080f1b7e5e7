import { describe, expect, it } from 'vitest';
import { getLocale, overwriteGetLocale } from '$lib/paraglide/runtime';
import {
	connectionPathFromStats,
	describeConnectionPath,
	isNoticeableRttChange
} from './connection-stats';

const original = getLocale;

function report(localType: string, remoteType: string, rttSeconds?: number) {
	return [
		{ id: 'T01', type: 'transport', selectedCandidatePairId: 'CP-selected' },
		{
			id: 'CP-other',
			type: 'candidate-pair',
			localCandidateId: 'L-host',
			remoteCandidateId: 'R-host',
			currentRoundTripTime: 0.5
		},
		{
			id: 'CP-selected',
			type: 'candidate-pair',
			localCandidateId: 'L1',
			remoteCandidateId: 'R1',
			nominated: true,
			state: 'succeeded',
			...(rttSeconds === undefined ? {} : { currentRoundTripTime: rttSeconds })
		},
		{ id: 'L-host', type: 'local-candidate', candidateType: 'host' },
		{ id: 'R-host', type: 'remote-candidate', candidateType: 'host' },
		{ id: 'L1', type: 'local-candidate', candidateType: localType },
		{ id: 'R1', type: 'remote-candidate', candidateType: remoteType }
	];
}

describe('connectionPathFromStats', () => {
	it('reads the pair the transport selected: direct, with its round-trip time in ms', () => {
		expect(connectionPathFromStats(report('host', 'srflx', 0.0034))).toEqual({
			path: 'direct',
			roundTripMs: 3,
			localCandidateType: 'host',
			remoteCandidateType: 'srflx'
		});
	});

	it('calls it relayed when either end is a TURN relay', () => {
		expect(connectionPathFromStats(report('relay', 'host', 0.04))?.path).toBe('relayed');
		expect(connectionPathFromStats(report('srflx', 'relay', 0.04))?.path).toBe('relayed');
	});

	it('falls back to the pair flagged selected (Firefox) and tolerates an unknown RTT', () => {
		const stats = report('host', 'host').filter((s) => s.type !== 'transport');
		stats.push({ ...stats.find((s) => s.id === 'CP-selected')!, selected: true } as never);
		const path = connectionPathFromStats(stats);
		expect(path).toMatchObject({ path: 'direct', roundTripMs: null });
	});

	it('is null before any pair is selected', () => {
		expect(connectionPathFromStats([{ id: 'T01', type: 'transport' }])).toBeNull();
	});
});

describe('describeConnectionPath', () => {
	it('says direct or relayed, and the round trip when known', () => {
		const direct = connectionPathFromStats(report('host', 'host', 0.003))!;
		const relayed = connectionPathFromStats(report('relay', 'relay', 0.04))!;
		expect(describeConnectionPath(direct)).toBe('Direct connection · 3 ms');
		expect(describeConnectionPath(relayed)).toBe('Relayed (TURN) · 40 ms');
		expect(describeConnectionPath({ ...direct, roundTripMs: null })).toBe('Direct connection');
	});

	it('reads in Italian', () => {
		overwriteGetLocale(() => 'it');
		try {
			const relayed = connectionPathFromStats(report('relay', 'relay', 0.04))!;
			expect(describeConnectionPath(relayed)).toBe('Tramite relay (TURN) · 40 ms');
			expect(describeConnectionPath({ ...relayed, path: 'direct' })).toBe(
				'Connessione diretta · 40 ms'
			);
		} finally {
			overwriteGetLocale(original);
		}
	});
});

describe('isNoticeableRttChange', () => {
	it('ignores jitter and shows real changes', () => {
		expect(isNoticeableRttChange(40, 41)).toBe(false);
		expect(isNoticeableRttChange(40, 43)).toBe(false);
		expect(isNoticeableRttChange(40, 45)).toBe(true);
		expect(isNoticeableRttChange(1, 3)).toBe(true);
		expect(isNoticeableRttChange(null, 3)).toBe(true);
		expect(isNoticeableRttChange(3, null)).toBe(true);
	});
});
