import tailwindcss from '@tailwindcss/vite';
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';
import { signalingDevPlugin } from './server/dev-plugin.js';

export default defineConfig({
	plugins: [tailwindcss(), sveltekit(), signalingDevPlugin()],
	server: { port: 3000 },
	test: {
		include: ['src/**/*.test.ts', 'bench/**/*.test.js'],
		environment: 'node'
	}
});
