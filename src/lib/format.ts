/**
 * How times, durations, sizes and speeds read on every page and in reports, in the page's locale
 * (or the one given: a report exported in the agent's language).
 */
import { locale } from '$lib/i18n/locale.svelte';
import { m } from '$lib/paraglide/messages';
import { baseLocale, isLocale, type Locale } from '$lib/paraglide/runtime';

export function formatDateTime(ms: number | null | undefined, lang: string = locale()): string {
	if (ms === null || ms === undefined) return '—';
	return new Date(ms).toLocaleString(lang, { dateStyle: 'medium', timeStyle: 'medium' });
}

export function formatTime(ms: number, lang: string = locale()): string {
	return new Date(ms).toLocaleTimeString(lang, { timeStyle: 'medium' });
}

/** Hours and minutes ("14:05", "2:05 PM"), for chat lines. */
export function formatTimeShort(ms: number, lang: string = locale()): string {
	return new Date(ms).toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' });
}

/** A count with the locale's grouping ("10,000", "10.000"). */
export function formatNumber(value: number, lang: string = locale()): string {
	return new Intl.NumberFormat(lang).format(value);
}

function unit(value: number, name: string, lang: string): string {
	return new Intl.NumberFormat(lang, { style: 'unit', unit: name, unitDisplay: 'short' }).format(
		value
	);
}

function pair(lang: string, parts: string[]): string {
	return new Intl.ListFormat(lang, { style: 'narrow', type: 'unit' }).format(parts);
}

/** A whole number of seconds as "45 sec", "3 min 5 sec", "2 hr 10 min" (per locale). */
function formatSeconds(whole: number, lang: string): string {
	if (whole < 60) return unit(whole, 'second', lang);
	if (whole < 3600) {
		const minutes = Math.floor(whole / 60);
		const rest = whole % 60;
		const shown = unit(minutes, 'minute', lang);
		return rest === 0 ? shown : pair(lang, [shown, unit(rest, 'second', lang)]);
	}
	const hours = Math.floor(whole / 3600);
	const minutes = Math.floor((whole % 3600) / 60);
	const shown = unit(hours, 'hour', lang);
	return minutes === 0 ? shown : pair(lang, [shown, unit(minutes, 'minute', lang)]);
}

/** A length of time in milliseconds (a session); "—" when unknown. */
export function formatDuration(ms: number | null | undefined, lang: string = locale()): string {
	if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
	return formatSeconds(Math.round(ms / 1000), lang);
}

/** Time left in seconds, rounded up (a transfer's estimate); empty when unknown. */
export function formatTimeLeft(seconds: number | null, lang: string = locale()): string {
	if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '';
	return formatSeconds(Math.ceil(seconds), lang);
}

/**
 * A wait before trying again, in words and rounded up: "2 seconds" under a minute, else whole
 * minutes ("2 minutes", "15 minuti"), so it never promises less than the real wait.
 */
export function formatWait(ms: number, lang: string = locale()): string {
	const seconds = Math.max(1, Math.ceil(ms / 1000));
	const [value, name] = seconds < 60 ? [seconds, 'second'] : [Math.ceil(seconds / 60), 'minute'];
	return new Intl.NumberFormat(lang, { style: 'unit', unit: name, unitDisplay: 'long' }).format(
		value
	);
}

/** How a session ended, in words ("Ended by customer"); an unknown reason reads as itself. */
export function endReasonLabel(reason: string | null | undefined, lang: string = locale()): string {
	const options = { locale: messageLocale(lang) };
	switch (reason) {
		case 'customer':
			return m.agent_end_reason_customer({}, options);
		case 'agent':
			return m.agent_end_reason_agent({}, options);
		case 'connection-lost':
			return m.agent_end_reason_connection_lost({}, options);
		case 'expired':
			return m.agent_end_reason_expired({}, options);
		default:
			return reason ?? '';
	}
}

/** A BCP 47 tag ("it-IT") as one of the message locales, English when there is none. */
export function messageLocale(lang: string): Locale {
	if (isLocale(lang)) return lang;
	const language = lang.split('-')[0];
	return isLocale(language) ? language : baseLocale;
}

const SIZE_UNITS = ['kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;

/** "512 B", "1.5 kB", "340 MB" (binary multiples, short units); empty when not a size. */
export function formatBytes(bytes: number, lang: string = locale()): string {
	if (!Number.isFinite(bytes) || bytes < 0) return '';
	if (bytes < 1024) return `${formatNumber(bytes, lang)} B`;
	let value = bytes / 1024;
	let index = 0;
	while (value >= 1024 && index < SIZE_UNITS.length - 1) {
		value /= 1024;
		index++;
	}
	// One decimal while it matters (1.5 MB), none once the number is big (340 MB).
	const digits = value < 10 ? 1 : 0;
	return new Intl.NumberFormat(lang, {
		style: 'unit',
		unit: SIZE_UNITS[index],
		unitDisplay: 'short',
		minimumFractionDigits: digits,
		maximumFractionDigits: digits
	}).format(value);
}

export function formatSpeed(bytesPerSecond: number, lang: string = locale()): string {
	if (!Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) return '';
	return `${formatBytes(Math.round(bytesPerSecond), lang)}/s`;
}
