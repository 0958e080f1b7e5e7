/** How times and durations read on the console pages and in reports. */

export function formatDateTime(ms: number | null | undefined): string {
	if (ms === null || ms === undefined) return '—';
	return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

export function formatTime(ms: number): string {
	return new Date(ms).toLocaleTimeString(undefined, { timeStyle: 'medium' });
}

/** "1 h 02 min", "4 min 05 s", "12 s". */
export function formatDuration(ms: number | null | undefined): string {
	if (ms === null || ms === undefined || ms < 0) return '—';
	const seconds = Math.round(ms / 1000);
	const h = Math.floor(seconds / 3600);
	const m = Math.floor((seconds % 3600) / 60);
	const s = seconds % 60;
	if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
	if (m > 0) return `${m} min ${String(s).padStart(2, '0')} s`;
	return `${s} s`;
}

export const END_REASON_LABELS: Record<string, string> = {
	customer: 'Ended by customer',
	agent: 'Ended by agent',
	'connection-lost': 'Connection lost',
	expired: 'Code expired'
};

export function formatBytes(bytes: number): string {
	if (bytes < 1024) return `${bytes} B`;
	const units = ['KB', 'MB', 'GB', 'TB'];
	let value = bytes / 1024;
	let unit = 0;
	while (value >= 1024 && unit < units.length - 1) {
		value /= 1024;
		unit++;
	}
	return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
