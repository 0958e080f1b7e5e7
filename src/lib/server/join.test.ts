import { describe, expect, it } from 'vitest';
import { joinErrorText, type JoinErrorCode } from '$lib/join-errors';
import { MAX_NAME_LENGTH } from '$lib/session/protocol';
import { joinIssueCode } from './join';
import { JoinForm, v } from './schemas';

function codeFor(fields: Record<string, unknown>): JoinErrorCode | 'ok' {
	const parsed = v.safeParse(JoinForm, fields);
	return parsed.success ? 'ok' : joinIssueCode(parsed.issues);
}

describe('join form errors', () => {
	it('names the rule each bad form broke', () => {
		expect(codeFor({ name: 'Ada' })).toBe('code-missing');
		expect(codeFor({ code: '1'.repeat(65), name: 'Ada' })).toBe('code-format');
		expect(codeFor({ code: '123456789' })).toBe('name-missing');
		expect(codeFor({ code: '123456789', name: '   ' })).toBe('name-missing');
		expect(codeFor({ code: '123456789', name: 'x'.repeat(MAX_NAME_LENGTH + 1) })).toBe(
			'name-too-long'
		);
		expect(codeFor({ code: '123456789', name: 'Ada\u0007' })).toBe('name-invalid');
		expect(codeFor({ code: '123456789', name: 'Ada' })).toBe('ok');
	});

	it('keeps the English wording the server sends, and has Italian for every code', () => {
		expect(joinErrorText('invalid-code', { locale: 'en' })).toBe(
			'This code is not valid or has expired. Check the 9 digits with your support agent.'
		);
		expect(joinErrorText('invalid-code', { locale: 'it' })).toBe(
			"Questo codice non è valido o è scaduto. Verifica le 9 cifre con l'agente dell'assistenza."
		);
		expect(joinErrorText('name-too-long', { locale: 'it' })).toBe(
			`Il nome è troppo lungo (al massimo ${MAX_NAME_LENGTH} caratteri)`
		);
		const codes: JoinErrorCode[] = [
			'invalid-code',
			'rate-limited',
			'code-missing',
			'code-format',
			'name-missing',
			'name-too-long',
			'name-invalid'
		];
		for (const code of codes) {
			expect(joinErrorText(code, { locale: 'it' })).not.toBe(joinErrorText(code, { locale: 'en' }));
		}
	});
});
