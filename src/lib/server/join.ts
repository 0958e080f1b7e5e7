import { fail, redirect, type RequestEvent } from '@sveltejs/kit';
import { getRuntime } from './runtime';
import { JoinForm, firstIssue, formFields, v } from './schemas';
import type { JoinErrorCode } from '$lib/join-errors';
import { claimSessionCode } from './support-sessions';

export const CUSTOMER_COOKIE = 'ponte_customer';
export const INVALID_CODE_MESSAGE =
	'This code is not valid or has expired. Check the 9 digits with your support agent.';
export const RATE_LIMITED_MESSAGE = 'Too many attempts, try again later.';

/**
 * Which rule a join form broke, as a stable code: the page words it in the customer's language
 * (the English `error` stays in the answer for scripts and logs).
 */
export function joinIssueCode(issues: v.BaseIssue<unknown>[]): JoinErrorCode {
	const issue = issues[0];
	const field = issue?.path?.[0]?.key;
	if (field === 'name') {
		if (issue.type === 'max_length') return 'name-too-long';
		if (issue.type === 'regex') return 'name-invalid';
		return 'name-missing';
	}
	return issue?.type === 'max_length' ? 'code-format' : 'code-missing';
}

/** The join form action, used by `/` and `/join/[code]`: works without JavaScript. */
export async function joinAction(event: RequestEvent) {
	const runtime = await getRuntime();
	const fields = formFields(await event.request.formData(), ['code', 'name']);
	const values = { code: String(fields.code ?? ''), name: String(fields.name ?? '') };
	const parsed = v.safeParse(JoinForm, fields);
	if (!parsed.success) {
		return fail(400, {
			...values,
			error: firstIssue(parsed.issues),
			errorCode: joinIssueCode(parsed.issues)
		});
	}

	const result = await claimSessionCode(runtime, {
		code: parsed.output.code,
		customerName: parsed.output.name,
		clientAddress: event.getClientAddress()
	});
	if (!result.ok) {
		return result.reason === 'rate-limited'
			? fail(429, {
					...values,
					error: RATE_LIMITED_MESSAGE,
					errorCode: 'rate-limited' as JoinErrorCode
				})
			: fail(400, {
					...values,
					error: INVALID_CODE_MESSAGE,
					errorCode: 'invalid-code' as JoinErrorCode
				});
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
