/**
 * Test-only infrastructure for the relay test: a local coturn (installed from Debian when
 * missing and we may) and a Ponte server of the test's own, configured for TURN.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

function turnserverPath(): string | null {
	const found = spawnSync('sh', ['-c', 'command -v turnserver'], { encoding: 'utf8' });
	return found.status === 0 && found.stdout.trim() ? found.stdout.trim() : null;
}

function aptInstall(): boolean {
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	const install = () =>
		spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'coturn'], {
			env,
			stdio: 'ignore',
			timeout: 240_000
		}).status === 0;
	if (install()) return true;
	// A fresh machine may not know the package yet.
	spawnSync('apt-get', ['update'], { env, stdio: 'ignore', timeout: 180_000 });
	return install();
}

/** coturn's `turnserver`, installed with apt when missing; or why it cannot be had. */
export function ensureCoturn(): { ok: true; turnserver: string } | { ok: false; reason: string } {
	const present = turnserverPath();
	if (present) return { ok: true, turnserver: present };
	if (process.getuid?.() !== 0) {
		return {
			ok: false,
			reason: 'coturn is not installed and this is not root: run `apt-get install coturn`'
		};
	}
	if (spawnSync('sh', ['-c', 'command -v apt-get']).status !== 0) {
		return { ok: false, reason: 'coturn is not installed and there is no apt-get to install it' };
	}
	if (!aptInstall()) return { ok: false, reason: '`apt-get install coturn` failed' };
	const installed = turnserverPath();
	return installed
		? { ok: true, turnserver: installed }
		: { ok: false, reason: 'coturn installed but turnserver not found' };
}

function tcpFree(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const server = net.createServer();
		server.once('error', () => resolve(false));
		server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
	});
}

function udpFree(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = dgram.createSocket('udp4');
		socket.once('error', () => resolve(false));
		socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
	});
}

/** The first port from `from` free for both TCP and UDP on loopback. */
export async function freePort(from: number, to = from + 99): Promise<number> {
	for (let port = from; port <= to; port++) {
		if ((await tcpFree(port)) && (await udpFree(port))) return port;
	}
	throw new Error(`no free port in ${from}-${to}`);
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string) {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (await check().catch(() => false)) return;
		await new Promise((r) => setTimeout(r, 200));
	}
	throw new Error(`${what} did not start within ${timeoutMs / 1000} s`);
}

const running = new Set<ChildProcess>();
process.once('exit', () => running.forEach((child) => child.kill('SIGKILL')));

function track(child: ChildProcess) {
	running.add(child);
	child.once('exit', () => running.delete(child));
	return child;
}

export async function stop(child: ChildProcess | undefined) {
	if (!child || child.exitCode !== null || child.signalCode !== null) return;
	const exited = new Promise((resolve) => child.once('exit', resolve));
	child.kill('SIGTERM');
	const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
	await exited;
	clearTimeout(timer);
}

export interface Coturn {
	process: ChildProcess;
	port: number;
	logFile: string;
	log(): string;
}

/**
 * coturn on loopback with the REST scheme (`use-auth-secret`). `allow-loopback-peers` is for
 * this test only, where both browsers' relay addresses are 127.0.0.1: a real deployment must
 * refuse loopback and private peers (docs/deployment.md).
 */
export async function startCoturn(options: {
	turnserver: string;
	port: number;
	secret: string;
	dir: string;
	/** A configuration file to use instead of the test's permissive loopback settings. */
	configFile?: string;
}): Promise<Coturn> {
	const name = `turnserver-${options.port}`;
	const logFile = path.join(options.dir, `${name}.log`);
	const settings = options.configFile
		? ['-c', options.configFile]
		: ['-n', '--allow-loopback-peers', '--no-multicast-peers'];
	const child = track(
		spawn(
			options.turnserver,
			[
				...settings,
				`--listening-port=${options.port}`,
				'--listening-ip=127.0.0.1',
				'--relay-ip=127.0.0.1',
				'--use-auth-secret',
				`--static-auth-secret=${options.secret}`,
				'--realm=ponte.test',
				'--no-tls',
				'--no-dtls',
				'--no-cli',
				'--fingerprint',
				'--verbose',
				`--pidfile=${path.join(options.dir, `${name}.pid`)}`,
				`--userdb=${path.join(options.dir, `${name}.db`)}`,
				`--log-file=${logFile}`,
				'--simple-log'
			],
			{ stdio: 'ignore' }
		)
	);
	const log = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '');
	await waitFor(
		async () => {
			if (child.exitCode !== null) throw new Error(`turnserver exited: ${log()}`);
			return !(await tcpFree(options.port));
		},
		15_000,
		'turnserver'
	);
	return { process: child, port: options.port, logFile, log };
}

export interface PonteServer {
	process: ChildProcess;
	baseURL: string;
	output(): string;
}

/** The built Ponte (`node server/index.js`) with its own port, data directory and settings. */
export async function startPonte(options: {
	port: number;
	dataDir: string;
	env: Record<string, string>;
}): Promise<PonteServer> {
	let output = '';
	const child = track(
		spawn(process.execPath, ['server/index.js'], {
			env: {
				PATH: process.env.PATH,
				PORT: String(options.port),
				HOST: '127.0.0.1',
				DATA_DIR: options.dataDir,
				ADDRESS_HEADER: 'x-forwarded-for',
				XFF_DEPTH: '1',
				...options.env
			},
			stdio: ['ignore', 'pipe', 'pipe']
		})
	);
	child.stdout?.on('data', (chunk) => (output += chunk));
	child.stderr?.on('data', (chunk) => (output += chunk));
	const baseURL = `http://127.0.0.1:${options.port}`;
	await waitFor(
		async () => {
			if (child.exitCode !== null) throw new Error(`Ponte exited: ${output}`);
			return (await fetch(`${baseURL}/healthz`)).ok;
		},
		30_000,
		'Ponte'
	);
	return { process: child, baseURL, output: () => output };
}
