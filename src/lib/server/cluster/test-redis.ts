/**
 * For unit tests: a Redis to test against. `PONTE_TEST_REDIS_URL` (set by `npm test`'s
 * services) wins; otherwise a throwaway `redis-server` on 127.0.0.1 with nothing saved; when
 * neither exists the tests skip, saying why. Each test takes its own key prefix, so tests
 * sharing one server never see each other's keys.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, Socket } from 'node:net';

export interface TestRedis {
	url: string;
	stop(): Promise<void>;
}

export type TestRedisResult =
	{ redis: TestRedis; skipReason: null } | { redis: null; skipReason: string };

function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			server.close(() =>
				typeof address === 'object' && address
					? resolve(address.port)
					: reject(new Error('no port'))
			);
		});
	});
}

/** Whether a server answers PING on the port (a raw inline command: no client needed). */
function answersPing(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = new Socket();
		const done = (result: boolean) => {
			socket.destroy();
			resolve(result);
		};
		socket.setTimeout(500, () => done(false));
		socket.once('error', () => done(false));
		socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
		socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
	});
}

async function startRedisServer(): Promise<TestRedis | string> {
	const port = await freePort();
	let child: ChildProcess;
	try {
		child = spawn(
			'redis-server',
			['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
			{ stdio: 'ignore' }
		);
	} catch (error) {
		return `redis-server could not start: ${String(error)}`;
	}
	const failed = new Promise<string>((resolve) => {
		child.once('error', (error) => resolve(`redis-server could not start: ${error.message}`));
		child.once('exit', (code) => resolve(`redis-server exited (${code}) before answering`));
	});
	const stop = async () => {
		if (child.exitCode !== null || child.signalCode !== null) return;
		const exited = new Promise((resolve) => child.once('exit', resolve));
		child.kill('SIGTERM');
		await exited;
	};
	process.once('exit', () => child.kill('SIGKILL'));
	// Bounded: 10 s for the server to answer.
	for (let attempt = 0; attempt < 100; attempt++) {
		const outcome = await Promise.race([
			answersPing(port),
			failed,
			new Promise<null>((resolve) => setTimeout(() => resolve(null), 100))
		]);
		if (typeof outcome === 'string') return outcome;
		if (outcome === true) return { url: `redis://127.0.0.1:${port}`, stop };
	}
	await stop();
	return 'redis-server did not answer within 10 s';
}

/** The Redis to test against, or why there is none (for `describe.skipIf`). */
export async function openTestRedis(): Promise<TestRedisResult> {
	const url = process.env.PONTE_TEST_REDIS_URL;
	if (url) return { redis: { url, stop: async () => {} }, skipReason: null };
	const started = await startRedisServer();
	if (typeof started === 'string') {
		return {
			redis: null,
			skipReason: `Redis tests skipped: PONTE_TEST_REDIS_URL is unset and ${started}`
		};
	}
	return { redis: started, skipReason: null };
}

/** A key prefix of its own for one test. */
export function testPrefix(): string {
	return `ponte-test-${randomUUID()}:`;
}

/** Waits until `condition` holds, checking every 10 ms; fails after `timeoutMs`. */
export async function until(
	condition: () => boolean | Promise<boolean>,
	timeoutMs = 5000,
	what = 'the condition'
): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await condition())) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}
