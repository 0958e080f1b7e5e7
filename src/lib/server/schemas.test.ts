import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import {
	AbuseReportForm,
	BROWSER_EVENT_DATA,
	CreateAgentForm,
	isBrowserEventType
} from './schemas';

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

describe('voice, camera and annotation events', () => {
	const types = [
		'voice.started',
		'voice.joined',
		'voice.declined',
		'voice.ended',
		'voice.muted',
		'voice.unmuted',
		'camera.sharing',
		'camera.paused',
		'camera.resumed',
		'camera.stopped',
		'camera.switched',
		'annotation.started',
		'annotation.stopped'
	] as const;

	it('a page may record them, with a name; other fields are dropped', () => {
		for (const type of types) {
			expect(isBrowserEventType(type)).toBe(true);
			const parsed = v.safeParse(BROWSER_EVENT_DATA[type], { name: 'Maria', extra: { deep: 1 } });
			expect(parsed.success, type).toBe(true);
			if (parsed.success) expect(parsed.output).toEqual({ name: 'Maria' });
			expect(v.safeParse(BROWSER_EVENT_DATA[type], {}).success, type).toBe(true);
		}
	});

	it('refuses names that are too long, not text, or hold control characters', () => {
		for (const name of ['x'.repeat(81), 5, null, 'a\u0000b', 'esc\u001b[31m']) {
			expect(v.safeParse(BROWSER_EVENT_DATA['voice.joined'], { name }).success).toBe(false);
		}
	});

	it('an annotation counts its marks as a whole number', () => {
		const schema = BROWSER_EVENT_DATA['annotation.stopped'];
		expect(v.safeParse(schema, { name: 'Anna', marks: 12 }).output).toEqual({
			name: 'Anna',
			marks: 12
		});
		for (const marks of [-1, 1.5, 1e9, '3', Number.NaN]) {
			expect(v.safeParse(schema, { marks }).success, String(marks)).toBe(false);
		}
	});

	it('the snapshot event is the server’s alone', () => {
		expect(isBrowserEventType('snapshot')).toBe(false);
	});
});
