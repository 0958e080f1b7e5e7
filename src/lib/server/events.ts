import type { Runtime } from './runtime';

export interface IncomingEvent {
	id: string;
	type: string;
	at: number;
	data: Record<string, unknown>;
}

const MAX_EVENT_DATA_BYTES = 16 * 1024;

/**
 * Stores a batch in one transaction; an event whose ID is already stored for the session is
 * skipped, so a retried batch is never duplicated. Returns how many were new.
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
