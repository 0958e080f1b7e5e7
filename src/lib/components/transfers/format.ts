/** Sizes, speeds and durations as people read them (binary multiples, short units). */

const SIZE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;

export function formatBytes(bytes: number): string {
	if (!Number.isFinite(bytes) || bytes < 0) return '';
	let value = bytes;
	let unit = 0;
	while (value >= 1024 && unit < SIZE_UNITS.length - 1) {
		value /= 1024;
		unit++;
	}
	if (unit === 0) return `${value} B`;
	// One decimal while it matters (1.5 MB), none once the number is big (340 MB).
	const shown = value < 10 ? value.toFixed(1) : Math.round(value).toString();
	return `${shown} ${SIZE_UNITS[unit]}`;
}

export function formatSpeed(bytesPerSecond: number): string {
	if (!Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) return '';
	return `${formatBytes(Math.round(bytesPerSecond))}/s`;
}

/** "45 s", "3 min 5 s", "2 h 10 min"; empty when unknown. */
export function formatDuration(seconds: number | null): string {
	if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '';
	const whole = Math.ceil(seconds);
	if (whole < 60) return `${whole} s`;
	if (whole < 3600) {
		const minutes = Math.floor(whole / 60);
		const rest = whole % 60;
		return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
	}
	const hours = Math.floor(whole / 3600);
	const minutes = Math.floor((whole % 3600) / 60);
	return minutes === 0 ? `${hours} h` : `${hours} h ${minutes} min`;
}
