// Draws the app icons (PNG) from the Ponte mark with the Chromium Playwright already uses.
// Run once after changing the mark: `node scripts/make-icons.js`; the PNGs are committed.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { findChromium } from './find-chromium.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BRAND = '#1f57c4';
const MARK =
	'<path d="M10 42c8-14 16-20 22-20s14 6 22 20" fill="none" stroke="#fff" stroke-width="6" stroke-linecap="round"/>' +
	'<path d="M18 42v-8M32 42V26M46 42v-8" stroke="#fff" stroke-width="4" stroke-linecap="round"/>';

/** A rounded tile for "any" icons; a full-bleed square with the mark in the safe zone for maskable. */
function svg(size, maskable) {
	if (maskable) {
		// The maskable safe zone is the centred circle of 80% diameter: shrink the mark into it.
		return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 64 64"><rect width="64" height="64" fill="${BRAND}"/><g transform="translate(12.8 12.8) scale(0.6)">${MARK}</g></svg>`;
	}
	return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="${BRAND}"/>${MARK}</svg>`;
}

const icons = [
	{ file: 'icon-192.png', size: 192, maskable: false },
	{ file: 'icon-512.png', size: 512, maskable: false },
	{ file: 'icon-maskable-512.png', size: 512, maskable: true },
	{ file: 'apple-touch-icon.png', size: 180, maskable: true }
];

const browser = await chromium.launch({ executablePath: (await findChromium()) ?? undefined });
try {
	for (const icon of icons) {
		const page = await browser.newPage({ viewport: { width: icon.size, height: icon.size } });
		await page.setContent(
			`<html><body style="margin:0;background:transparent">${svg(icon.size, icon.maskable)}</body></html>`
		);
		await page
			.locator('svg')
			.screenshot({ path: path.join(root, 'static', icon.file), omitBackground: true });
		await page.close();
	}
} finally {
	await browser.close();
}
