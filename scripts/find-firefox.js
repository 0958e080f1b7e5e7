// Finds Firefox and Xvfb for the cross-browser tests and the bench: PONTE_FIREFOX, else the
// system's `firefox-esr` or `firefox`; Xvfb's `xvfb-run` (headless Firefox cannot capture a
// screen, so it runs on a virtual display). As root on Debian it installs the packages;
// otherwise it says how to get them.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';

function onPath(names) {
	for (const name of names) {
		const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
		const path = found.stdout.trim();
		if (found.status === 0 && path) return path;
	}
	return null;
}

const systemFirefox = () => onPath(['firefox-esr', 'firefox']);
/** xvfb-run needs xauth too. */
const systemXvfb = () => (onPath(['xauth']) ? onPath(['xvfb-run']) : null);

function aptInstall(packages) {
	if (process.getuid?.() !== 0 || !fs.existsSync('/usr/bin/apt-get')) return false;
	console.log(`Installing Debian's ${packages.map((p) => `"${p}"`).join(', ')}…`);
	execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
	execFileSync('apt-get', ['install', '-y', '-qq', ...packages], {
		stdio: 'inherit',
		env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
	});
	return true;
}

/** `{ firefox, xvfbRun }`, either null when it cannot be found (or installed). */
export function findFirefox({ install = true } = {}) {
	const given = process.env.PONTE_FIREFOX;
	let firefox = given && fs.existsSync(given) ? given : systemFirefox();
	let xvfbRun = systemXvfb();
	const missing = [...(firefox ? [] : ['firefox-esr']), ...(xvfbRun ? [] : ['xvfb', 'xauth'])];
	if (missing.length && install && aptInstall(missing)) {
		firefox ??= systemFirefox();
		xvfbRun ??= systemXvfb();
	}
	return { firefox, xvfbRun };
}

export const HOW_TO_GET_FIREFOX = `Firefox and Xvfb are needed for the cross-browser tests (Firefox shares a virtual screen).
  - Debian/Ubuntu:   sudo apt-get install -y firefox-esr xvfb xauth
  - or point PONTE_FIREFOX at a Firefox executable (xvfb-run and xauth must be on PATH).`;

if (import.meta.url === `file://${process.argv[1]}`) {
	const found = findFirefox();
	if (!found.firefox || !found.xvfbRun) {
		console.error(HOW_TO_GET_FIREFOX);
		process.exit(1);
	}
	console.log(`${found.firefox}\n${found.xvfbRun}`);
}
