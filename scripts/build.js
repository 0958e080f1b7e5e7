// The one place that builds the app: `npm start`, the e2e suite and the bench all use it.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const INPUTS = [
	'src',
	'static',
	'svelte.config.js',
	'vite.config.ts',
	'package-lock.json',
	'server',
	'messages',
	'project.inlang',
	'i18n.config.js'
];

function newestMtime(target) {
	if (!fs.existsSync(target)) return 0;
	const stat = fs.statSync(target);
	if (!stat.isDirectory()) return stat.mtimeMs;
	let newest = stat.mtimeMs;
	for (const entry of fs.readdirSync(target)) {
		newest = Math.max(newest, newestMtime(path.join(target, entry)));
	}
	return newest;
}

/** Runs `vite build` and stamps the build; throws with the output when it fails. */
export function build(root, { quiet = false } = {}) {
	const result = spawnSync(
		process.execPath,
		[path.join(root, 'node_modules/vite/bin/vite.js'), 'build'],
		quiet
			? { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' }
			: { cwd: root, stdio: 'inherit' }
	);
	if (result.status !== 0) {
		throw new Error(
			`vite build failed (exit ${result.status})${quiet ? `:\n${result.stdout}${result.stderr}` : ''}`
		);
	}
	fs.writeFileSync(path.join(root, 'build', '.ponte-build-stamp'), new Date().toISOString());
}

/** Builds when the build is missing or older than its sources; returns whether it built. */
export function ensureBuild(root, options = {}) {
	const stamp = path.join(root, 'build', '.ponte-build-stamp');
	const builtAt = fs.existsSync(stamp) ? fs.statSync(stamp).mtimeMs : 0;
	const sourcesAt = Math.max(...INPUTS.map((input) => newestMtime(path.join(root, input))));
	if (builtAt && sourcesAt <= builtAt) return false;
	console.log(builtAt ? 'Sources changed: rebuilding…' : 'No build yet: building…');
	build(root, options);
	return true;
}
