/**
 * The brakes on a transfer: the channel's own queue (high/low water marks on `bufferedAmount`),
 * the receive window (bytes sent and not yet acknowledged as written) and the acks that move it,
 * the frame size the channel allows, and turns given to the event loop.
 */
import { DATA_HEADER_BYTES, MAX_CHUNK_BYTES, MAX_FRAME_BYTES } from '../file-framing';

/** Pause sending above this many queued bytes… */
export const BUFFERED_HIGH_WATER = 8 * 1024 * 1024;
/** …until the queue is down to this. */
export const BUFFERED_LOW_WATER = 1024 * 1024;
/**
 * Most bytes received but not yet written that a receiver holds; the sender never has more
 * unacknowledged, and a peer that sends more is cut off. This bounds receiver memory.
 */
export const RECEIVE_WINDOW_BYTES = 32 * 1024 * 1024;
/** The receiver acknowledges after this many written bytes (well under the window)… */
export const ACK_EVERY_BYTES = 1024 * 1024;
/** …or this long after its last ack, so the sender's progress moves on slow links too. */
export const ACK_EVERY_MS = 250;
/** The sender lets other work run (chat, rendering) after this many bytes. */
export const YIELD_EVERY_BYTES = 4 * 1024 * 1024;
/** Used when the channel reports no usable maxMessageSize. */
const FALLBACK_CHUNK_BYTES = 16 * 1024 - 64;

/** Payload bytes per data frame: what the channel's `maxMessageSize` allows, at most `wanted`. */
export function payloadBytesPerFrame(maxMessageSize: number, wanted = MAX_CHUNK_BYTES): number {
	const channelLimit = Math.min(maxMessageSize, MAX_FRAME_BYTES) - DATA_HEADER_BYTES;
	const limit =
		Number.isFinite(channelLimit) && channelLimit > 0 ? channelLimit : FALLBACK_CHUNK_BYTES;
	return Math.max(1, Math.min(wanted, limit, MAX_CHUNK_BYTES));
}

/** Gives the event loop a turn, so a fast send loop cannot starve chat or rendering. */
export function yieldToEventLoop(): Promise<void> {
	const scheduler = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
	if (scheduler?.yield) return scheduler.yield();
	return new Promise((resolve) => setTimeout(resolve, 0));
}
