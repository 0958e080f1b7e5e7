import { describe, expect, it } from 'vitest';
import { reportServerError } from './server-errors';

function recordingLogger() {
	const lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
	return {
		lines,
		debug: (message: string, fields: Record<string, unknown> = {}) =>
			lines.push({ level: 'debug', message, fields }),
		error: (message: string, fields: Record<string, unknown> = {}) =>
			lines.push({ level: 'error', message, fields })
	};
}

describe('handleError', () => {
	it('a malformed URL (400) or an unknown path (404): one short debug line, no stack, no path', () => {
		const logger = recordingLogger();
		const malformed = Object.assign(new Error('Failed to decode URI: /join/123456789%'), {
			status: 400,
			text: 'Malformed URI'
		});
		expect(
			reportServerError(
				{ error: malformed, status: 400, message: 'Malformed URI', method: 'GET', route: null },
				logger
			)
		).toEqual({ message: 'Malformed URI' });
		reportServerError(
			{
				error: new Error('Not found: /x'),
				status: 404,
				message: 'Not Found',
				method: 'GET',
				route: null
			},
			logger
		);
		expect(logger.lines).toEqual([
			{
				level: 'debug',
				message: 'request refused',
				fields: { status: 400, method: 'GET', route: null, reason: 'Malformed URI' }
			},
			{
				level: 'debug',
				message: 'request refused',
				fields: { status: 404, method: 'GET', route: null, reason: 'Not Found' }
			}
		]);
		expect(JSON.stringify(logger.lines)).not.toContain('123456789');
	});

	it('an unexpected error: logged once at error level with name, message and stack; the answer is generic', () => {
		const logger = recordingLogger();
		const error = new TypeError('cannot read properties of undefined');
		const answer = reportServerError(
			{ error, status: 500, message: 'Internal Error', method: 'POST', route: '/api/sessions' },
			logger
		);
		expect(answer).toEqual({ message: 'Internal Error' });
		expect(logger.lines).toEqual([
			{
				level: 'error',
				message: 'unexpected error',
				fields: {
					status: 500,
					method: 'POST',
					route: '/api/sessions',
					error: { name: 'TypeError', message: error.message, stack: error.stack }
				}
			}
		]);
	});
});
