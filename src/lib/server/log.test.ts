import { describe, expect, it } from 'vitest';
import { createLogger } from './log';

function capture(level = 'info') {
	const lines: Record<string, unknown>[] = [];
	const logger = createLogger(level, { write: (line: string) => lines.push(JSON.parse(line)) });
	return { logger, lines };
}

describe('log', () => {
	it('writes one JSON object a line with time, level and message', () => {
		const { logger, lines } = capture();
		logger.info({ sessionId: 's-1' }, 'session created');
		expect(lines).toHaveLength(1);
		expect(lines[0]).toMatchObject({ level: 'info', message: 'session created', sessionId: 's-1' });
		expect(new Date(String(lines[0].time)).toISOString()).toBe(lines[0].time);
	});

	it('censors codes, tickets, tokens and passwords, also one level down', () => {
		const { logger, lines } = capture();
		logger.warn(
			{
				code: '123456789',
				ticket: 'eyJ.sig',
				password: 'hunter2',
				request: { token: 'abc', path: '/join' }
			},
			'join refused'
		);
		const line = JSON.stringify(lines[0]);
		for (const secret of ['123456789', 'eyJ.sig', 'hunter2', '"abc"']) {
			expect(line).not.toContain(secret);
		}
		expect(lines[0]).toMatchObject({ code: '[redacted]', request: { path: '/join' } });
	});

	it('writes nothing below its level', () => {
		const { logger, lines } = capture('warn');
		logger.info('routine');
		logger.error('broken');
		expect(lines.map((l) => l.message)).toEqual(['broken']);
	});
});
