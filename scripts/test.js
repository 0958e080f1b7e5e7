// `npm test`: type check, lint, unit tests (the server's on SQLite, then again on PostgreSQL when
// it can be had), then the Playwright suite against a fresh build. PostgreSQL and Redis are
// throwaway instances from scripts/services.js; without them, only the tests needing them skip.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServices } from './services.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function step(title, command, args, env = {}) {
	console.log(`\n━━ ${title}`);
	const started = Date.now();
	const result = spawnSync(command, args, {
		cwd: root,
		stdio: 'inherit',
		env: { ...process.env, ...env }
	});
	if (result.status !== 0) {
		console.error(`\n✗ ${title} failed`);
		// The exit handler stops the services.
		process.exit(result.status ?? 1);
	}
	console.log(`  (${title}: ${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

step('Type check', npm, ['run', '--silent', 'check']);
step('Lint', npm, ['run', '--silent', 'lint']);

console.log('\n━━ Test services (PostgreSQL, Redis)');
const services = await startServices();
for (const [name, value] of Object.entries(services.env)) {
	console.log(`  ${name}=${value.replace(/:[^:@/]+@/, ':…@')}`);
}

step('Unit tests', npm, ['run', '--silent', 'test:unit'], services.env);
if (services.postgres) {
	step(
		'Server unit tests on PostgreSQL',
		npm,
		['run', '--silent', 'test:unit', '--', 'src/lib/server'],
		{
			...services.env,
			PONTE_TEST_DATABASE: 'postgres'
		}
	);
} else {
	console.log('\n━━ Server unit tests on PostgreSQL: skipped (no PostgreSQL: see above)');
}
step('End-to-end tests', npm, ['run', '--silent', 'test:e2e'], services.env);
services.stop();
console.log('\n✓ All checks passed');
