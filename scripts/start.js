// `npm start`: build when the build is missing or older than the sources, then serve.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuild } from './build.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
try {
	ensureBuild(root);
} catch (error) {
	console.error(error.message);
	process.exit(1);
}

await import('../server/index.js');
