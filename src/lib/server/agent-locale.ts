import type { Cookies } from '@sveltejs/kit';
import * as v from 'valibot';
import { cookieMaxAge, cookieName, isLocale, locales, type Locale } from '$lib/paraglide/runtime';
import type { Runtime } from './runtime';

/**
 * An agent's language, kept on their account: the console opens in it on any browser (login
 * sets the locale cookie from it) and their report exports use it. NULL: none chosen, the
 * browser's languages decide.
 */

/** The body of a language change: one of the catalogue's locales, or null for the browser's. */
export const LocaleChoice = v.object({
	locale: v.nullable(v.picklist(locales, 'Unknown language'))
});

export async function agentLocale(runtime: Runtime, userId: string): Promise<Locale | null> {
	const row = await runtime.db
		.selectFrom('users')
		.select('locale')
		.where('id', '=', userId)
		.executeTakeFirst();
	// A language dropped from the catalogue since it was saved counts as none.
	return row?.locale && isLocale(row.locale) ? row.locale : null;
}

export async function saveAgentLocale(
	runtime: Runtime,
	userId: string,
	locale: Locale | null
): Promise<void> {
	await runtime.db.updateTable('users').set({ locale }).where('id', '=', userId).execute();
}

/**
 * The cookie the pages read their language from (Paraglide's, readable by the page's script so
 * the switcher can change it in place); null removes it, so the browser's languages apply.
 */
export function setLocaleCookie(cookies: Cookies, locale: Locale | null, secure: boolean): void {
	if (locale === null) {
		cookies.delete(cookieName, { path: '/' });
		return;
	}
	cookies.set(cookieName, locale, {
		path: '/',
		httpOnly: false,
		sameSite: 'lax',
		secure,
		maxAge: cookieMaxAge
	});
}
