/**
 * Moves focus to the element when it appears: when a page's content is replaced (the session
 * ends), keyboard and screen-reader users land on the new heading instead of on nothing.
 * The element needs tabindex="-1" unless it is focusable already.
 */
export function focusOnMount(element: HTMLElement) {
	// After the frame: a modal dialog closing in the same update hands focus back to its opener
	// (or makes the rest of the page inert until then); this must come after that.
	const frame = requestAnimationFrame(() => {
		if (element.isConnected) element.focus();
	});
	return { destroy: () => cancelAnimationFrame(frame) };
}
