// Builds the app, finds Chromium, Firefox and Xvfb, and runs the Playwright suite (a fresh
// DATA_DIR per run) on a virtual display, for Firefox's screen sharing. The server's port is a
// free one unless PONTE_E2E_PORT says, so two checkouts can test at once. PONTE_E2E_DATABASE=postgres
// runs the server on a throwaway PostgreSQL (scripts/services.js) instead of SQLite; the specs
// that open ponte.sqlite themselves need SQLite.
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from './build.js';
import { HOW_TO_GET_CHROMIUM, findChromium } from './find-chromium.js';
import { HOW_TO_GET_FIREFOX, findFirefox } from './find-firefox.js';
import { startServices } from './services.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const chromium = await findChromium();
if (!chromium) {
	console.error(HOW_TO_GET_CHROMIUM);
	process.exit(1);
}
console.log(`Chromium: ${chromium}`);
const { firefox, xvfbRun } = findFirefox();
if (!firefox || !xvfbRun) {
	console.error(HOW_TO_GET_FIREFOX);
	process.exit(1);
}
console.log(`Firefox: ${firefox} (on Xvfb: ${xvfbRun})`);

/** A port nothing listens on now (the OS picks it). */
function freePort() {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address();
			server.close(() => resolve(port));
		});
	});
}
const port = process.env.PONTE_E2E_PORT || String(await freePort());
console.log(`Test server port: ${port}`);

if (!process.env.PONTE_SKIP_BUILD) {
	try {
		build(root);
	} catch (error) {
		console.error(error.message);
		process.exit(1);
	}
}

const databaseEnv = {};
if (process.env.PONTE_E2E_DATABASE === 'postgres') {
	const services = await startServices({ redis: false });
	if (!services.postgres) process.exit(1);
	const { default: pg } = await import('pg');
	const client = new pg.Client({ connectionString: services.postgres.url });
	await client.connect();
	await client.query('CREATE DATABASE ponte_e2e');
	await client.end();
	const url = new URL(services.postgres.url);
	url.pathname = '/ponte_e2e';
	databaseEnv.DATABASE_URL = url.toString();
	console.log('Database: a throwaway PostgreSQL');
}

const result = spawnSync(
	xvfbRun,
	[
		'-a',
		'-s',
		'-screen 0 1280x1024x24',
		process.execPath,
		path.join(root, 'node_modules/@playwright/test/cli.js'),
		'test',
		...process.argv.slice(2)
	],
	{
		cwd: root,
		stdio: 'inherit',
		env: {
			...process.env,
			PONTE_CHROMIUM: chromium,
			PONTE_FIREFOX: firefox,
			PONTE_E2E_PORT: port,
			...databaseEnv
		}
	}
);
// The exit handler stops the PostgreSQL this run started.
process.exit(result.status ?? 1);
