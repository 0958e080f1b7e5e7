// Serves the bench's own pages (bench/pages), PeerJS's browser bundle, screen-quality.ts
// (transpiled), @noble/hashes and hash-wasm on a second loopback port. A real loopback server rather than
// Playwright routes: Chromium's local-network-access checks block a page with no real
// address from opening a websocket to 127.0.0.1.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import ts from 'typescript';

const CONTENT_TYPES = {
	'.html': 'text/html; charset=utf-8',
	'.js': 'text/javascript; charset=utf-8'
};

function benchFiles(root) {
	const pages = path.join(root, 'bench/pages');
	const transpiled = new Map();
	const typescriptModule = (file) => {
		if (!transpiled.has(file)) {
			const source = fs.readFileSync(path.join(root, file), 'utf8');
			const { outputText } = ts.transpileModule(source, {
				compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext }
			});
			transpiled.set(file, outputText);
		}
		return transpiled.get(file);
	};
	/** The bytes behind a /__bench/… path, or null. */
	return (name) => {
		if (name === 'peerjs.min.js') {
			return fs.readFileSync(path.join(root, 'node_modules/peerjs/dist/peerjs.min.js'));
		}
		if (name === 'screen-quality.js') return typescriptModule('src/lib/peer/screen-quality.ts');
		if (name === 'hash-wasm.js') {
			return fs.readFileSync(path.join(root, 'node_modules/hash-wasm/dist/index.esm.min.js'));
		}
		const noble = /^noble\/([\w.-]+\.js)$/.exec(name);
		if (noble) return fs.readFileSync(path.join(root, 'node_modules/@noble/hashes', noble[1]));
		if (/^[\w-]+\.(html|js)$/.test(name) && fs.existsSync(path.join(pages, name))) {
			return fs.readFileSync(path.join(pages, name));
		}
		return null;
	};
}

export async function startPagesServer(root, port = 0) {
	const files = benchFiles(root);
	const server = http.createServer((req, res) => {
		const pathname = new URL(req.url ?? '/', 'http://bench').pathname;
		const body = pathname.startsWith('/__bench/')
			? files(pathname.slice('/__bench/'.length))
			: null;
		if (body === null) {
			res.writeHead(404).end('not a bench file');
			return;
		}
		res.writeHead(200, {
			'content-type': CONTENT_TYPES[path.extname(pathname)] ?? 'application/octet-stream',
			'cache-control': 'no-store'
		});
		res.end(body);
	});
	await new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, '127.0.0.1', resolve);
	});
	const { port: bound } = /** @type {import('node:net').AddressInfo} */ (server.address());
	return {
		url: `http://127.0.0.1:${bound}`,
		close: () => new Promise((resolve) => server.close(() => resolve()))
	};
}
