import path from 'node:path';

/**
 * Every setting Ponte reads from the environment, with its default: the one source of these
 * facts (the README's configuration table lists the same names).
 */
export interface Config {
	port: number;
	host: string;
	origin: string | null;
	dataDir: string;
	adminEmail: string | null;
	adminPassword: string | null;
	iceServers: RTCIceServerConfig[];
	sessionCodeTtlMinutes: number;
	/** An active session with no agent on signaling for this long is closed as connection lost. */
	agentLostTimeoutSeconds: number;
	organisationName: string;
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

function positiveNumber(raw: string | undefined, fallback: number, name: string): number {
	if (raw === undefined || raw === '') return fallback;
	const value = Number(raw);
	if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
	return value;
}

export function readConfig(env: Record<string, string | undefined> = process.env): Config {
	return {
		port: positiveNumber(env.PORT, 3000, 'PORT'),
		host: env.HOST || '0.0.0.0',
		origin: env.ORIGIN || null,
		dataDir: path.resolve(env.DATA_DIR || './data'),
		adminEmail: env.ADMIN_EMAIL || null,
		adminPassword: env.ADMIN_PASSWORD || null,
		iceServers: parseIceServers(env.ICE_SERVERS),
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
		organisationName: env.ORGANISATION_NAME || 'Ponte Support'
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
