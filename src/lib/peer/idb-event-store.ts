import { createStore, del, get, set } from 'idb-keyval';
import type { EventStore, RecordedEvent } from '$lib/session/recorder';

/** Unsent session events kept in IndexedDB, so a closed tab or a server outage loses nothing. */
export function idbEventStore(sessionId: string): EventStore {
	const store = createStore('ponte-agent', 'pending-events');
	const key = `events:${sessionId}`;
	return {
		async load() {
			return ((await get(key, store)) as RecordedEvent[] | undefined) ?? [];
		},
		async save(events) {
			if (events.length === 0) await del(key, store);
			else await set(key, events, store);
		}
	};
}
