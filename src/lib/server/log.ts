import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Structured logs through pino: one JSON object a line, info and below on stdout, warnings and
 * errors on stderr. `LOG_LEVEL` (trace, debug, info, warn, error, fatal, silent) sets what is
 * written; `PONTE_QUIET_LOGS=1` (the test suite) means warn. Whatever a caller passes, fields
 * that could carry a secret are censored: codes, tickets, tokens and passwords never reach a log.
 */
const SECRET_FIELDS = [
	'code',
	'codes',
	'ticket',
	'token',
	'password',
	'secret',
	'credential',
	'authorization',
	'cookie'
];
export const REDACTED_PATHS = [...SECRET_FIELDS, ...SECRET_FIELDS.map((field) => `*.${field}`)];

export function createLogger(
	level: string,
	destination: DestinationStream = pino.multistream(
		[
			{ level: 'trace', stream: process.stdout },
			{ level: 'warn', stream: process.stderr }
		],
		{ dedupe: true }
	)
): Logger {
	return pino(
		{
			level,
			messageKey: 'message',
			base: undefined,
			timestamp: pino.stdTimeFunctions.isoTime,
			formatters: { level: (label) => ({ level: label }) },
			redact: { paths: REDACTED_PATHS, censor: '[redacted]' }
		},
		destination
	);
}

const logger = createLogger(
	process.env.LOG_LEVEL || (process.env.PONTE_QUIET_LOGS ? 'warn' : 'info')
);

type Fields = Record<string, unknown>;

export const log = {
	debug: (message: string, fields: Fields = {}) => logger.debug(fields, message),
	info: (message: string, fields: Fields = {}) => logger.info(fields, message),
	warn: (message: string, fields: Fields = {}) => logger.warn(fields, message),
	error: (message: string, fields: Fields = {}) => logger.error(fields, message)
};
