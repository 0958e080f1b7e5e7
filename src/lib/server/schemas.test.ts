import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { AbuseReportForm, CreateAgentForm } from './schemas';

describe('free text at the edge', () => {
	it('keeps line breaks and tabs in a description, refuses NUL and other control characters', () => {
		const ok = v.safeParse(AbuseReportForm, {
			description: 'line one\n\tline two\r\n',
			contact: ''
		});
		expect(ok.success).toBe(true);
		for (const bad of ['a\u0000b', 'bell\u0007', 'escape\u001b[31m', 'delete\u007f']) {
			const refused = v.safeParse(AbuseReportForm, { description: bad, contact: '' });
			expect(refused.success, JSON.stringify(bad)).toBe(false);
			if (!refused.success) expect(refused.issues[0].message).toContain('cannot be shown');
			expect(v.safeParse(AbuseReportForm, { description: 'fine', contact: bad }).success).toBe(
				false
			);
		}
	});

	it('an email with a NUL is refused before any query sees it', () => {
		const parsed = v.safeParse(CreateAgentForm, {
			name: 'Agent',
			email: 'a\u0000@example.test',
			role: 'agent',
			group: 'default'
		});
		expect(parsed.success).toBe(false);
		if (!parsed.success) {
			expect(parsed.issues.map((issue) => issue.message)).toContain(
				'Email contains characters that cannot be shown'
			);
		}
	});
});
