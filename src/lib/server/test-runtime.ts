import type { Runtime } from './runtime';

/**
 * For unit tests: a real runtime (database, secrets, limiters) in its own data directory. Each
 * test file runs in its own worker, so each gets its own runtime.
 */
export async function openTestRuntime(
	dataDir: string,
	adminEmail = 'admin@unit.test'
): Promise<Runtime> {
	process.env.DATA_DIR = dataDir;
	process.env.ADMIN_EMAIL = adminEmail;
	process.env.ADMIN_PASSWORD = 'unit-test-password';
	process.env.PONTE_QUIET_LOGS = '1';
	const { getRuntime } = await import('./runtime');
	return getRuntime();
}
