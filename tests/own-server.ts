/**
 * A server of a spec's own (its own port and data directory), so it can be killed with
 * `kill -9` and started again without harming the rest of the suite.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { expect, type Page } from '@playwright/test';
import { E2E } from '../playwright.config';

export const OWN_ADMIN = { email: 'durable@ponte.test', password: 'a durable admin password' };

export class OwnServer {
	readonly port: number;
	readonly dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ponte-kill-'));
	process: ChildProcess | null = null;

	/** Its port is the suite's (PONTE_E2E_PORT) plus `offset`: one offset per spec. */
	constructor(offset: number) {
		this.port = E2E.port + offset;
	}

	get origin() {
		return `http://127.0.0.1:${this.port}`;
	}

	async start() {
		this.process = spawn(process.execPath, ['server/index.js'], {
			env: {
				...process.env,
				PORT: String(this.port),
				HOST: '127.0.0.1',
				DATA_DIR: this.dataDir,
				ADMIN_EMAIL: OWN_ADMIN.email,
				ADMIN_PASSWORD: OWN_ADMIN.password,
				PONTE_QUIET_LOGS: '1'
			},
			stdio: ['ignore', 'ignore', 'inherit']
		});
		await expect
			.poll(
				async () => {
					try {
						return (await fetch(`${this.origin}/healthz`)).status;
					} catch {
						return 0;
					}
				},
				{ timeout: 30_000 }
			)
			.toBe(200);
	}

	/** SIGKILL: no shutdown handler runs, nothing is flushed. */
	async kill() {
		const child = this.process!;
		const exited = new Promise((resolve) => child.once('exit', resolve));
		child.kill('SIGKILL');
		await exited;
		this.process = null;
	}

	database() {
		return new SQLite(path.join(this.dataDir, 'ponte.sqlite'));
	}

	/** Reads this server's database. */
	readonly query = <T>(sql: string, ...params: unknown[]): T[] => {
		const db = this.database();
		try {
			return db.prepare(sql).all(...params) as T[];
		} finally {
			db.close();
		}
	};

	async stop() {
		if (this.process) await this.kill();
		fs.rmSync(this.dataDir, { recursive: true, force: true });
	}
}

/** The administrator logs in on `agent`, starts a session, and `customer` joins it. */
export async function ownSession(
	server: OwnServer,
	agent: Page,
	customer: Page,
	customerName: string
): Promise<string> {
	await agent.goto(`${server.origin}/login`);
	await agent.getByLabel('Email').fill(OWN_ADMIN.email);
	await agent.getByLabel('Password').fill(OWN_ADMIN.password);
	await agent.getByRole('button', { name: 'Log in' }).click();
	await expect(agent).toHaveURL(/\/agent$/);
	await agent.getByRole('button', { name: 'New session' }).click();
	await expect(agent).toHaveURL(/\/agent\/sessions\/[\w-]+$/);
	const sessionId = agent.url().split('/').pop()!;
	const code = ((await agent.getByLabel('Session code').textContent()) ?? '').replace(/\s/g, '');
	await customer.goto(`${server.origin}/`);
	await customer.getByLabel('Session code').fill(code);
	await customer.getByLabel('Your name').fill(customerName);
	await customer.getByRole('button', { name: 'Join' }).click();
	await expect(customer.getByText(/Connected securely/)).toBeVisible();
	await expect(agent.getByRole('heading', { name: `Session with ${customerName}` })).toBeVisible();
	return sessionId;
}
