import * as v from 'valibot';
import { MAX_NAME_LENGTH } from '$lib/session/protocol';

/** Every request body is checked here, at the edge, with one schema each. */

const trimmed = (max: number, label: string) =>
	v.pipe(
		v.string(`${label} is required`),
		v.trim(),
		v.minLength(1, `${label} is required`),
		v.maxLength(max, `${label} is too long (at most ${max} characters)`)
	);

export const JoinForm = v.object({
	code: v.pipe(
		v.string('Enter the session code'),
		v.maxLength(64, 'Enter the 9-digit session code')
	),
	name: v.pipe(
		trimmed(MAX_NAME_LENGTH, 'Your name'),
		// Names are shown to the agent; control characters have no place in them.
		v.regex(/^[^\p{Cc}\p{Cf}]+$/u, 'Your name contains characters that cannot be shown')
	)
});

export const LoginForm = v.object({
	email: trimmed(254, 'Email'),
	password: v.pipe(
		v.string('Password is required'),
		v.minLength(1, 'Password is required'),
		v.maxLength(1024)
	)
});

export const RecordedEvents = v.object({
	events: v.pipe(
		v.array(
			v.strictObject({
				id: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/)),
				type: v.pipe(v.string(), v.regex(/^[a-z][a-z0-9.-]{0,40}$/)),
				at: v.pipe(v.number(), v.integer(), v.minValue(0)),
				data: v.record(v.string(), v.unknown())
			})
		),
		v.maxLength(200)
	)
});

export const EndRequest = v.object({
	reason: v.picklist(['customer', 'agent', 'connection-lost', 'expired'])
});

export const AbuseReportForm = v.object({
	description: trimmed(4000, 'What happened'),
	contact: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(200, 'Contact is too long')), '')
});

const userId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'Unknown agent'));

export const InviteRequest = v.object({ userId });

export const InvitationAnswer = v.object({ answer: v.picklist(['accept', 'decline']) });

export const LeaveRequest = v.object({ handOverTo: v.optional(userId) });

export const TicketRefreshRequest = v.object({
	ticket: v.pipe(v.string(), v.maxLength(4096))
});

export function formFields(data: FormData, names: string[]): Record<string, unknown> {
	const fields: Record<string, unknown> = {};
	for (const name of names) {
		const value = data.get(name);
		if (typeof value === 'string') fields[name] = value;
	}
	return fields;
}

export function firstIssue(issues: v.BaseIssue<unknown>[]): string {
	return issues[0]?.message ?? 'Invalid input';
}

export { v };
