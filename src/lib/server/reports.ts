import { sql } from 'kysely';
import { locale } from '$lib/i18n/locale.svelte';
import { m } from '$lib/paraglide/messages';
import { messageLocale } from '$lib/format';
import { describeEvent, fileDirection, recordedText } from '$lib/report-text';
import type { SessionUser } from './auth';
import { toCsv } from './csv';
import { nestingDepth } from './bounded-json';
import type { Runtime } from './runtime';
import { snapshotsOf } from './snapshots';
import type { SupportSessionsTable } from './db/schema';

export { describeEvent, fileDirection };

export const REPORTS_PAGE_SIZE = 25;

export interface ReportFilter {
	customer: string;
	/** Inclusive bounds on when the session was created, milliseconds since the epoch. */
	from: number | null;
	to: number | null;
	page: number;
}

/** Sessions for the reports list: an agent's own (and those they joined), everyone's for admins. */
export async function listReports(runtime: Runtime, user: SessionUser, filter: ReportFilter) {
	const { db } = runtime;
	let query = db.selectFrom('support_sessions as s').innerJoin('users as u', 'u.id', 's.agent_id');
	if (user.role !== 'admin') {
		query = query.where((eb) =>
			eb.or([
				eb('s.agent_id', '=', user.id),
				eb.exists(
					eb
						.selectFrom('session_participants as p')
						.select('p.peer_id')
						.whereRef('p.session_id', '=', 's.id')
						.where('p.user_id', '=', user.id)
				)
			])
		);
	}
	if (filter.customer) {
		const pattern = `%${filter.customer.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
		// lower() on both sides: SQLite's LIKE ignores ASCII case, PostgreSQL's does not.
		query = query.where(sql<boolean>`lower(s.customer_name) like lower(${pattern}) escape '\\'`);
	}
	if (filter.from !== null) query = query.where('s.created_at', '>=', filter.from);
	if (filter.to !== null) query = query.where('s.created_at', '<=', filter.to);

	const { total } = await query
		.select((eb) => eb.fn.countAll<number>().as('total'))
		.executeTakeFirstOrThrow();
	const rows = await query
		.select([
			's.id',
			's.status',
			's.customer_name',
			's.created_at',
			's.joined_at',
			's.ended_at',
			's.end_reason',
			's.code_expires_at',
			'u.name as agent_name'
		])
		.orderBy('s.created_at', 'desc')
		.orderBy('s.id')
		.limit(REPORTS_PAGE_SIZE)
		.offset((filter.page - 1) * REPORTS_PAGE_SIZE)
		.execute();
	const now = Date.now();
	return {
		total: Number(total),
		pages: Math.max(1, Math.ceil(Number(total) / REPORTS_PAGE_SIZE)),
		rows: rows.map((row) => ({
			id: row.id,
			customerName: row.customer_name,
			agentName: row.agent_name,
			createdAt: row.created_at,
			startedAt: row.joined_at,
			durationMs: row.joined_at === null ? null : (row.ended_at ?? now) - row.joined_at,
			status: displayStatus(row, now),
			endReason: row.end_reason
		}))
	};
}

function displayStatus(
	row: Pick<SupportSessionsTable, 'status' | 'code_expires_at'>,
	now: number
): 'waiting' | 'active' | 'ended' {
	return row.status === 'waiting' && row.code_expires_at <= now ? 'ended' : row.status;
}

export interface ReportEvent {
	id: string;
	type: string;
	at: number;
	/** User ID of whoever recorded it (the agent's browser) or caused it; null for the server. */
	actor: string | null;
	actorName: string | null;
	data: Record<string, unknown>;
	/** In the language the report was built in (exports: the agent's). */
	description: string;
}

export interface ChatLine {
	id: string;
	at: number;
	name: string;
	role: string;
	text: string;
}

export interface FileLine {
	id: string;
	at: number;
	name: string;
	size: number | null;
	/** "to-agent", "to-customer", or as recorded when unknown. */
	direction: string;
	result: string;
	sha256: string | null;
}

export interface ScreenInterval {
	start: number;
	end: number;
}

const text = recordedText;

const SHARE_ENDS = new Set([
	'screen.stopped',
	'screen.declined',
	'screen.not-shared',
	'customer.disconnected',
	'session.ended'
]);

/** When the customer's screen was shown, from the screen events (ordered by time). */
export function screenShareIntervals(
	events: readonly { type: string; at: number }[],
	endAt: number
): ScreenInterval[] {
	const intervals: ScreenInterval[] = [];
	let start: number | null = null;
	for (const event of events) {
		if (event.type === 'screen.sharing') {
			start ??= event.at;
		} else if (SHARE_ENDS.has(event.type) && start !== null) {
			intervals.push({ start, end: Math.max(start, event.at) });
			start = null;
		}
	}
	if (start !== null) intervals.push({ start, end: Math.max(start, endAt) });
	return intervals;
}

/** Bounds on stored data a report shows: older rows were stored before the edge checked them. */
const MAX_SHOWN_DATA_BYTES = 64 * 1024;
const MAX_SHOWN_DATA_DEPTH = 8;

function parseData(raw: string): Record<string, unknown> {
	// Too big or too deep to show (or to serialise for the page): shown as no data, not a 500.
	if (raw.length > MAX_SHOWN_DATA_BYTES || nestingDepth(raw) > MAX_SHOWN_DATA_DEPTH) return {};
	try {
		const value: unknown = JSON.parse(raw);
		return value && typeof value === 'object' && !Array.isArray(value)
			? (value as Record<string, unknown>)
			: {};
	} catch {
		return {};
	}
}

/** Everything a session's report shows and its exports carry (descriptions in `lang`). */
export async function sessionReport(runtime: Runtime, sessionId: string, lang: string = locale()) {
	const { db } = runtime;
	const session = await db
		.selectFrom('support_sessions as s')
		.innerJoin('users as u', 'u.id', 's.agent_id')
		.leftJoin('users as e', 'e.id', 's.ended_by')
		.select([
			's.id',
			's.status',
			's.customer_name',
			's.created_at',
			's.joined_at',
			's.ended_at',
			's.end_reason',
			's.code_expires_at',
			'u.name as agent_name',
			'u.email as agent_email',
			'e.name as ended_by_name'
		])
		.where('s.id', '=', sessionId)
		.executeTakeFirst();
	if (!session) return null;
	const participants = await db
		.selectFrom('session_participants')
		.select(['role', 'name', 'joined_at', 'left_at'])
		.where('session_id', '=', sessionId)
		.orderBy('joined_at')
		.execute();
	const rows = await db
		.selectFrom('session_events as ev')
		.leftJoin('users as a', 'a.id', 'ev.actor')
		.select(['ev.id', 'ev.type', 'ev.at', 'ev.actor', 'ev.data', 'a.name as actor_name'])
		.where('ev.session_id', '=', sessionId)
		.orderBy('ev.at')
		.orderBy('ev.seq')
		.execute();
	const events: ReportEvent[] = rows.map((row) => {
		const data = parseData(row.data);
		return {
			id: row.id,
			type: row.type,
			at: row.at,
			actor: row.actor,
			actorName: row.actor_name,
			data,
			description: describeEvent(row.type, data, lang)
		};
	});

	const now = Date.now();
	const status = displayStatus(session, now);
	const endAt = session.ended_at ?? (status === 'ended' ? session.code_expires_at : now);
	const chat: ChatLine[] = events
		.filter((e) => e.type === 'chat')
		.map((e) => ({
			id: e.id,
			at: typeof e.data.sentAt === 'number' ? e.data.sentAt : e.at,
			name: text(e.data.name, 200),
			role: text(e.data.role, 20),
			text: text(e.data.text)
		}));
	const files: FileLine[] = events
		.filter((e) => e.type === 'file')
		.map((e) => ({
			id: e.id,
			at: e.at,
			name: text(e.data.name, 300),
			size: typeof e.data.size === 'number' ? e.data.size : null,
			direction: fileDirection(e.data.direction),
			result: text(e.data.result, 100),
			sha256: typeof e.data.sha256 === 'string' ? e.data.sha256.slice(0, 128) : null
		}));
	const screenEvents = events.filter((e) => e.type.startsWith('screen.'));
	const screenIntervals = screenShareIntervals(events, endAt);
	const snapshots = await snapshotsOf(runtime, sessionId);
	return {
		session: {
			id: session.id,
			status,
			customerName: session.customer_name,
			agentName: session.agent_name,
			agentEmail: session.agent_email,
			createdAt: session.created_at,
			startedAt: session.joined_at,
			endedAt: session.ended_at,
			endReason: session.end_reason ?? (status === 'ended' ? 'expired' : null),
			endedByName: session.ended_by_name
		},
		participants: participants.map((p) => ({
			role: p.role,
			name: p.name,
			joinedAt: p.joined_at,
			leftAt: p.left_at
		})),
		durations: {
			waitingMs: session.joined_at === null ? null : session.joined_at - session.created_at,
			sessionMs: session.joined_at === null ? null : endAt - session.joined_at,
			screenShareMs: screenIntervals.reduce((sum, i) => sum + (i.end - i.start), 0)
		},
		events,
		chat,
		files,
		screenEvents,
		screenIntervals,
		snapshots
	};
}

export type SessionReport = NonNullable<Awaited<ReturnType<typeof sessionReport>>>;

/** The JSON export: the session, and every event as stored (chat text included). */
export function reportJson(report: SessionReport, exportedAt = Date.now()) {
	const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
	return {
		format: 'ponte-session-report',
		version: 1,
		exportedAt: iso(exportedAt),
		session: {
			...report.session,
			createdAt: iso(report.session.createdAt),
			startedAt: iso(report.session.startedAt),
			endedAt: iso(report.session.endedAt)
		},
		durations: report.durations,
		participants: report.participants.map((p) => ({
			...p,
			joinedAt: iso(p.joinedAt),
			leftAt: iso(p.leftAt)
		})),
		events: report.events.map((e) => ({
			id: e.id,
			type: e.type,
			at: iso(e.at),
			actor: e.actorName,
			actorId: e.actor,
			description: e.description,
			data: e.data
		})),
		// The pictures themselves are downloads of the report page; here, what identifies each.
		snapshots: report.snapshots.map((snapshot) => ({
			id: snapshot.id,
			takenAt: iso(snapshot.takenAt),
			takenBy: snapshot.takenByName,
			source: snapshot.source,
			annotated: snapshot.annotated,
			size: snapshot.size,
			sha256: snapshot.sha256
		}))
	};
}

/** The CSV header row, in the export's language. */
export function reportCsvHeader(lang: string = locale()): string[] {
	const options = { locale: messageLocale(lang) };
	return [
		m.agent_csv_time({}, options),
		m.agent_csv_session({}, options),
		m.agent_csv_event({}, options),
		m.agent_csv_type({}, options),
		m.agent_csv_recorded_by({}, options),
		m.agent_csv_description({}, options),
		m.agent_csv_data({}, options)
	];
}

/**
 * The CSV export: one row per event. Headers and descriptions in `lang` (build the report in
 * the same language); times (ISO 8601), IDs, types and data stay as recorded.
 */
export function reportCsv(report: SessionReport, lang: string = locale()): string {
	const server = m.agent_csv_server({}, { locale: messageLocale(lang) });
	return toCsv([
		reportCsvHeader(lang),
		...report.events.map((e) => [
			new Date(e.at).toISOString(),
			report.session.id,
			e.id,
			e.type,
			e.actorName ?? (e.actor ? e.actor : server),
			e.description,
			JSON.stringify(e.data)
		])
	]);
}
