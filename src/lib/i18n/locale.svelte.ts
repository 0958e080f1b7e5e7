/**
 * The page's locale as Svelte state. Paraglide's messages call `getLocale()`; in the browser that
 * reads this state, so every `m.…()` in a template re-renders when the language changes, without
 * reloading the page (a reload would drop a live support session). On the server Paraglide keeps
 * the request's locale in AsyncLocalStorage and this module leaves it alone.
 */
import {
	baseLocale,
	getLocale as paraglideLocale,
	isLocale,
	locales,
	overwriteGetLocale,
	setLocale as paraglideSetLocale,
	type Locale
} from '$lib/paraglide/runtime';

export type { Locale };
export { locales };

const browser = typeof window !== 'undefined';

let current = $state<Locale>(browser ? paraglideLocale() : baseLocale);

if (browser) overwriteGetLocale(() => current);

/** The locale the page shows now. */
export function locale(): Locale {
	return browser ? current : paraglideLocale();
}

/** Switches the page's language in place and remembers it in the locale cookie. */
export function switchLocale(next: string): void {
	if (!isLocale(next) || !browser) return;
	// Only the cookie strategy writes here, synchronously; no custom strategy returns a promise.
	void paraglideSetLocale(next, { reload: false });
	current = next;
	document.documentElement.lang = next;
}

/** A locale's own name for itself ("English", "Italiano"), for switchers. */
export function localeName(code: Locale): string {
	const name = new Intl.DisplayNames([code], { type: 'language' }).of(code) ?? code;
	return name.charAt(0).toLocaleUpperCase(code) + name.slice(1);
}
