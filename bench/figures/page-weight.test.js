import { describe, expect, it } from 'vitest';
import { linkedAssets, staticImports } from './page-weight.js';

describe('linkedAssets', () => {
	it('finds modulepreload and stylesheet links in the Link header and the HTML, and the entry import', () => {
		const html = `<!doctype html><html><head>
			<link href="./_app/immutable/assets/0.css" rel="stylesheet">
			<link rel="modulepreload" href="./_app/immutable/chunks/a.js">
			<link rel="icon" href="./favicon.svg" />
			</head><body><script>
				Promise.all([import("./_app/immutable/entry/start.js"), import("./_app/immutable/entry/app.js")])
			</script></body></html>`;
		const header =
			'<./_app/immutable/assets/0.css>; rel="preload"; as="style"; nopush, <./_app/immutable/chunks/b.js>; rel="modulepreload"; nopush';
		expect(linkedAssets(html, header, 'http://127.0.0.1:3000/').sort()).toEqual([
			'http://127.0.0.1:3000/_app/immutable/assets/0.css',
			'http://127.0.0.1:3000/_app/immutable/chunks/a.js',
			'http://127.0.0.1:3000/_app/immutable/chunks/b.js',
			'http://127.0.0.1:3000/_app/immutable/entry/app.js',
			'http://127.0.0.1:3000/_app/immutable/entry/start.js'
		]);
	});
});

describe('staticImports', () => {
	it('reads the import statements at the head of a bundled module, not dynamic imports', () => {
		const source =
			'import{a as b,c}from"../chunks/x.js";import"../chunks/y.js";export{d}from"./z.js";import*as e from"./w.js";\nconst f=()=>import("./lazy.js");import{g}from"./not-at-head.js";';
		expect(staticImports(source)).toEqual(['../chunks/x.js', '../chunks/y.js', './z.js', './w.js']);
	});

	it('skips leading comments', () => {
		expect(staticImports('/* banner */\n// note\nimport "./a.js";')).toEqual(['./a.js']);
	});
});
