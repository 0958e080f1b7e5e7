// Builds the app, finds Chromium, and runs the Playwright suite (a fresh DATA_DIR per run).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from './build.js';
import { HOW_TO_GET_CHROMIUM, findChromium } from './find-chromium.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const chromium = await findChromium();
if (!chromium) {
	console.error(HOW_TO_GET_CHROMIUM);
	process.exit(1);
}
console.log(`Chromium: ${chromium}`);

if (!process.env.PONTE_SKIP_BUILD) {
	try {
		build(root);
	} catch (error) {
		console.error(error.message);
		process.exit(1);
	}
}

const result = spawnSync(
	process.execPath,
	[path.join(root, 'node_modules/@playwright/test/cli.js'), 'test', ...process.argv.slice(2)],
	{ cwd: root, stdio: 'inherit', env: { ...process.env, PONTE_CHROMIUM: chromium } }
);
process.exit(result.status ?? 1);
