import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { m } from '$lib/paraglide/messages';
import { agentLocale, setLocaleCookie } from '$lib/server/agent-locale';
import { setSessionCookie } from '$lib/server/auth';
import { DEVICE_COOKIE, setDeviceCookie } from '$lib/server/device-cookie';
import { attemptLogin, openLogin } from '$lib/server/login';
import { formatWait } from '$lib/format';
import { getLocale } from '$lib/paraglide/runtime';
import { safeNextPath } from '$lib/server/redirects';
import { getRuntime } from '$lib/server/runtime';
import { localIssue } from '$lib/server/form-issues';
import { LoginForm, formFields, v } from '$lib/server/schemas';

export const load: PageServerLoad = ({ locals, url }) => {
	if (locals.user) redirect(303, safeNextPath(url.searchParams.get('next')));
};

export const actions: Actions = {
	default: async (event) => {
		const runtime = await getRuntime();
		const fields = formFields(await event.request.formData(), ['email', 'password']);
		const email = String(fields.email ?? '');
		const parsed = v.safeParse(LoginForm, fields);
		if (!parsed.success)
			return fail(400, {
				email,
				error: localIssue(parsed.issues, {
					email: m.agent_login_email(),
					password: m.agent_login_password()
				})
			});

		const address = event.getClientAddress();
		const attempt = await attemptLogin(runtime, {
			...parsed.output,
			address,
			deviceToken: event.cookies.get(DEVICE_COOKIE)
		});
		if (!attempt.ok && attempt.error === 'address-limited') {
			return fail(429, { email, error: m.agent_login_too_many() });
		}
		if (!attempt.ok && attempt.error === 'account-delayed') {
			const wait = formatWait(attempt.retryAfterMs, getLocale());
			return fail(429, { email, error: m.agent_login_account_delayed({ wait }) });
		}
		if (!attempt.ok) return fail(400, { email, error: m.agent_login_wrong() });
		const { user } = attempt;
		const token = await openLogin(runtime, user, address);
		setSessionCookie(event.cookies, token, event.url.protocol === 'https:');
		// This browser may log in to this account again even while strangers' guesses delay it.
		setDeviceCookie(event.cookies, attempt.deviceToken, event.url.protocol === 'https:');
		// The console opens in the agent's own language, whatever this browser had.
		const locale = await agentLocale(runtime, user.id);
		if (locale) setLocaleCookie(event.cookies, locale, event.url.protocol === 'https:');
		redirect(303, safeNextPath(event.url.searchParams.get('next')));
	}
};
