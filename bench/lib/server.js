// Starts the production server (node server/index.js) for the bench: a fresh DATA_DIR, an admin,
// a raised open-files limit (the signaling figure holds thousands of sockets), loopback only.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const ADMIN = { email: 'admin@ponte.test', password: 'correct horse battery staple' };

/** A free loopback port: PONTE_BENCH_PORT when set, otherwise one the OS picks. */
export async function freePort() {
	if (process.env.PONTE_BENCH_PORT) return Number(process.env.PONTE_BENCH_PORT);
	return new Promise((resolve, reject) => {
		const probe = net.createServer();
		probe.unref();
		probe.on('error', reject);
		probe.listen(0, '127.0.0.1', () => {
			const { port } = /** @type {net.AddressInfo} */ (probe.address());
			probe.close(() => resolve(port));
		});
	});
}

/** Runs `node args…` under `sh` with the open-files limit raised as far as allowed. */
export function spawnWithFileLimit(args, options) {
	const script = 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"';
	return spawn('sh', ['-c', script, process.execPath, ...args], options);
}

/** Resident memory of a process in bytes (Linux /proc), or null when it is gone. */
export function residentBytes(pid) {
	try {
		const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
		const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1]);
		return Number.isFinite(kb) ? kb * 1024 : null;
	} catch {
		return null;
	}
}

/**
 * `options.dataDir`: a DATA_DIR shared with another node (left in place on stop);
 * `options.env`: more settings (REDIS_URL for the cluster figures); `options.port`: its port.
 */
export async function startServer(root, options = {}) {
	const port = options.port ?? (await freePort());
	const ownDataDir = !options.dataDir;
	const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ponte-bench-'));
	const child = spawnWithFileLimit([path.join(root, 'server/index.js')], {
		cwd: root,
		stdio: ['ignore', 'ignore', 'pipe'],
		env: {
			...process.env,
			PORT: String(port),
			HOST: '127.0.0.1',
			DATA_DIR: dataDir,
			ADMIN_EMAIL: ADMIN.email,
			ADMIN_PASSWORD: ADMIN.password,
			ADDRESS_HEADER: 'x-forwarded-for',
			XFF_DEPTH: '1',
			PONTE_QUIET_LOGS: '1',
			SESSION_CODE_TTL_MINUTES: '10',
			...options.env
		}
	});
	const errors = [];
	child.stderr.setEncoding('utf8');
	child.stderr.on('data', (text) => {
		errors.push(text);
		if (errors.length > 50) errors.shift();
	});
	const url = `http://127.0.0.1:${port}`;
	const deadline = Date.now() + 30_000;
	for (;;) {
		if (child.exitCode !== null) {
			throw new Error(`server exited (${child.exitCode}): ${errors.join('').slice(-2000)}`);
		}
		const ok = await fetch(`${url}/healthz`)
			.then((r) => r.ok)
			.catch(() => false);
		if (ok) break;
		if (Date.now() > deadline) throw new Error('server did not answer /healthz within 30 s');
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	return {
		url,
		port,
		/** After `exec`, the shell's PID is the server's. */
		pid: child.pid,
		dataDir,
		recentErrors: () => errors.join('').slice(-2000),
		rss: () => residentBytes(child.pid),
		async stop() {
			if (child.exitCode === null) {
				const exited = new Promise((resolve) => child.once('exit', resolve));
				child.kill('SIGTERM');
				const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
				await exited;
				clearTimeout(timer);
			}
			if (ownDataDir) fs.rmSync(dataDir, { recursive: true, force: true });
		}
	};
}
