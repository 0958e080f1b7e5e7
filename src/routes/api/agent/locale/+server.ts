import { error, json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { LocaleChoice, saveAgentLocale, setLocaleCookie } from '$lib/server/agent-locale';
import { getRuntime } from '$lib/server/runtime';
import { firstIssue, v } from '$lib/server/schemas';

/** The console's language switcher: saves the choice on the account and in the cookie. */
export const POST: RequestHandler = async ({ locals, request, cookies, url }) => {
	if (!locals.user) error(401, 'Not logged in');
	const body: unknown = await request.json().catch(() => null);
	const parsed = v.safeParse(LocaleChoice, body);
	if (!parsed.success) error(400, firstIssue(parsed.issues));
	const runtime = await getRuntime();
	await saveAgentLocale(runtime, locals.user.id, parsed.output.locale);
	setLocaleCookie(cookies, parsed.output.locale, url.protocol === 'https:');
	return json({ ok: true, locale: parsed.output.locale });
};
