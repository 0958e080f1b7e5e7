// join page weight: the JS and CSS of the first load of `/`, gzipped (zlib level 9). Found by
// following the HTML and its Link header (modulepreload, stylesheets, the entry import) and
// every static import of those modules; then cross-checked with what a browser really fetched.
import zlib from 'node:zlib';
import { benchClient } from '../lib/browser.js';

export const PAGE_JS_GOAL_BYTES = 60_000;

/** URLs a page's HTML and Link header point at, resolved against the page's URL. */
export function linkedAssets(html, linkHeader, pageUrl) {
	const found = new Set();
	const add = (href) => found.add(new URL(href, pageUrl).toString());
	for (const part of (linkHeader ?? '').split(/,(?=\s*<)/)) {
		const match = /<([^>]+)>(.*)/.exec(part.trim());
		if (match && /rel="?(modulepreload|preload|stylesheet)/.test(match[2])) add(match[1]);
	}
	for (const tag of html.match(/<link\b[^>]*>/g) ?? []) {
		const rel = /\brel="([^"]+)"/.exec(tag)?.[1] ?? '';
		const href = /\bhref="([^"]+)"/.exec(tag)?.[1];
		if (href && /\b(modulepreload|stylesheet)\b/.test(rel)) add(href);
	}
	for (const tag of html.match(/<script\b[^>]*\bsrc="[^"]+"/g) ?? []) {
		add(/\bsrc="([^"]+)"/.exec(tag)[1]);
	}
	for (const script of html.match(/<script\b[^>]*>[\s\S]*?<\/script>/g) ?? []) {
		for (const match of script.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) add(match[1]);
	}
	return [...found].filter((url) => /\.(m?js|css)(\?|$)/.test(url));
}

/** The static imports at the head of an ES module (bundlers put them all first). */
export function staticImports(source) {
	const imports = [];
	let rest = source;
	for (;;) {
		rest = rest.replace(/^(\s|\/\*[\s\S]*?\*\/|\/\/[^\n]*\n)+/, '');
		const match =
			/^(?:import\s*(?:[\w$*{},\s]+?\s*from\s*)?|export\s*[\w$*{},\s]+?\s*from\s*)["']([^"']+)["']\s*;?/.exec(
				rest
			);
		if (!match) return imports;
		imports.push(match[1]);
		rest = rest.slice(match[0].length);
	}
}

async function fetchText(url) {
	const response = await fetch(url);
	if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
	return response.text();
}

export async function measure(ctx) {
	const pageUrl = `${ctx.server.url}/`;
	const response = await fetch(pageUrl);
	const html = await response.text();
	const queue = linkedAssets(html, response.headers.get('link'), pageUrl);
	const assets = new Map();
	while (queue.length) {
		const url = queue.shift();
		if (assets.has(url)) continue;
		const source = await fetchText(url);
		assets.set(url, source);
		if (url.endsWith('.js')) {
			for (const specifier of staticImports(source)) queue.push(new URL(specifier, url).toString());
		}
	}

	// What a browser fetched for the same first load (fresh context, no cache).
	const client = await benchClient(ctx.browser, { root: ctx.root, baseUrl: ctx.server.url });
	let missed = [];
	try {
		const page = await client.context.newPage();
		await page.goto('/', { waitUntil: 'networkidle' });
		const loaded = await page.evaluate(() =>
			performance.getEntriesByType('resource').map((entry) => entry.name)
		);
		missed = loaded.filter((url) => /\.(m?js|css)(\?|$)/.test(url) && !assets.has(url));
		for (const url of missed) assets.set(url, await fetchText(url));
	} finally {
		await client.close();
	}

	const files = [...assets].map(([url, source]) => ({
		path: new URL(url).pathname,
		kind: url.endsWith('.css') ? 'css' : 'js',
		bytes: Buffer.byteLength(source),
		gzipped: zlib.gzipSync(source, { level: 9 }).length
	}));
	const total = (kind, key) =>
		files.filter((f) => f.kind === kind).reduce((sum, f) => sum + f[key], 0);
	const js = total('js', 'gzipped');
	const css = total('css', 'gzipped');
	const count = (kind) => {
		const n = files.filter((f) => f.kind === kind).length;
		return `${n} ${n === 1 ? 'file' : 'files'}`;
	};
	return {
		rows: [
			{
				measure: 'JS of the first load of /, gzipped',
				value: js / 1000,
				unit: 'kB',
				goal: `≤ ${PAGE_JS_GOAL_BYTES / 1000} kB`,
				pass: js <= PAGE_JS_GOAL_BYTES,
				note: `${count('js')}, ${(total('js', 'bytes') / 1000).toFixed(1)} kB raw`
			},
			{
				measure: 'CSS of the first load of /, gzipped',
				value: css / 1000,
				unit: 'kB',
				note: `${count('css')}, ${(total('css', 'bytes') / 1000).toFixed(1)} kB raw`
			}
		],
		details: missed.length
			? [
					{
						label: `loaded by the browser's first load but not linked from the page (counted): ${missed.map((url) => new URL(url).pathname).join(', ')}`
					}
				]
			: [],
		data: { files, js, css, missedByStaticAnalysis: missed }
	};
}
