import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineConfig } from '@playwright/test';

// A fresh database for every run (workers inherit the variable from the main process).
process.env.PONTE_E2E_DATA_DIR ??= fs.mkdtempSync(path.join(os.tmpdir(), 'ponte-e2e-'));
// scripts/e2e.js picks a free port; 3100 when Playwright runs on its own.
const PORT = Number(process.env.PONTE_E2E_PORT ?? 3100);

export const E2E = {
	port: PORT,
	baseURL: `http://127.0.0.1:${PORT}`,
	dataDir: process.env.PONTE_E2E_DATA_DIR,
	adminEmail: 'admin@ponte.test',
	adminPassword: 'correct horse battery staple'
};

export const CHROMIUM_ARGS = [
	'--use-fake-ui-for-media-stream',
	'--use-fake-device-for-media-stream=fps=30',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	'--no-first-run',
	'--disable-quic',
	'--no-sandbox',
	'--autoplay-policy=no-user-gesture-required'
];

export default defineConfig({
	testDir: 'tests',
	outputDir: 'test-results',
	timeout: 60_000,
	expect: { timeout: 15_000 },
	fullyParallel: false,
	workers: 1,
	retries: 0,
	reporter: [['list']],
	use: {
		baseURL: E2E.baseURL,
		trace: 'retain-on-failure',
		launchOptions: {
			executablePath: process.env.PONTE_CHROMIUM,
			args: CHROMIUM_ARGS
		}
	},
	webServer: {
		command: 'node server/index.js',
		url: `${E2E.baseURL}/healthz`,
		reuseExistingServer: false,
		timeout: 60_000,
		stdout: 'ignore',
		stderr: 'pipe',
		env: {
			PORT: String(PORT),
			HOST: '127.0.0.1',
			DATA_DIR: E2E.dataDir!,
			ADMIN_EMAIL: E2E.adminEmail,
			ADMIN_PASSWORD: E2E.adminPassword,
			ADDRESS_HEADER: 'x-forwarded-for',
			XFF_DEPTH: '1',
			PONTE_QUIET_LOGS: '1',
			SESSION_CODE_TTL_MINUTES: '10'
		}
	}
});
