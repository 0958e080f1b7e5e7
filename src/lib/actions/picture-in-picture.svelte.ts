import { mount, unmount } from 'svelte';
import type { Action } from 'svelte/action';
import EventRoot from '$lib/components/EventRoot.svelte';

interface DocumentPictureInPicture {
	requestWindow(options: { width: number; height: number }): Promise<Window>;
}

/** Document Picture-in-Picture, where the browser has it (Chromium). */
function documentPictureInPicture(): DocumentPictureInPicture | null {
	return (
		(window as unknown as { documentPictureInPicture?: DocumentPictureInPicture })
			.documentPictureInPicture ?? null
	);
}

export interface PictureInPictureOptions {
	width: number;
	height: number;
	/** Worded when the window opens (the language can change meanwhile). */
	title: () => string;
	/** The window's body classes: the element's styles can tell where it is from them. */
	bodyClass: string;
}

/**
 * Floats an element in a Document Picture-in-Picture window, above every other window (like
 * GoToAssist's always-on-top toolbar): `use:pip.float` on the element, a button calls
 * `toggle()`. The live DOM moves there and comes back when the window closes.
 */
export class PictureInPicture {
	/** Whether this browser can float it (known once the element is mounted). */
	supported = $state(false);
	/** Whether it is in its own window now. */
	open = $state(false);

	readonly #options: PictureInPictureOptions;
	#node: HTMLElement | null = null;
	#window: Window | null = null;

	constructor(options: PictureInPictureOptions) {
		this.#options = options;
	}

	readonly float: Action<HTMLElement> = (node) => {
		this.#node = node;
		this.supported = documentPictureInPicture() !== null;
		return {
			destroy: () => {
				this.close();
				this.#node = null;
			}
		};
	};

	async toggle() {
		if (this.#window) {
			this.#window.close();
			return;
		}
		const pip = documentPictureInPicture();
		const node = this.#node;
		if (!pip || !node) return;
		const home = node.parentElement;
		const win = await pip.requestWindow({
			width: this.#options.width,
			height: this.#options.height
		});
		for (const sheet of [...document.styleSheets]) {
			try {
				const style = win.document.createElement('style');
				style.textContent = [...sheet.cssRules].map((rule) => rule.cssText).join('\n');
				win.document.head.append(style);
			} catch {
				// A cross-origin sheet cannot be read; ours are all same-origin.
			}
		}
		win.document.title = this.#options.title();
		win.document.body.className = this.#options.bodyClass;
		// Moving the live nodes keeps their Svelte bindings and state; their event handlers need a
		// Svelte root in the new window to be delegated from (see EventRoot).
		const events = mount(EventRoot, { target: win.document.body });
		win.document.body.append(node);
		this.#window = win;
		this.open = true;
		win.addEventListener('pagehide', () => {
			void unmount(events);
			// Back where Svelte put it, so its own updates find it in place.
			if (this.#node === node) home?.append(node);
			this.#window = null;
			this.open = false;
		});
	}

	close() {
		this.#window?.close();
	}
}
