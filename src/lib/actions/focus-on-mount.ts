/**
 * Moves focus to the element when it appears: when a page's content is replaced (the session
 * ends, Share screen turns into Stop sharing), keyboard and screen-reader users land on the new
 * control instead of on nothing. The element needs tabindex="-1" unless it is focusable.
 * `onlyIfLost`: only when focus fell back to the page (the focused control went away), so an
 * element appearing by itself never pulls focus out of, say, the chat box.
 */
export function focusOnMount(element: HTMLElement, options: { onlyIfLost?: boolean } = {}) {
	// After the frame: a modal dialog closing in the same update hands focus back to its opener
	// (or makes the rest of the page inert until then); this must come after that.
	const frame = requestAnimationFrame(() => {
		if (!element.isConnected) return;
		const active = document.activeElement;
		if (options.onlyIfLost && active && active !== document.body) return;
		element.focus();
	});
	return { destroy: () => cancelAnimationFrame(frame) };
}
