import type { Locator } from '@playwright/test';

/** The frame's size (the layer's viewBox) and where it shows on the page (fitted, centred). */
export async function frameOnPage(surface: Locator) {
	const box = (await surface.boundingBox())!;
	const viewBox = await surface.locator('svg').first().getAttribute('viewBox');
	const [, , width, height] = viewBox!.split(' ').map(Number);
	const scale = Math.min(box.width / width, box.height / height);
	const left = box.x + (box.width - width * scale) / 2;
	const top = box.y + (box.height - height * scale) / 2;
	return {
		width,
		height,
		/** The page point over frame point (fx, fy), given as shares of the frame. */
		at: (fx: number, fy: number) => ({ x: left + fx * width * scale, y: top + fy * height * scale })
	};
}
