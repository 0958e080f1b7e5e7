// Counts the frames a WebM holds, per track kind, with ts-ebml (the library the server
// assembles recordings with): the video's frame rate is its frames over its block time span.
import { Decoder, tools } from 'ts-ebml';

/**
 * A VP8 key frame's picture size (RFC 6386 9.1: start code 9d 01 2a, then 14-bit sides).
 * @param {Buffer | undefined} frame
 */
function vp8KeyframeSize(frame) {
	if (!frame || frame.length < 10 || frame[3] !== 0x9d || frame[4] !== 0x01 || frame[5] !== 0x2a) {
		return null;
	}
	return { width: frame.readUInt16LE(6) & 0x3fff, height: frame.readUInt16LE(8) & 0x3fff };
}

/** `{ video: { frames, firstMs, lastMs, fps }, width, height }` of a whole WebM file. */
/** @param {Buffer} buffer */
export function webmVideoFrames(buffer) {
	const decoder = new Decoder();
	/** @type {number | null} */
	let videoTrack = null;
	/** @type {number | null} */
	let trackNumber = null;
	/** @type {number | null} */
	let width = null;
	/** @type {number | null} */
	let height = null;
	let timecodeScale = 1_000_000;
	let clusterTime = 0;
	/** @type {number[]} */
	const times = [];
	/** @type {Set<string>} */
	const sizes = new Set();
	const bytes = buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength);
	for (const element of decoder.decode(/** @type {ArrayBuffer} */ (bytes))) {
		if (element.type === 'm') continue;
		switch (element.name) {
			case 'TimecodeScale':
				timecodeScale = Number(element.value);
				break;
			case 'TrackNumber':
				trackNumber = Number(element.value);
				break;
			case 'TrackType':
				if (Number(element.value) === 1) videoTrack = trackNumber;
				break;
			case 'PixelWidth':
				width = Number(element.value);
				break;
			case 'PixelHeight':
				height = Number(element.value);
				break;
			case 'Timecode':
				clusterTime = Number(element.value);
				break;
			case 'SimpleBlock':
			case 'Block': {
				const block = tools.ebmlBlock(element.data);
				if (block.trackNumber === videoTrack) {
					times.push(((clusterTime + block.timecode) * timecodeScale) / 1e6);
					const size = block.keyframe ? vp8KeyframeSize(block.frames[0]) : null;
					if (size) sizes.add(`${size.width}×${size.height}`);
				}
				break;
			}
		}
	}
	const firstMs = times.length ? Math.min(...times) : 0;
	const lastMs = times.length ? Math.max(...times) : 0;
	return { frames: times.length, firstMs, lastMs, width, height, sizes };
}
