// Finds a Chromium for the end-to-end tests: Playwright's own, else the system's `chromium`;
// as root on Debian it installs the `chromium` package; otherwise it says how to get one.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';

function playwrightChromium() {
	try {
		return import('@playwright/test').then(({ chromium }) => {
			const path = chromium.executablePath();
			return path && fs.existsSync(path) ? path : null;
		});
	} catch {
		return Promise.resolve(null);
	}
}

function systemChromium() {
	for (const name of ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome']) {
		const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
		const path = found.stdout.trim();
		if (found.status === 0 && path) return path;
	}
	return null;
}

export async function findChromium({ install = true } = {}) {
	if (process.env.PONTE_CHROMIUM && fs.existsSync(process.env.PONTE_CHROMIUM)) {
		return process.env.PONTE_CHROMIUM;
	}
	const own = await playwrightChromium().catch(() => null);
	if (own) return own;
	const system = systemChromium();
	if (system) return system;
	const isRoot = process.getuid?.() === 0;
	const hasApt = fs.existsSync('/usr/bin/apt-get');
	if (install && isRoot && hasApt) {
		console.log('No Chromium found: installing Debian\'s "chromium" package…');
		execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
		execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], {
			stdio: 'inherit',
			env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
		});
		const installed = systemChromium();
		if (installed) return installed;
	}
	return null;
}

export const HOW_TO_GET_CHROMIUM = `No Chromium was found for the end-to-end tests. Get one of:
  - Playwright's own build:   npx playwright install chromium
  - Debian/Ubuntu:            sudo apt-get install -y chromium
  - or point PONTE_CHROMIUM at a Chromium or Chrome executable.`;

if (import.meta.url === `file://${process.argv[1]}`) {
	const path = await findChromium();
	if (!path) {
		console.error(HOW_TO_GET_CHROMIUM);
		process.exit(1);
	}
	console.log(path);
}
