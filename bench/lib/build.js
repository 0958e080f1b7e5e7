// Builds the app when the build is missing or older than its sources (as scripts/start.js does).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const INPUTS = [
	'src',
	'static',
	'svelte.config.js',
	'vite.config.ts',
	'package-lock.json',
	'server'
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

export function ensureBuild(root) {
	const stamp = path.join(root, 'build', '.ponte-build-stamp');
	const builtAt = fs.existsSync(stamp) ? fs.statSync(stamp).mtimeMs : 0;
	const sourcesAt = Math.max(...INPUTS.map((input) => newestMtime(path.join(root, input))));
	if (builtAt && sourcesAt <= builtAt) return false;
	console.log(builtAt ? 'Sources changed: rebuilding…' : 'No build yet: building…');
	const result = spawnSync(
		process.execPath,
		[path.join(root, 'node_modules/vite/bin/vite.js'), 'build'],
		{ cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' }
	);
	if (result.status !== 0) {
		throw new Error(`vite build failed (exit ${result.status}):\n${result.stdout}${result.stderr}`);
	}
	fs.writeFileSync(stamp, new Date().toISOString());
	return true;
}
