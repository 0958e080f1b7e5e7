/**
 * File names arrive from the other peer, so they are untrusted: they become a plain base name
 * that is safe to save on Windows, macOS and Linux and that cannot disguise its extension.
 */

const MAX_NAME_BYTES = 255;
/** Longest extension kept whole when a name has to be shortened. */
const MAX_KEPT_EXTENSION_BYTES = 32;
const FALLBACK_NAME = 'file';

/**
 * C0/C1 controls (NUL included), DEL, line/paragraph separators, zero-width space, BOM, and the
 * bidirectional marks, embeddings, overrides and isolates that can make `exe.pdf` read as
 * `fdp.exe` (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069).
 */
const INVISIBLE_OR_CONTROL = /[\p{Cc}\u061c\u200b\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/gu;
/** Characters Windows refuses in names (`:` would also open an NTFS alternate data stream). */
const WINDOWS_FORBIDDEN = /[<>:"|?*]/g;
const PATH_SEPARATOR = /[/\\]/;
const WHITESPACE_RUN = /\s+/g;
/** Device names Windows reserves whatever the extension (`CON.txt` is still the console). */
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[1-9¹²³]|lpt[1-9¹²³]|conin\$|conout\$)\s*(\..*)?$/i;

const utf8 = new TextEncoder();

function utf8Length(text: string): number {
	return utf8.encode(text).length;
}

/** Cuts `text` to at most `maxBytes` UTF-8 bytes without splitting a code point. */
function truncateUtf8(text: string, maxBytes: number): string {
	let bytes = 0;
	let end = 0;
	for (const codePoint of text) {
		const size = utf8Length(codePoint);
		if (bytes + size > maxBytes) break;
		bytes += size;
		end += codePoint.length;
	}
	return text.slice(0, end);
}

/** Leading dots would hide the file on Unix; trailing dots and spaces are dropped by Windows. */
function trimEdges(text: string): string {
	return text.replace(/^[\s.]+/, '').replace(/[\s.]+$/, '');
}

/** Splits off the last extension (`.pdf`), or returns an empty one. */
export function splitExtension(name: string): { stem: string; extension: string } {
	const dot = name.lastIndexOf('.');
	if (dot <= 0 || dot === name.length - 1) return { stem: name, extension: '' };
	return { stem: name.slice(0, dot), extension: name.slice(dot) };
}

function shortenKeepingExtension(name: string): string {
	if (utf8Length(name) <= MAX_NAME_BYTES) return name;
	const { stem, extension } = splitExtension(name);
	const extensionBytes = utf8Length(extension);
	if (extension === '' || extensionBytes > MAX_KEPT_EXTENSION_BYTES) {
		return trimEdges(truncateUtf8(name, MAX_NAME_BYTES));
	}
	const shortStem = trimEdges(truncateUtf8(stem, MAX_NAME_BYTES - extensionBytes));
	return shortStem === '' ? '' : shortStem + extension;
}

/**
 * Reduces any name a peer sends to a safe base name: no path, no `..`, no control or
 * bidirectional-override characters, no trailing dots or spaces, no reserved Windows device
 * name, at most 255 UTF-8 bytes with the extension kept. Never returns an empty string.
 */
export function safeFileName(name: string): string {
	const visible = String(name).normalize('NFC').replace(INVISIBLE_OR_CONTROL, '');
	const segments = visible
		.split(PATH_SEPARATOR)
		.map((segment) => trimEdges(segment.replace(WHITESPACE_RUN, ' ')))
		.filter((segment) => segment !== '');
	let base = (segments.at(-1) ?? '').replace(WINDOWS_FORBIDDEN, '_');
	if (WINDOWS_RESERVED.test(base)) base = `_${base}`;
	base = shortenKeepingExtension(base);
	return base === '' ? FALLBACK_NAME : base;
}
