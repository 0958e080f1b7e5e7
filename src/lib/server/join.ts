import { fail, redirect, type RequestEvent } from '@sveltejs/kit';
import { getRuntime } from './runtime';
import { JoinForm, firstIssue, formFields, v } from './schemas';
import { claimSessionCode } from './support-sessions';

export const CUSTOMER_COOKIE = 'ponte_customer';
export const INVALID_CODE_MESSAGE =
	'This code is not valid or has expired. Check the 9 digits with your support agent.';
export const RATE_LIMITED_MESSAGE = 'Too many attempts, try again later.';

/** The join form action, used by `/` and `/join/[code]`: works without JavaScript. */
export async function joinAction(event: RequestEvent) {
	const runtime = await getRuntime();
	const fields = formFields(await event.request.formData(), ['code', 'name']);
	const values = { code: String(fields.code ?? ''), name: String(fields.name ?? '') };
	const parsed = v.safeParse(JoinForm, fields);
	if (!parsed.success) return fail(400, { ...values, error: firstIssue(parsed.issues) });

	const result = await claimSessionCode(runtime, {
		code: parsed.output.code,
		customerName: parsed.output.name,
		clientAddress: event.getClientAddress()
	});
	if (!result.ok) {
		return result.reason === 'rate-limited'
			? fail(429, { ...values, error: RATE_LIMITED_MESSAGE })
			: fail(400, { ...values, error: INVALID_CODE_MESSAGE });
	}
	event.cookies.set(CUSTOMER_COOKIE, result.ticket, {
		path: '/',
		httpOnly: true,
		sameSite: 'strict',
		secure: event.url.protocol === 'https:',
		maxAge: 24 * 60 * 60
	});
	redirect(303, '/session');
}
