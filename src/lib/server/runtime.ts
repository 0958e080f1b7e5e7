import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { ensureFirstAdmin } from './auth';
import { insecureOriginRefusal, isLocalOrigin, readConfig, type Config } from './config';
import { dataDirWarning } from './data-dir';
import { openDatabase, type DB } from './db';
import { guardHttpServer } from './http-guards';
import { log } from './log';
import {
	FailureCount,
	FailureRateLimiter,
	GrowingDelay,
	type AccountDelay,
	type AttemptLimiter,
	type DeviceFailures
} from './ratelimit';
import {
	sharedAccountDelay,
	sharedAttemptLimiter,
	sharedDeviceFailures
} from './cluster/redis-ratelimit';
import { loadOrCreateSecrets, type ServerSecrets } from './secrets';
import { localSessionEvents, redisSessionEvents, type SessionEvents } from './session-events';
import { createSignaling, type Signaling } from './signaling';
import { expireUnusedCodes } from './support-sessions';
import { AgentPresenceWatch } from './agent-presence';
import { UsedNonces } from './devices';
import { UnattendedConnections } from './unattended-connect';
import { LocalConsolePresence, type ConsolePresence } from './console-presence';
import { RedisConsolePresence } from './cluster/redis-presence';
import { RedisLeaderLock, soleLeader, type Leadership } from './cluster/leader';
import { openCluster, type Cluster } from './cluster/redis';
import { diskSnapshotStorage, type SnapshotStorage } from './snapshot-files';
import { sweepStaleSnapshots } from './snapshots';
import { diskRecordingStorage, type RecordingStorage } from './recording-files';
import { RecordingWorker, settleRecordings } from './recordings';

/**
 * Everything the server holds for its lifetime: configuration, database, secrets, limiters and
 * the signaling server. One per process (kept on globalThis, so the production entry, the Vite
 * dev plugin and SvelteKit's bundle all share the same instance).
 */
export interface Runtime {
	config: Config;
	db: DB;
	secrets: ServerSecrets;
	/** The Redis the processes share (REDIS_URL), with this process's node ID; null: one process. */
	cluster: Cluster | null;
	joinLimiter: AttemptLimiter;
	loginLimiter: AttemptLimiter;
	/** Wrong passwords per account, from any address: a growing wait, never a hard lock. */
	accountDelay: AccountDelay;
	/** Wrong passwords per device cookie: past its limit, that browser meets the account's delay. */
	deviceFailures: DeviceFailures;
	/** What the session services announce (ended, left, features): signaling listens. */
	events: SessionEvents;
	signaling: Signaling | null;
	/** Agents with the console open: user ID → last time their console checked in (ms). */
	presence: ConsolePresence;
	/** Devices available for unattended access, and the connect requests in flight. */
	unattended: UnattendedConnections;
	/** Device challenges already answered: each is single use. */
	usedNonces: UsedNonces;
	/** Where snapshot pictures are kept (DATA_DIR/snapshots). */
	snapshots: SnapshotStorage;
	/** Where session recordings are kept (DATA_DIR/recordings). */
	recordings: RecordingStorage;
	/** Ends, assembles, merges and deletes recordings in the background (see settleRecordings). */
	recordingWork: RecordingWorker;
	/** Routes a websocket upgrade to signaling; false when the path is not ours. */
	handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
	/** Signaling on the server, and its guards: no request, however malformed, throws out. */
	attach(server: Server): void;
	close(): Promise<void>;
}

const KEY = Symbol.for('ponte.runtime');
type GlobalWithRuntime = typeof globalThis & { [KEY]?: Promise<Runtime> };

export function getRuntime(): Promise<Runtime> {
	const global = globalThis as GlobalWithRuntime;
	global[KEY] ??= createRuntime();
	return global[KEY];
}

async function createRuntime(): Promise<Runtime> {
	const config = readConfig();
	const refusal = insecureOriginRefusal(config.origin, config.allowInsecureHttp);
	// Before the database opens: nothing to undo. server/index.js prints it and exits 1.
	if (refusal) throw Object.assign(new Error(refusal), { name: 'StartupRefusal' });
	if (insecureOriginRefusal(config.origin, false)) {
		log.warn('ALLOW_INSECURE_HTTP=1: a public plain-http ORIGIN, where screen sharing cannot work');
	}
	const cluster = config.redisUrl ? await openCluster({ url: config.redisUrl }) : null;
	const { db, close: closeDb } = await openDatabase(config);
	const secrets = loadOrCreateSecrets(config.dataDir);
	const dataDirExposed = dataDirWarning(config.dataDir);
	if (dataDirExposed) log.warn(dataDirExposed);

	// With a shared Redis the counts are the cluster's: a guesser meets one budget, not one per
	// process.
	const joinOptions = { perKey: 10, global: 1000, windowMs: 10 * 60_000, blockMs: 15 * 60_000 };
	const joinLimiter = cluster
		? sharedAttemptLimiter(cluster, 'join', joinOptions)
		: new FailureRateLimiter(joinOptions);
	joinLimiter.onGlobalLimit = () =>
		log.warn('join failures over the global budget: possible distributed code guessing');
	const loginOptions = { perKey: 8, global: 2000, windowMs: 15 * 60_000, blockMs: 15 * 60_000 };
	const loginLimiter = cluster
		? sharedAttemptLimiter(cluster, 'login', loginOptions)
		: new FailureRateLimiter(loginOptions);
	loginLimiter.onGlobalLimit = () => log.warn('login failures over the global budget');
	// Above the per-address budget, so one address meets its own limit first; then 2 s, doubling
	// per failure to 15 minutes (reached after 19 failures).
	const delayOptions = {
		free: 10,
		firstDelayMs: 2000,
		maxDelayMs: 15 * 60_000,
		forgetMs: 60 * 60_000
	};
	const accountDelay = cluster
		? sharedAccountDelay(cluster, 'account', delayOptions)
		: new GrowingDelay(delayOptions);
	const deviceOptions = { limit: 10, forgetMs: 24 * 60 * 60_000 };
	const deviceFailures = cluster
		? sharedDeviceFailures(cluster, 'device', deviceOptions)
		: new FailureCount(deviceOptions);

	const events = cluster ? await redisSessionEvents(cluster) : localSessionEvents();

	const admin = await ensureFirstAdmin(db, config);
	const loginUrl = `${config.origin ?? `http://localhost:${config.port}`}/login`;
	if (admin.created && admin.generatedPassword) {
		// Printed once, at creation, so the operator can log in; never again.
		console.log(
			`\n  First administrator created.\n  Log in at ${loginUrl}\n    Email:    ${admin.email}\n    Password: ${admin.generatedPassword}\n  (shown only this once: change it after logging in)\n`
		);
	} else if (admin.created) {
		console.log(
			`\n  First administrator created: log in at ${loginUrl} as ${admin.email} with ADMIN_PASSWORD.\n`
		);
	} else if (admin.email) {
		console.log(`\n  Log in at ${loginUrl} as ${admin.email}.\n`);
	}
	if (
		!isLocalOrigin(config.origin) &&
		config.iceServers.length === 0 &&
		config.turnUrls.length === 0
	) {
		log.warn(
			'ORIGIN is not localhost and neither ICE_SERVERS nor TURN_URLS is set: peers on different networks will not connect without STUN/TURN'
		);
	}
	if (config.iceTransportPolicy === 'relay' && config.turnUrls.length === 0) {
		log.warn('ICE_TRANSPORT_POLICY is relay but TURN_URLS is empty: no session can connect');
	}

	// The sweeps of shared rows run on one process at a time; each process tidies its own memory.
	const leader: Leadership = cluster ? new RedisLeaderLock(cluster, 'sweeps').start() : soleLeader;
	const sweeper = setInterval(() => {
		joinLimiter.sweep();
		loginLimiter.sweep();
		accountDelay.sweep();
		deviceFailures.sweep();
		if (!leader.isLeader()) return;
		expireUnusedCodes(runtime).catch((error) =>
			log.error('expiry sweep failed', { error: String(error) })
		);
		sweepStaleSnapshots(runtime).catch((error) =>
			log.error('snapshot sweep failed', { error: String(error) })
		);
		runtime.recordingWork.kick();
	}, 30_000);
	sweeper.unref();

	// Checked a few times per timeout, so a session closes soon after its agent's time is up.
	const agentTimeoutMs = config.agentLostTimeoutSeconds * 1000;
	const presence = new AgentPresenceWatch(agentTimeoutMs);
	const presenceSweeper = setInterval(
		() => {
			if (!leader.isLeader()) return;
			presence
				.sweep(runtime)
				.catch((error) => log.error('agent presence sweep failed', { error: String(error) }));
		},
		Math.min(Math.max(agentTimeoutMs / 4, 1000), 30_000)
	);
	presenceSweeper.unref();

	const runtime: Runtime = {
		config,
		db,
		secrets,
		cluster,
		joinLimiter,
		loginLimiter,
		accountDelay,
		deviceFailures,
		events,
		signaling: null,
		presence: cluster ? new RedisConsolePresence(cluster) : new LocalConsolePresence(),
		unattended: new UnattendedConnections(),
		usedNonces: new UsedNonces(),
		snapshots: diskSnapshotStorage(config.dataDir),
		recordings: diskRecordingStorage(config.dataDir),
		recordingWork: new RecordingWorker(() => settleRecordings(runtime)),
		handleUpgrade(req, socket, head) {
			return runtime.signaling?.handleUpgrade(req, socket, head) ?? false;
		},
		attach(server) {
			guardHttpServer(server, runtime.handleUpgrade);
		},
		async close() {
			clearInterval(sweeper);
			clearInterval(presenceSweeper);
			stopRecordingOnEnd();
			await runtime.recordingWork.idle();
			await leader.close();
			await runtime.signaling?.close();
			await runtime.events.close();
			await closeDb();
			await cluster?.close();
		}
	};
	runtime.signaling = createSignaling(runtime);
	// A session's end ends its recording's open segment and assembles it soon, not at the next
	// sweep; at start, whatever a previous process left (ended sessions, expiries) is settled.
	const stopRecordingOnEnd = events.subscribe('session-ended', () => {
		if (leader.isLeader()) runtime.recordingWork.kick();
	});
	if (leader.isLeader()) runtime.recordingWork.kick();
	return runtime;
}
