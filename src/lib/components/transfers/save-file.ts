/** Where a received file goes in the browser: straight to disk when possible, else memory. */
import {
	memorySink,
	writableSink,
	type FileSink,
	type MemorySink,
	type WritableFileStreamLike
} from '$lib/session/files';

/** File System Access API, not in TypeScript's DOM types (Chromium only). */
interface SaveFilePickerWindow {
	showSaveFilePicker?: (options?: {
		suggestedName?: string;
	}) => Promise<{ createWritable(): Promise<WritableFileStreamLike> }>;
}

export type SaveTarget =
	| { kind: 'disk'; sink: FileSink }
	/** No picker: collect in memory, then hand over with `downloadFile`. */
	| { kind: 'memory'; sink: MemorySink }
	/** The user closed the picker: the offer stays open. */
	| { kind: 'dismissed' };

/** Must run from a click handler: the picker needs the user's gesture. */
export async function chooseSaveTarget(suggestedName: string): Promise<SaveTarget> {
	const picker = (window as SaveFilePickerWindow).showSaveFilePicker;
	if (picker) {
		try {
			const handle = await picker.call(window, { suggestedName });
			return { kind: 'disk', sink: writableSink(await handle.createWritable()) };
		} catch (error) {
			if (error instanceof DOMException && error.name === 'AbortError')
				return { kind: 'dismissed' };
			// Any other refusal (policy, blocked name, no gesture): fall back to a download.
		}
	}
	return { kind: 'memory', sink: memorySink() };
}

/** Offers a file received in memory as a download under its (already safe) name. */
export function downloadFile(sink: MemorySink, name: string, type: string): void {
	const url = URL.createObjectURL(sink.toBlob(type || 'application/octet-stream'));
	const link = document.createElement('a');
	link.href = url;
	link.download = name;
	link.rel = 'noopener';
	link.hidden = true;
	document.body.append(link);
	link.click();
	link.remove();
	// Revoked later: the download may start after this task.
	setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
