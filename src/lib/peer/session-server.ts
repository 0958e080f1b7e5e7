/**
 * The session's HTTP calls, behind one port: the peer client and the components ask this
 * instead of calling `fetch` themselves, so each can be tested against an in-memory server
 * and a second transport (another node, a native shell) needs one new implementation.
 */
import type { RecordedEvent } from '$lib/session/recorder';
import { isFinalRefusal } from '$lib/session/recorder';
import type { EndReason, Features } from '$lib/session/protocol';
import type {
	ChunkStored,
	RecordingFailure,
	RecordingServer,
	SegmentEnd,
	SegmentStart
} from '$lib/session/recording/types';

/** What trading a ticket for a fresh one gave. */
export type TicketRefresh =
	/** A fresh ticket; `present` lists the peers the server counts as present participants. */
	| { kind: 'refreshed'; ticket: string; features?: Features; present?: string[] }
	/** The session has ended (elsewhere, or its agent was disabled). */
	| { kind: 'ended'; reason?: EndReason }
	/** No answer worth acting on (offline, a 5xx): the session goes on; ask again later. */
	| { kind: 'unavailable' };

export type LeaveResult = { ok: true } | { ok: false; error?: string };

/** What a snapshot shows: the customer's screen or camera, drawn on or not. */
export interface SnapshotMeta {
	source: 'screen' | 'camera';
	annotated: boolean;
}

/**
 * A stored snapshot (`takenAt` in ISO 8601), or why not: the server's code ('too-large',
 * 'not-png', 'limit-reached', 'not-present', 'session-ended' …), 'unavailable' when it could
 * not be asked, 'http-<status>' when it answered without one.
 */
export type SnapshotUploadResult =
	{ ok: true; id: string; takenAt: string } | { ok: false; error: string };

/** Every participant's calls. */
export interface SessionServer {
	refreshTicket(ticket: string): Promise<TicketRefresh>;
	/** Tells the server the session ended here (revokes its tickets). */
	end(reason: EndReason): Promise<void>;
}

/** An agent's calls, on top: the report's events, leaving and handing over, the recording. */
export interface AgentSessionServer extends SessionServer, RecordingServer {
	/** Stores a batch of report events; throws when it should be retried. */
	postEvents(events: RecordedEvent[]): Promise<void>;
	/** Leaves the session, handing ownership to `handOverTo` (a user ID) when given. */
	leave(handOverTo?: string): Promise<LeaveResult>;
	/** Stores a PNG of the customer's screen or camera with the session's report. */
	uploadSnapshot(png: Blob, meta: SnapshotMeta): Promise<SnapshotUploadResult>;
}

type Fetch = typeof fetch;

/** A server code as the pages may show it (never whatever text a proxy put in a body). */
const ERROR_CODE = /^[a-z][a-z0-9-]{0,39}$/;
/**
 * Refusals of a chunk that another try fixes: its body broke off on the way ('incomplete'), or
 * an earlier try of ours still held its place ('superseded').
 */
const RETRIED_CODES = new Set(['incomplete', 'superseded']);

/**
 * A recording call that did not work: the server's code (or 'unavailable' offline, 'http-<status>'
 * without one), and whether trying again later may work.
 */
async function recordingFailure(response: Response | null): Promise<RecordingFailure> {
	if (!response) return { ok: false, error: 'unavailable', retry: true };
	const body = (await response.json().catch(() => null)) as { error?: unknown } | null;
	const error =
		typeof body?.error === 'string' && ERROR_CODE.test(body.error)
			? body.error
			: `http-${response.status}`;
	// Storage full is final (507 is a 5xx); a 2xx without the expected body is a server bug.
	const retry =
		RETRIED_CODES.has(error) ||
		(response.status !== 507 && (response.status >= 500 || !isFinalRefusal(response.status)));
	return { ok: false, error, retry: retry && !response.ok };
}

async function send(fetchImpl: Fetch, url: string, init: RequestInit): Promise<Response | null> {
	try {
		return await fetchImpl(url, init);
	} catch {
		return null;
	}
}

const isIndex = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;

function postJson(fetchImpl: Fetch, url: string, body: unknown): Promise<Response> {
	return fetchImpl(url, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(body)
	});
}

async function refreshTicket(fetchImpl: Fetch, ticket: string): Promise<TicketRefresh> {
	let response: Response;
	try {
		response = await postJson(fetchImpl, '/api/tickets/refresh', { ticket });
	} catch {
		return { kind: 'unavailable' };
	}
	if (response.status === 410) {
		const body = (await response.json().catch(() => ({}))) as { reason?: EndReason };
		return { kind: 'ended', reason: body.reason };
	}
	if (!response.ok) return { kind: 'unavailable' };
	const body = (await response.json().catch(() => null)) as {
		ticket?: unknown;
		features?: Features;
		present?: unknown;
	} | null;
	if (!body || typeof body.ticket !== 'string') return { kind: 'unavailable' };
	return {
		kind: 'refreshed',
		ticket: body.ticket,
		features: body.features,
		present: Array.isArray(body.present)
			? body.present.filter((id): id is string => typeof id === 'string')
			: undefined
	};
}

/** The customer's side (the join page's session and an unattended device's). */
export function customerSessionServer(fetchImpl: Fetch = fetch): SessionServer {
	return {
		refreshTicket: (ticket) => refreshTicket(fetchImpl, ticket),
		async end(reason) {
			await postJson(fetchImpl, '/api/customer/end', { reason });
		}
	};
}

/** An agent's side of session `sessionId`. */
export function agentSessionServer(
	sessionId: string,
	fetchImpl: Fetch = fetch
): AgentSessionServer {
	const base = `/api/sessions/${encodeURIComponent(sessionId)}`;
	return {
		refreshTicket: (ticket) => refreshTicket(fetchImpl, ticket),
		async end(reason) {
			await postJson(fetchImpl, `${base}/end`, { reason });
		},
		async postEvents(events) {
			const response = await postJson(fetchImpl, `${base}/events`, { events });
			// Refused for good (or per event, in a 200's `refused`): dropped, not retried.
			if (!response.ok && !isFinalRefusal(response.status)) {
				throw new Error(`events not stored (${response.status})`);
			}
		},
		async leave(handOverTo) {
			const response = await postJson(fetchImpl, `${base}/leave`, handOverTo ? { handOverTo } : {});
			const result = (await response.json().catch(() => ({ ok: false }))) as LeaveResult;
			return result.ok ? { ok: true } : { ok: false, error: result.error };
		},
		async uploadSnapshot(png, meta) {
			const query = new URLSearchParams({
				source: meta.source,
				annotated: meta.annotated ? '1' : '0'
			});
			let response: Response;
			try {
				// The picture itself is the body: the server streams it to storage.
				response = await fetchImpl(`${base}/snapshots?${query}`, {
					method: 'POST',
					headers: { 'content-type': 'image/png' },
					body: png
				});
			} catch {
				return { ok: false, error: 'unavailable' };
			}
			const body = (await response.json().catch(() => null)) as {
				id?: unknown;
				takenAt?: unknown;
				error?: unknown;
			} | null;
			if (response.ok && typeof body?.id === 'string' && typeof body.takenAt === 'string') {
				return { ok: true, id: body.id, takenAt: body.takenAt };
			}
			if (typeof body?.error === 'string' && /^[a-z-]{1,40}$/.test(body.error)) {
				return { ok: false, error: body.error };
			}
			return { ok: false, error: `http-${response.status}` };
		},
		async startRecordingSegment(mimeType): Promise<SegmentStart> {
			const response = await send(fetchImpl, `${base}/recording/segments`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ mimeType })
			});
			if (response?.ok) {
				const body = (await response.json().catch(() => null)) as {
					recordingId?: unknown;
					segment?: unknown;
				} | null;
				if (typeof body?.recordingId === 'string' && isIndex(body.segment)) {
					return { ok: true, recordingId: body.recordingId, segment: body.segment };
				}
			}
			return recordingFailure(response);
		},
		async putRecordingChunk(segment, index, data): Promise<ChunkStored> {
			// The chunk itself is the body (the browser sets Content-Length from the Blob).
			const response = await send(
				fetchImpl,
				`${base}/recording/segments/${segment}/chunks/${index}`,
				{ method: 'PUT', headers: { 'content-type': 'video/webm' }, body: data }
			);
			if (response?.ok) {
				const body = (await response.json().catch(() => null)) as {
					stored?: unknown;
					duplicate?: unknown;
				} | null;
				if (body?.stored === true) return { ok: true, duplicate: body.duplicate === true };
			}
			return recordingFailure(response);
		},
		async endRecordingSegment(segment, end): Promise<SegmentEnd> {
			const response = await send(fetchImpl, `${base}/recording/segments/${segment}/end`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ chunks: end.chunks, durationMs: end.durationMs })
			});
			if (response?.ok) {
				const body = (await response.json().catch(() => null)) as { missing?: unknown } | null;
				if (Array.isArray(body?.missing)) {
					return { ok: true, missing: body.missing.filter(isIndex) };
				}
			}
			return recordingFailure(response);
		},
		async postRecordingProblem(problem) {
			const response = await send(fetchImpl, `${base}/recording/problems`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify(problem)
			});
			if (response?.ok) return { ok: true };
			return recordingFailure(response);
		}
	};
}
