import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { log } from './log';

/** Takes a websocket upgrade if its path is ours: true when it answered (accepted or refused). */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean;

const BASE = 'http://ponte.invalid';

/**
 * A request target as a path and query on this server, or null when it is not one: `//host`,
 * `*`, an absolute URL or anything `URL` cannot parse. Never throws.
 */
export function requestTarget(target: string | undefined): URL | null {
	if (!target?.startsWith('/') || target.startsWith('//')) return null;
	try {
		const url = new URL(target, BASE);
		return url.origin === BASE ? url : null;
	} catch {
		return null;
	}
}

/** A socket's response already under way (its status line is out): nothing more may be written. */
function responseStarted(socket: Duplex): boolean {
	return Boolean((socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage?.headersSent);
}

/** Answers a raw socket with a bodiless status and closes it (an upgrade, an unparsable request). */
export function refuseSocket(socket: Duplex, status: number): void {
	if (!socket.writable || responseStarted(socket)) {
		socket.destroy();
		return;
	}
	socket.once('finish', () => socket.destroy());
	socket.end(
		`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`
	);
}

/** A client that went away mid-upgrade: its socket is closed already, nothing to do. */
function ignoreSocketError() {}

/**
 * Routes one websocket upgrade and never throws: what `handle` does not take is refused with 404
 * (when `refuseUnknown`; in dev, Vite's own listener may want it), and a failure is a 400.
 */
export function routeUpgrade(
	handle: UpgradeHandler,
	req: IncomingMessage,
	socket: Duplex,
	head: Buffer,
	refuseUnknown: boolean
): void {
	// Node takes its own error listener off the socket before 'upgrade': without one, a client
	// resetting the connection now would be an uncaught exception.
	socket.on('error', ignoreSocketError);
	let handled: boolean;
	try {
		handled = handle(req, socket, head);
	} catch (error) {
		// The URL may carry a ticket: log what failed, never the request.
		log.warn('upgrade refused: its handler failed', {
			error: error instanceof Error ? error.name : 'unknown'
		});
		refuseSocket(socket, 400);
		return;
	}
	if (!handled && refuseUnknown) refuseSocket(socket, 404);
}

/**
 * The HTTP server's own listeners, so that no request can take the process down: upgrades go
 * through `routeUpgrade`, and a request Node cannot parse (garbage, oversized headers, a
 * timeout) gets Node's usual answer (400, 431, 408) and a closed socket.
 */
export function guardHttpServer(server: Server, handleUpgrade: UpgradeHandler): void {
	server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
		routeUpgrade(handleUpgrade, req, socket, head, server.listenerCount('upgrade') === 1);
	});
	server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
		socket.on('error', ignoreSocketError);
		const status =
			error.code === 'HPE_HEADER_OVERFLOW'
				? 431
				: error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
					? 408
					: 400;
		if (error.code === 'ECONNRESET') socket.destroy();
		else refuseSocket(socket, status);
	});
}
