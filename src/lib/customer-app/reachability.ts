/**
 * Whether the Ponte server answers: the browser's online flag alone says nothing about a server
 * that is down or a captive network. Checks at once, on every online/offline change, and every
 * few seconds while unreachable; returns the function that stops watching.
 */
export function watchReachability(
	onChange: (reachable: boolean) => void,
	retryMs = 5_000
): () => void {
	let stopped = false;
	let timer: ReturnType<typeof setTimeout> | undefined;
	let last: boolean | null = null;

	async function check() {
		clearTimeout(timer);
		let reachable = navigator.onLine;
		if (reachable) {
			try {
				const response = await fetch('/healthz', { cache: 'no-store' });
				reachable = response.ok;
			} catch {
				reachable = false;
			}
		}
		if (stopped) return;
		if (reachable !== last) {
			last = reachable;
			onChange(reachable);
		}
		if (!reachable) timer = setTimeout(check, retryMs);
	}

	const recheck = () => void check();
	addEventListener('online', recheck);
	addEventListener('offline', recheck);
	void check();
	return () => {
		stopped = true;
		clearTimeout(timer);
		removeEventListener('online', recheck);
		removeEventListener('offline', recheck);
	};
}
