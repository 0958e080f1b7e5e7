// `npm test`: type check, lint, unit tests, then the Playwright suite against a fresh build.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function step(title, command, args) {
	console.log(`\n━━ ${title}`);
	const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: process.env });
	if (result.status !== 0) {
		console.error(`\n✗ ${title} failed`);
		process.exit(result.status ?? 1);
	}
}

step('Type check', npm, ['run', '--silent', 'check']);
step('Lint', npm, ['run', '--silent', 'lint']);
step('Unit tests', npm, ['run', '--silent', 'test:unit']);
step('End-to-end tests', npm, ['run', '--silent', 'test:e2e']);
console.log('\n✓ All checks passed');
