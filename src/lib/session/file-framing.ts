/**
 * Wire format of the file channel. Control frames are JSON strings checked against one valibot
 * schema; data frames are binary: a fixed 22-byte header then the payload.
 *
 *   offset 0  u8   magic 0xF1
 *   offset 1  u8   version 1
 *   offset 2  16B  transfer id (the same 32 hex digits as in the control frames)
 *   offset 18 u32  chunk index, big-endian, starting at 0
 *   offset 22      payload, 1 … MAX_CHUNK_BYTES bytes
 */
import * as v from 'valibot';

export const DATA_FRAME_MAGIC = 0xf1;
export const DATA_FRAME_VERSION = 1;
export const TRANSFER_ID_BYTES = 16;
export const DATA_HEADER_BYTES = 2 + TRANSFER_ID_BYTES + 4;
/** Data channels throw on messages over 262,144 bytes (see WEBRTC-NOTES.md). */
export const MAX_FRAME_BYTES = 262_144;
export const MAX_CHUNK_BYTES = MAX_FRAME_BYTES - DATA_HEADER_BYTES;
/** Control frames are tiny; anything longer is refused before `JSON.parse`. */
export const MAX_CONTROL_FRAME_CHARS = 4096;
export const MAX_OFFERED_NAME_CHARS = 1024;
export const MAX_OFFERED_TYPE_CHARS = 255;
const MAX_REASON_CHARS = 64;

const transferIdSchema = v.pipe(v.string(), v.regex(/^[0-9a-f]{32}$/));
const byteCountSchema = v.pipe(v.number(), v.safeInteger(), v.minValue(0));
const reasonSchema = v.pipe(v.string(), v.maxLength(MAX_REASON_CHARS));

export const controlFrameSchema = v.variant('kind', [
	v.object({
		kind: v.literal('offer'),
		id: transferIdSchema,
		name: v.pipe(v.string(), v.maxLength(MAX_OFFERED_NAME_CHARS)),
		size: byteCountSchema,
		type: v.pipe(v.string(), v.maxLength(MAX_OFFERED_TYPE_CHARS))
	}),
	v.object({ kind: v.literal('accept'), id: transferIdSchema }),
	v.object({ kind: v.literal('decline'), id: transferIdSchema, reason: v.optional(reasonSchema) }),
	v.object({ kind: v.literal('cancel'), id: transferIdSchema }),
	/** Receiver → sender: bytes written to the sink so far; the sender's flow-control window. */
	v.object({ kind: v.literal('ack'), id: transferIdSchema, bytes: byteCountSchema }),
	v.object({
		kind: v.literal('done'),
		id: transferIdSchema,
		sha256: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/))
	}),
	/** Receiver → sender: hash matched and the file is saved. */
	v.object({ kind: v.literal('verified'), id: transferIdSchema }),
	v.object({ kind: v.literal('error'), id: transferIdSchema, reason: reasonSchema })
]);

export type ControlFrame = v.InferOutput<typeof controlFrameSchema>;

export function encodeControlFrame(frame: ControlFrame): string {
	return JSON.stringify(frame);
}

/** Returns the frame, or null for anything oversized, unparsable or not matching the schema. */
export function decodeControlFrame(text: string): ControlFrame | null {
	if (text.length > MAX_CONTROL_FRAME_CHARS) return null;
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch {
		return null;
	}
	const result = v.safeParse(controlFrameSchema, parsed);
	return result.success ? result.output : null;
}

export function newTransferId(): string {
	return transferIdToHex(crypto.getRandomValues(new Uint8Array(TRANSFER_ID_BYTES)));
}

export function transferIdToHex(bytes: Uint8Array): string {
	let hex = '';
	for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
	return hex;
}

export function transferIdToBytes(id: string): Uint8Array {
	const bytes = new Uint8Array(TRANSFER_ID_BYTES);
	for (let i = 0; i < TRANSFER_ID_BYTES; i++) bytes[i] = parseInt(id.slice(i * 2, i * 2 + 2), 16);
	return bytes;
}

/**
 * Allocates one data frame with its header written; the caller fills `payload` (a view into
 * the frame) and sends `frame`, so every byte is copied once.
 */
export function createDataFrame(
	idBytes: Uint8Array,
	index: number,
	payloadLength: number
): { frame: ArrayBuffer; payload: Uint8Array } {
	const frame = new ArrayBuffer(DATA_HEADER_BYTES + payloadLength);
	const header = new DataView(frame);
	header.setUint8(0, DATA_FRAME_MAGIC);
	header.setUint8(1, DATA_FRAME_VERSION);
	new Uint8Array(frame, 2, TRANSFER_ID_BYTES).set(idBytes);
	header.setUint32(2 + TRANSFER_ID_BYTES, index, false);
	return { frame, payload: new Uint8Array(frame, DATA_HEADER_BYTES, payloadLength) };
}

/** Numbers a frame made by createDataFrame anew, in place, to send it again with new bytes. */
export function setDataFrameIndex(frame: ArrayBuffer, index: number): void {
	new DataView(frame).setUint32(2 + TRANSFER_ID_BYTES, index, false);
}

export function encodeDataFrame(id: string, index: number, payload: Uint8Array): ArrayBuffer {
	const encoded = createDataFrame(transferIdToBytes(id), index, payload.length);
	encoded.payload.set(payload);
	return encoded.frame;
}

export type DecodedDataFrame =
	| { ok: true; id: string; index: number; payload: Uint8Array }
	/** `id` is present when the header was readable, so the transfer it names can be failed. */
	| { ok: false; reason: 'bad-header' | 'oversized-frame' | 'empty-chunk'; id?: string };

/** Strict header check: exact magic and version, whole header present, size within limits. */
export function decodeDataFrame(bytes: Uint8Array): DecodedDataFrame {
	if (bytes.length < DATA_HEADER_BYTES) return { ok: false, reason: 'bad-header' };
	if (bytes[0] !== DATA_FRAME_MAGIC || bytes[1] !== DATA_FRAME_VERSION) {
		return { ok: false, reason: 'bad-header' };
	}
	const id = transferIdToHex(bytes.subarray(2, 2 + TRANSFER_ID_BYTES));
	if (bytes.length > MAX_FRAME_BYTES) return { ok: false, reason: 'oversized-frame', id };
	if (bytes.length === DATA_HEADER_BYTES) return { ok: false, reason: 'empty-chunk', id };
	const header = new DataView(bytes.buffer, bytes.byteOffset, DATA_HEADER_BYTES);
	const index = header.getUint32(2 + TRANSFER_ID_BYTES, false);
	return { ok: true, id, index, payload: bytes.subarray(DATA_HEADER_BYTES) };
}
