import type { SessionUser } from './auth';
import type { SupportSessionsTable } from './db/schema';
import { participationOf, stintsOf } from './participants';
import type { Runtime } from './runtime';
import { BROWSER_EVENT_DATA, isBrowserEventType, v } from './schemas';

export interface IncomingEvent {
	id: string;
	type: string;
	at: number;
	data: Record<string, unknown>;
}

const MAX_EVENT_DATA_BYTES = 16 * 1024;
/** How deeply an event's data may nest (the page's own events nest at most one level). */
export const MAX_EVENT_DATA_DEPTH = 8;
/** A batch's body, checked before it is parsed (adapter-node's own limit is 512 KB). */
export const MAX_EVENTS_BODY_BYTES = 512 * 1024;
/** How far an event's time may stray outside the session (the agent's clock is not ours). */
export const CLOCK_SKEW_MS = 30_000;

export type EventRefusal = 'type' | 'data' | 'time' | 'not-present';

/**
 * Which events of a batch this user may add to the session's record. Late delivery is fine (a
 * page queues events while the server is away), so an ended session still takes events — but
 * only of a type a page may write, with data of that type's shape, dated within the session's
 * life, from someone who was one of its agents at that time. The rest is refused for good: the
 * page drops it rather than retrying.
 */
export async function admitEvents(
	runtime: Runtime,
	session: Pick<SupportSessionsTable, 'id' | 'agent_id' | 'created_at' | 'ended_at'>,
	user: SessionUser,
	events: IncomingEvent[],
	now = Date.now()
): Promise<{ admitted: IncomingEvent[]; refused: { id: string; reason: EventRefusal }[] }> {
	const participation = await participationOf(runtime.db, session.id, user.id);
	// Each stint of presence counts on its own: an agent who left and came back wrote nothing in
	// between. The page's clock may be a little off ours, except after leaving: nothing is taken
	// from after that moment (else a former agent could keep writing for the skew's length). The
	// owner may record before their viewer first opened (no place in the session yet).
	const stints = participation ? await stintsOf(runtime.db, session.id, participation.peer_id) : [];
	const presence = participation
		? (stints.length > 0 ? stints : [participation]).map((stint) => ({
				from: stint.joined_at - CLOCK_SKEW_MS,
				to: stint.left_at ?? now + CLOCK_SKEW_MS
			}))
		: session.agent_id === user.id
			? [
					{
						from: session.created_at - CLOCK_SKEW_MS,
						to: (session.ended_at ?? now) + CLOCK_SKEW_MS
					}
				]
			: null;
	const within = (at: number, span: { from: number; to: number }) =>
		at >= span.from && at <= span.to;
	const life = {
		from: session.created_at - CLOCK_SKEW_MS,
		to: (session.ended_at ?? now) + CLOCK_SKEW_MS
	};
	const admitted: IncomingEvent[] = [];
	const refused: { id: string; reason: EventRefusal }[] = [];
	for (const event of events) {
		if (!presence) {
			refused.push({ id: event.id, reason: 'not-present' });
			continue;
		}
		if (!isBrowserEventType(event.type)) {
			refused.push({ id: event.id, reason: 'type' });
			continue;
		}
		if (!within(event.at, life)) {
			refused.push({ id: event.id, reason: 'time' });
			continue;
		}
		if (!presence.some((span) => within(event.at, span))) {
			refused.push({ id: event.id, reason: 'not-present' });
			continue;
		}
		const data = v.safeParse(BROWSER_EVENT_DATA[event.type], event.data);
		if (!data.success) {
			refused.push({ id: event.id, reason: 'data' });
			continue;
		}
		admitted.push({ ...event, data: data.output });
	}
	return { admitted, refused };
}

/**
 * Stores a batch in one transaction; an event whose ID is already stored for the session is
 * skipped — never overwritten, whatever the repeat carries — so a retried batch is never
 * duplicated and a record, once written, stays as it was. Returns how many were new.
 */
export async function ingestEvents(
	runtime: Runtime,
	sessionId: string,
	actor: string | null,
	events: IncomingEvent[]
): Promise<number> {
	const now = Date.now();
	return runtime.db.transaction().execute(async (trx) => {
		let stored = 0;
		for (const event of events) {
			const data = JSON.stringify(event.data);
			if (data.length > MAX_EVENT_DATA_BYTES) continue;
			const result = await trx
				.insertInto('session_events')
				.values({
					id: event.id,
					session_id: sessionId,
					type: event.type,
					at: event.at,
					actor,
					data,
					received_at: now
				})
				.onConflict((oc) => oc.columns(['session_id', 'id']).doNothing())
				.executeTakeFirst();
			stored += Number(result.numInsertedOrUpdatedRows ?? 0);
		}
		return stored;
	});
}
