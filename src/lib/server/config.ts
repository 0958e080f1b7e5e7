import path from 'node:path';
import {
	DEFAULT_RECORDING_CHUNK_MAX_BYTES,
	DEFAULT_SNAPSHOT_MAX_BYTES
} from '../../../server/body-limits.js';

/**
 * Every setting Ponte reads from the environment, with its default: the one source of these
 * facts (the README's configuration table lists the same names).
 */
export interface Config {
	port: number;
	host: string;
	origin: string | null;
	dataDir: string;
	/** A postgres:// URL: the database is PostgreSQL there; null: SQLite in `dataDir`. */
	databaseUrl: string | null;
	adminEmail: string | null;
	adminPassword: string | null;
	iceServers: RTCIceServerConfig[];
	/** TURN server URLs (turn:/turns:) that accept credentials signed with `turnSecret`. */
	turnUrls: string[];
	/** Shared with coturn's `static-auth-secret` (its `use-auth-secret` REST scheme). */
	turnSecret: string | null;
	turnTtlSeconds: number;
	/** 'relay' makes every browser use TURN only (hides addresses; costs relay bandwidth). */
	iceTransportPolicy: 'all' | 'relay';
	/** Lets the production server start on a plain-http public origin (screen capture breaks). */
	allowInsecureHttp: boolean;
	sessionCodeTtlMinutes: number;
	/** An active session with no agent on signaling for this long is closed as connection lost. */
	agentLostTimeoutSeconds: number;
	organisationName: string;
	/** The largest snapshot (a PNG an agent takes of the customer's screen or camera), in bytes. */
	snapshotMaxBytes: number;
	/** The largest recording chunk an agent's browser uploads (RECORDING_CHUNK_MAX_BYTES). */
	recordingChunkMaxBytes: number;
	/** What one session's recording may take, in bytes (RECORDING_SESSION_MAX_MB). */
	recordingSessionMaxBytes: number;
	/** What every recording together may take, in bytes (RECORDINGS_MAX_GB). */
	recordingsMaxBytes: number;
	/** Shared state for several processes (see docs/deployment.md); absent: all in-process. */
	redisUrl?: string;
}

export interface RTCIceServerConfig {
	urls: string | string[];
	username?: string;
	credential?: string;
}

function parseIceServers(raw: string | undefined): RTCIceServerConfig[] {
	if (!raw?.trim()) return [];
	let parsed: unknown;
	try {
		parsed = JSON.parse(raw);
	} catch {
		throw new Error('ICE_SERVERS must be a JSON list, e.g. [{"urls":"stun:stun.example.com"}]');
	}
	if (!Array.isArray(parsed)) throw new Error('ICE_SERVERS must be a JSON list');
	return parsed.map((entry, index) => {
		const urls = (entry as RTCIceServerConfig)?.urls;
		const valid =
			typeof urls === 'string' || (Array.isArray(urls) && urls.every((u) => typeof u === 'string'));
		if (!valid) throw new Error(`ICE_SERVERS[${index}] needs "urls" (a string or a list)`);
		return entry as RTCIceServerConfig;
	});
}

function parseTurnUrls(raw: string | undefined): string[] {
	const urls = (raw ?? '')
		.split(',')
		.map((url) => url.trim())
		.filter(Boolean);
	for (const url of urls) {
		if (!/^turns?:/.test(url)) {
			throw new Error(`TURN_URLS: "${url}" is not a turn: or turns: URL`);
		}
	}
	return urls;
}

function parseIceTransportPolicy(raw: string | undefined): 'all' | 'relay' {
	if (!raw) return 'all';
	if (raw === 'all' || raw === 'relay') return raw;
	throw new Error('ICE_TRANSPORT_POLICY must be "all" or "relay"');
}

function parseDatabaseUrl(raw: string | undefined): string | null {
	const url = raw?.trim();
	if (!url) return null;
	// A typo must not quietly fall back to an empty SQLite database.
	if (!/^postgres(ql)?:\/\//i.test(url)) {
		throw new Error(
			'DATABASE_URL must be a postgres:// or postgresql:// URL (unset: SQLite in DATA_DIR)'
		);
	}
	return url;
}

/** A redis:// or rediss:// URL; the error never repeats the value (it may hold a password). */
function parseRedisUrl(raw: string | undefined): string | undefined {
	if (!raw?.trim()) return undefined;
	const url = raw.trim();
	if (!URL.canParse(url) || !/^rediss?:$/.test(new URL(url).protocol)) {
		throw new Error('REDIS_URL must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379');
	}
	return url;
}

function positiveNumber(raw: string | undefined, fallback: number, name: string): number {
	if (raw === undefined || raw === '') return fallback;
	const value = Number(raw);
	if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
	return value;
}

function wholeBytes(raw: string | undefined, fallback: number, name: string): number {
	if (raw === undefined || raw === '') return fallback;
	const value = Number(raw);
	if (!Number.isSafeInteger(value) || value < 1) {
		throw new Error(`${name} must be a whole number of bytes, e.g. 8388608`);
	}
	return value;
}

export function readConfig(env: Record<string, string | undefined> = process.env): Config {
	if (!env.TURN_URLS !== !env.TURN_SECRET) {
		throw new Error('TURN_URLS and TURN_SECRET go together: set both, or neither');
	}
	return {
		port: positiveNumber(env.PORT, 3000, 'PORT'),
		host: env.HOST || '0.0.0.0',
		origin: env.ORIGIN || null,
		dataDir: path.resolve(env.DATA_DIR || './data'),
		databaseUrl: parseDatabaseUrl(env.DATABASE_URL),
		adminEmail: env.ADMIN_EMAIL || null,
		adminPassword: env.ADMIN_PASSWORD || null,
		iceServers: parseIceServers(env.ICE_SERVERS),
		turnUrls: parseTurnUrls(env.TURN_URLS),
		turnSecret: env.TURN_SECRET || null,
		turnTtlSeconds: positiveNumber(env.TURN_TTL_SECONDS, 3600, 'TURN_TTL_SECONDS'),
		iceTransportPolicy: parseIceTransportPolicy(env.ICE_TRANSPORT_POLICY),
		allowInsecureHttp: env.ALLOW_INSECURE_HTTP === '1',
		sessionCodeTtlMinutes: positiveNumber(
			env.SESSION_CODE_TTL_MINUTES,
			10,
			'SESSION_CODE_TTL_MINUTES'
		),
		agentLostTimeoutSeconds: positiveNumber(
			env.AGENT_LOST_TIMEOUT_SECONDS,
			120,
			'AGENT_LOST_TIMEOUT_SECONDS'
		),
		organisationName: env.ORGANISATION_NAME || 'Ponte Support',
		snapshotMaxBytes: wholeBytes(
			env.SNAPSHOT_MAX_BYTES,
			DEFAULT_SNAPSHOT_MAX_BYTES,
			'SNAPSHOT_MAX_BYTES'
		),
		recordingChunkMaxBytes: wholeBytes(
			env.RECORDING_CHUNK_MAX_BYTES,
			DEFAULT_RECORDING_CHUNK_MAX_BYTES,
			'RECORDING_CHUNK_MAX_BYTES'
		),
		recordingSessionMaxBytes: Math.floor(
			positiveNumber(env.RECORDING_SESSION_MAX_MB, 2048, 'RECORDING_SESSION_MAX_MB') * 1024 ** 2
		),
		recordingsMaxBytes: Math.floor(
			positiveNumber(env.RECORDINGS_MAX_GB, 100, 'RECORDINGS_MAX_GB') * 1024 ** 3
		),
		redisUrl: parseRedisUrl(env.REDIS_URL)
	};
}

export function isLocalOrigin(origin: string | null): boolean {
	if (!origin) return true;
	try {
		const { hostname } = new URL(origin);
		return ['localhost', '127.0.0.1', '[::1]', '::1'].includes(hostname);
	} catch {
		return false;
	}
}

/**
 * Why the server must not start on this origin, or null when it may: browsers allow screen
 * capture and WebCrypto only in a secure context (https, or localhost), so on a plain-http public
 * origin no session could work. ALLOW_INSECURE_HTTP=1 overrides it.
 */
export function insecureOriginRefusal(origin: string | null, allowInsecureHttp: boolean) {
	if (!origin || allowInsecureHttp || isLocalOrigin(origin)) return null;
	if (URL.canParse(origin) && new URL(origin).protocol === 'https:') return null;
	return (
		`ORIGIN is ${origin}: browsers allow screen sharing, and the WebCrypto that checks peers, ` +
		'only on https:// pages (or localhost), so sessions could not work. Serve Ponte over HTTPS ' +
		'(a reverse proxy, or HTTPS_CERT/HTTPS_KEY) and set ORIGIN=https://…, or set ' +
		'ALLOW_INSECURE_HTTP=1 to start anyway.'
	);
}
