import { invalidateAll } from '$app/navigation';
import { navigating } from '$app/state';

/**
 * Refreshes the page's data every `ms` while `wanted()` holds; returns the stop. Never while a
 * navigation runs: SvelteKit lets an invalidation win over a navigation in flight, so a refresh
 * then would cancel the move the user asked for (a Connect opening its session, say).
 */
export function refreshEvery(ms: number, wanted: () => boolean = () => true): () => void {
	const timer = setInterval(() => {
		if (wanted() && !navigating.to) void invalidateAll();
	}, ms);
	return () => clearInterval(timer);
}
