import { paraglideVitePlugin } from '@inlang/paraglide-js';
import tailwindcss from '@tailwindcss/vite';
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';
import { signalingDevPlugin } from './server/dev-plugin.js';
import { paraglideOptions } from './i18n.config.js';

export default defineConfig({
	plugins: [
		// Vitest uses the messages compiled by `npm install` / `npm run check`; the plugin's watcher
		// would keep the test process alive.
		process.env.VITEST ? [] : paraglideVitePlugin(paraglideOptions),
		tailwindcss(),
		sveltekit(),
		signalingDevPlugin()
	],
	server: { port: 3000 },
	// The server build never runs PeerJS (a browser-only dynamic import), but adapter-node's
	// rollup bundled it with @msgpack/msgpack's ES5 helpers and warned ~20 times per build about
	// their top-level `this`; bundled here by Vite (rolldown rewrites it quietly) it stays quiet.
	ssr: { noExternal: ['peerjs', '@msgpack/msgpack'] },
	build: {
		rolldownOptions: {
			// The per-build table of slow plugin callbacks is noise; every other check stays on.
			checks: { pluginTimings: false }
		}
	},
	// The file-hashing worker loads its engine with a dynamic import: ES module workers.
	worker: { format: 'es' },
	test: {
		include: ['src/**/*.test.ts', 'bench/**/*.test.js'],
		environment: 'node',
		// Generous bounds, not timing goals: a server test's setup (a runtime, an scrypt hash) can
		// take seconds on a loaded 2-core machine. What must be fast is measured in `npm run bench`.
		testTimeout: 30_000,
		hookTimeout: 60_000
	}
});
