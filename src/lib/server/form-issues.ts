import { m } from '$lib/paraglide/messages';
import { baseLocale, getLocale } from '$lib/paraglide/runtime';
import { firstIssue, type v } from './schemas';

type Issue = v.BaseIssue<unknown> & { issues?: Issue[] };

/**
 * A form's first problem in the request's language. The schemas word their messages in English
 * (kept as they are for English); other languages get the same message from the catalogue, by
 * the kind of problem and the field's label as the page shows it (`labels`, by field name).
 */
export function localIssue(issues: Issue[], labels: Record<string, string>): string {
	if (getLocale() === baseLocale) return firstIssue(issues);
	let issue: Issue | undefined = issues[0];
	// A union (a number or empty) reports why its last option failed.
	while (issue?.type === 'union' && issue.issues?.length) issue = issue.issues.at(-1);
	if (!issue) return m.agent_issue_invalid();
	const key = issue.path?.map((item) => String(item.key)).join('.') ?? '';
	const field = labels[key];
	const requirement = issue.requirement;
	if (key === 'password' || key === 'confirm') {
		if (issue.type === 'check') return m.agent_issue_password_differ();
		if (key === 'confirm') return m.agent_issue_password_again();
		if (issue.type === 'max_length') return m.agent_issue_password_long();
		if (issue.type === 'min_length' && Number(requirement) > 1) {
			return m.agent_issue_password_short({ min: Number(requirement) });
		}
	}
	if (key === 'role') return m.admin_choose_role();
	if (key === 'from' || key === 'to') return m.agent_issue_date();
	if (issue.type === 'email') return m.agent_issue_email();
	if (!field) return m.agent_issue_invalid();
	switch (issue.type) {
		case 'string':
		case 'min_length':
		case 'non_empty':
			return m.agent_issue_required({ field });
		case 'max_length':
			return m.agent_issue_too_long({ field, max: Number(requirement) });
		case 'regex':
			return /\\d/.test(String(requirement))
				? m.agent_issue_whole_number({ field })
				: m.agent_issue_characters({ field });
		case 'min_value':
			return m.agent_issue_min({ field, min: Number(requirement) });
		case 'max_value':
			return m.agent_issue_max({ field, max: Number(requirement) });
		default:
			return m.agent_issue_invalid();
	}
}
