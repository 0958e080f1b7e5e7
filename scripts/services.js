// Throwaway PostgreSQL and Redis for the tests: found on this machine (or, as root on Debian,
// installed with apt-get), started on loopback on free ports with their data in a temporary
// directory, and stopped (the directory removed) when the process exits, however it exits.
//
//   node scripts/services.js               start both, print their URLs, stop on Ctrl-C
//   node scripts/services.js -- CMD ARGS   start both, run CMD with PONTE_TEST_POSTGRES_URL and
//                                          PONTE_TEST_REDIS_URL set, stop, exit with CMD's status
//
// As a module: `await startServices()` gives { env, postgres, redis, stop }. PONTE_TEST_SERVICES=0
// starts nothing; PONTE_TEST_NO_INSTALL=1 never runs apt-get.
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HOW_TO_GET_POSTGRES =
	'PostgreSQL not found: skipping the PostgreSQL run (install: apt-get install postgresql)';
export const HOW_TO_GET_REDIS =
	'Redis not found: skipping the Redis tests (install: apt-get install redis-server)';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function executable(file) {
	try {
		fs.accessSync(file, fs.constants.X_OK);
		return fs.statSync(file).isFile();
	} catch {
		return false;
	}
}

function onPath(name) {
	for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
		if (dir && executable(path.join(dir, name))) return path.join(dir, name);
	}
	return null;
}

/** The directory holding initdb, pg_ctl and postgres: Debian's newest, pg_config's, or PATH's. */
export function findPostgres() {
	const candidates = [];
	if (process.env.PONTE_PG_BIN) candidates.push(process.env.PONTE_PG_BIN);
	try {
		const versions = fs
			.readdirSync('/usr/lib/postgresql')
			.filter((v) => /^\d+$/.test(v))
			.sort((a, b) => Number(b) - Number(a));
		for (const version of versions) candidates.push(`/usr/lib/postgresql/${version}/bin`);
	} catch {
		// Not Debian's layout.
	}
	const pgConfig = onPath('pg_config');
	if (pgConfig) {
		const bindir = spawnSync(pgConfig, ['--bindir'], { encoding: 'utf8' }).stdout?.trim();
		if (bindir) candidates.push(bindir);
	}
	const initdb = onPath('initdb');
	if (initdb) candidates.push(path.dirname(initdb));
	return (
		candidates.find((dir) =>
			['initdb', 'pg_ctl', 'postgres'].every((name) => executable(path.join(dir, name)))
		) ?? null
	);
}

export function findRedis() {
	return (
		[onPath('redis-server'), '/usr/bin/redis-server', '/usr/sbin/redis-server'].find(
			(file) => file && executable(file)
		) ?? null
	);
}

/** As root on Debian: apt-get install the packages (after apt-get update). False otherwise. */
function aptInstall(packages, log) {
	if (!packages.length) return false;
	if (process.env.PONTE_TEST_NO_INSTALL === '1') return false;
	if (!isRoot || !fs.existsSync('/etc/debian_version') || !onPath('apt-get')) return false;
	log(`Installing ${packages.join(' and ')} (apt-get, as root on Debian)…`);
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	const options = { stdio: ['ignore', 'ignore', 'inherit'], env };
	if (spawnSync('apt-get', ['update'], options).status !== 0) return false;
	const install = spawnSync(
		'apt-get',
		['install', '-y', '--no-install-recommends', ...packages],
		options
	);
	return install.status === 0;
}

/** A port nothing listens on now (the OS picks it). */
function freePort() {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address();
			server.close(() => resolve(port));
		});
	});
}

function sleep(ms) {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs a PostgreSQL tool as a user who is not root: root itself if we are not root. */
function asPostgresUser(file, args, options = {}) {
	const [command, commandArgs] = isRoot
		? ['runuser', ['-u', 'postgres', '--', file, ...args]]
		: [file, args];
	return spawnSync(command, commandArgs, { encoding: 'utf8', ...options });
}

async function startPostgres(bin, dir, log) {
	if (isRoot && spawnSync('id', ['-u', 'postgres'], { stdio: 'ignore' }).status !== 0) {
		log('PostgreSQL refuses to run as root, and there is no postgres user to run it as');
		return null;
	}
	const data = path.join(dir, 'data');
	const socketDir = path.join(dir, 'socket');
	fs.mkdirSync(socketDir, { recursive: true, mode: 0o700 });
	const password = crypto.randomBytes(18).toString('base64url');
	const pwfile = path.join(dir, 'pwfile');
	fs.writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
	if (isRoot) spawnSync('chown', ['-R', 'postgres:', dir], { stdio: 'inherit' });

	const init = asPostgresUser(path.join(bin, 'initdb'), [
		'-D',
		data,
		'-U',
		'postgres',
		`--pwfile=${pwfile}`,
		'--auth-host=scram-sha-256',
		'--auth-local=peer',
		'--encoding=UTF8',
		// Byte order for text, as SQLite compares it.
		'--no-locale',
		'--no-sync'
	]);
	if (init.status !== 0) {
		log(`initdb failed:\n${init.stderr || init.stdout}`);
		return null;
	}
	const port = await freePort();
	const settings = [
		`-c listen_addresses=127.0.0.1`,
		`-p ${port}`,
		`-k ${socketDir}`,
		// Throwaway data: no need to survive a crash.
		'-c fsync=off',
		'-c synchronous_commit=off',
		'-c full_page_writes=off',
		'-c max_connections=200'
	].join(' ');
	const started = asPostgresUser(path.join(bin, 'pg_ctl'), [
		'-D',
		data,
		'-l',
		path.join(dir, 'postgres.log'),
		'-o',
		settings,
		'-w',
		'-t',
		'60',
		'start'
	]);
	if (started.status !== 0) {
		let serverLog = '';
		try {
			serverLog = fs.readFileSync(path.join(dir, 'postgres.log'), 'utf8');
		} catch {
			// No log written.
		}
		log(`PostgreSQL did not start:\n${started.stderr || started.stdout}${serverLog}`);
		return null;
	}
	return {
		url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
		port,
		stop() {
			asPostgresUser(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], {
				stdio: 'ignore'
			});
		}
	};
}

function redisPing(port) {
	return new Promise((resolve) => {
		const socket = net.connect(port, '127.0.0.1');
		let answer = '';
		socket.setTimeout(1000);
		socket.on('connect', () => socket.write('PING\r\n'));
		socket.on('data', (chunk) => {
			answer += chunk;
			if (answer.includes('\r\n')) socket.destroy();
		});
		socket.on('close', () => resolve(answer.startsWith('+PONG')));
		socket.on('error', () => resolve(false));
		socket.on('timeout', () => socket.destroy());
	});
}

async function startRedis(file, dir, log) {
	fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
	const port = await freePort();
	const child = spawn(
		file,
		[
			'--port',
			String(port),
			'--bind',
			'127.0.0.1',
			'--dir',
			dir,
			'--save',
			'',
			'--appendonly',
			'no',
			'--daemonize',
			'no',
			'--logfile',
			path.join(dir, 'redis.log')
		],
		{ stdio: 'ignore' }
	);
	let exited = false;
	child.on('exit', () => (exited = true));
	child.unref();
	for (let i = 0; i < 100 && !exited; i++) {
		if (await redisPing(port)) {
			return {
				url: `redis://127.0.0.1:${port}`,
				port,
				stop() {
					if (!exited) child.kill('SIGKILL');
				}
			};
		}
		await sleep(100);
	}
	if (!exited) child.kill('SIGKILL');
	log('Redis did not start');
	return null;
}

/**
 * Starts what is wanted and available. `env` holds PONTE_TEST_POSTGRES_URL and
 * PONTE_TEST_REDIS_URL for those that started; `stop` is synchronous (safe in an exit handler)
 * and idempotent.
 */
export async function startServices({ postgres = true, redis = true, log = console.log } = {}) {
	const none = { env: {}, postgres: null, redis: null, stop() {} };
	if (process.env.PONTE_TEST_SERVICES === '0') return none;
	let pgBin = postgres ? findPostgres() : null;
	let redisServer = redis ? findRedis() : null;
	const missing = [];
	if (postgres && !pgBin) missing.push('postgresql');
	if (redis && !redisServer) missing.push('redis-server');
	if (aptInstall(missing, log)) {
		if (postgres) pgBin = findPostgres();
		if (redis) redisServer = findRedis();
	}

	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ponte-services-'));
	// The postgres user must reach its own subdirectory.
	fs.chmodSync(dir, 0o711);
	const started = [];
	let stopped = false;
	const stop = () => {
		if (stopped) return;
		stopped = true;
		for (const service of started) {
			try {
				service.stop();
			} catch {
				// Going anyway.
			}
		}
		fs.rmSync(dir, { recursive: true, force: true });
		process.off('exit', stop);
		for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.off(signal, onSignal);
	};
	const onSignal = (signal) => {
		stop();
		process.exit(128 + (os.constants.signals[signal] ?? 1));
	};
	process.on('exit', stop);
	for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, onSignal);

	try {
		const pgService = pgBin ? await startPostgres(pgBin, path.join(dir, 'postgres'), log) : null;
		if (pgService) started.push(pgService);
		const redisService = redisServer
			? await startRedis(redisServer, path.join(dir, 'redis'), log)
			: null;
		if (redisService) started.push(redisService);
		const env = {};
		if (pgService) env.PONTE_TEST_POSTGRES_URL = pgService.url;
		if (redisService) env.PONTE_TEST_REDIS_URL = redisService.url;
		if (postgres && !pgBin) log(HOW_TO_GET_POSTGRES);
		else if (postgres && !pgService) log('PostgreSQL did not start: skipping the PostgreSQL run');
		if (redis && !redisServer) log(HOW_TO_GET_REDIS);
		else if (redis && !redisService) log('Redis did not start: skipping the Redis tests');
		return { env, postgres: pgService, redis: redisService, stop };
	} catch (error) {
		stop();
		throw error;
	}
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	const services = await startServices();
	const separator = process.argv.indexOf('--');
	const command = separator === -1 ? [] : process.argv.slice(separator + 1);
	if (command.length) {
		const result = spawnSync(command[0], command.slice(1), {
			stdio: 'inherit',
			env: { ...process.env, ...services.env }
		});
		services.stop();
		process.exit(result.status ?? 1);
	}
	for (const [name, value] of Object.entries(services.env)) console.log(`${name}=${value}`);
	console.log('Running: Ctrl-C stops them and removes their data.');
	// Stay up until a signal; the handlers stop the services.
	setInterval(() => {}, 1 << 30);
}
