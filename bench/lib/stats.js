// Small statistics and image measures for the bench (pure functions, unit-tested).

export function median(values) {
	return percentile(values, 50);
}

/** Linear-interpolated percentile (p in 0…100) of a non-empty list; NaN when empty. */
export function percentile(values, p) {
	if (values.length === 0) return Number.NaN;
	const sorted = [...values].sort((a, b) => a - b);
	const rank = (p / 100) * (sorted.length - 1);
	const low = Math.floor(rank);
	const high = Math.ceil(rank);
	return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

export function mean(values) {
	return values.length ? values.reduce((sum, v) => sum + v, 0) / values.length : Number.NaN;
}

/** ITU-R BT.601 luma of RGBA pixels, one byte per pixel. */
export function lumaOf(rgba) {
	const luma = new Uint8Array(rgba.length / 4);
	for (let i = 0, j = 0; j < luma.length; i += 4, j++) {
		luma[j] = Math.round(0.299 * rgba[i] + 0.587 * rgba[i + 1] + 0.114 * rgba[i + 2]);
	}
	return luma;
}

/** A rectangle of a luma image (row-major, `width` wide). */
export function crop(luma, width, { x, y, w, h }) {
	const out = new Uint8Array(w * h);
	for (let row = 0; row < h; row++) {
		out.set(luma.subarray((y + row) * width + x, (y + row) * width + x + w), row * w);
	}
	return out;
}

/** Peak signal-to-noise ratio in dB of two same-sized 8-bit images (Infinity when identical). */
export function psnr(a, b) {
	if (a.length !== b.length) throw new Error('psnr: images differ in size');
	let squared = 0;
	for (let i = 0; i < a.length; i++) {
		const d = a[i] - b[i];
		squared += d * d;
	}
	const mse = squared / a.length;
	return mse === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10((255 * 255) / mse);
}

/**
 * Mean structural similarity of two same-sized 8-bit luma images: 8×8 windows every 4 pixels
 * (as libvpx's SSIM), the usual constants K1 = 0.01, K2 = 0.03. 1 means identical.
 */
export function ssim(a, b, width, height, { window = 8, step = 4 } = {}) {
	if (a.length !== b.length || a.length !== width * height) {
		throw new Error('ssim: images differ in size');
	}
	const c1 = (0.01 * 255) ** 2;
	const c2 = (0.03 * 255) ** 2;
	const n = window * window;
	let total = 0;
	let count = 0;
	for (let y = 0; y + window <= height; y += step) {
		for (let x = 0; x + window <= width; x += step) {
			let sumA = 0;
			let sumB = 0;
			let sumAA = 0;
			let sumBB = 0;
			let sumAB = 0;
			for (let row = 0; row < window; row++) {
				let i = (y + row) * width + x;
				for (let col = 0; col < window; col++, i++) {
					const va = a[i];
					const vb = b[i];
					sumA += va;
					sumB += vb;
					sumAA += va * va;
					sumBB += vb * vb;
					sumAB += va * vb;
				}
			}
			const meanA = sumA / n;
			const meanB = sumB / n;
			const varA = sumAA / n - meanA * meanA;
			const varB = sumBB / n - meanB * meanB;
			const cov = sumAB / n - meanA * meanB;
			total +=
				((2 * meanA * meanB + c1) * (2 * cov + c2)) /
				((meanA * meanA + meanB * meanB + c1) * (varA + varB + c2));
			count++;
		}
	}
	return count ? total / count : Number.NaN;
}
