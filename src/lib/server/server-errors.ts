import { log } from './log';

type Logger = Pick<typeof log, 'debug' | 'error'>;

export interface ServerErrorInput {
	error: unknown;
	/** SvelteKit's status for it: 4xx for a request it refused (not found, a malformed URL). */
	status: number;
	/** SvelteKit's own text for it: "Internal Error" for anything unexpected. */
	message: string;
	method: string;
	/** The route's ID (never the path, which may carry a session code), or null. */
	route: string | null;
}

/**
 * What handleError does: a request SvelteKit refused (404, 400 "Malformed URI" for `GET /%`) is
 * one short debug line, without a stack, so junk requests do not flood the log; anything else
 * is logged once at error level with its name, message and stack. Either way the answer is the
 * generic message, never the error's own text.
 */
export function reportServerError(input: ServerErrorInput, logger: Logger = log): App.Error {
	const { status, method, route, message } = input;
	if (status < 500) {
		logger.debug('request refused', { status, method, route, reason: message });
		return { message };
	}
	const error =
		input.error instanceof Error
			? { name: input.error.name, message: input.error.message, stack: input.error.stack }
			: { name: typeof input.error, message: String(input.error) };
	logger.error('unexpected error', { status, method, route, error });
	return { message };
}
