import { fail } from '@sveltejs/kit';
import { m } from '$lib/paraglide/messages';
import type { Actions, PageServerLoad } from './$types';
import { passwordLinkHolder, setPasswordWithLink } from '$lib/server/password-links';
import { auditAddress } from '$lib/server/admin-access';
import { getRuntime } from '$lib/server/runtime';
import { localIssue } from '$lib/server/form-issues';
import { SetPasswordForm, formFields, v } from '$lib/server/schemas';

export const load: PageServerLoad = async ({ params, setHeaders }) => {
	// The token is in the URL: keep the page out of caches.
	setHeaders({ 'cache-control': 'no-store' });
	const runtime = await getRuntime();
	const holder = await passwordLinkHolder(runtime, params.token);
	return {
		holder: holder ? { name: holder.name, email: holder.email, purpose: holder.purpose } : null
	};
};

export const actions: Actions = {
	default: async ({ params, request, getClientAddress }) => {
		const runtime = await getRuntime();
		const parsed = v.safeParse(
			SetPasswordForm,
			formFields(await request.formData(), ['password', 'confirm'])
		);
		if (!parsed.success) return fail(400, { error: localIssue(parsed.issues, {}) });
		const result = await setPasswordWithLink(
			runtime,
			params.token,
			parsed.output.password,
			auditAddress(getClientAddress)
		);
		if (!result.ok) {
			return fail(400, { error: m.agent_setpw_expired() });
		}
		return { done: true, email: result.email };
	}
};
