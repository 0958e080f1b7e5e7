/** One line of JSON per event on stdout/stderr: easy to read, easy to ship. Never log secrets. */
type Level = 'info' | 'warn' | 'error';

function write(level: Level, message: string, fields: Record<string, unknown> = {}) {
	if (process.env.PONTE_QUIET_LOGS && level === 'info') return;
	const line = JSON.stringify({ time: new Date().toISOString(), level, message, ...fields });
	if (level === 'info') console.log(line);
	else console.error(line);
}

export const log = {
	info: (message: string, fields?: Record<string, unknown>) => write('info', message, fields),
	warn: (message: string, fields?: Record<string, unknown>) => write('warn', message, fields),
	error: (message: string, fields?: Record<string, unknown>) => write('error', message, fields)
};
