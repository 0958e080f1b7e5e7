import crypto from 'node:crypto';
import type { Config, RTCIceServerConfig } from './config';

export interface TurnCredential {
	username: string;
	credential: string;
	/** Unix seconds after which coturn refuses to open a new allocation with it. */
	expiresAt: number;
}

/**
 * A short-lived TURN credential in coturn's REST scheme (`use-auth-secret`): the username is
 * `expiry:peerId`, the password base64(HMAC-SHA1(secret, username)). coturn recomputes the HMAC
 * from its `static-auth-secret`, so nothing is stored, and refuses the name once the expiry has
 * passed. An allocation opened in time lives on (coturn checks expiry when it is created).
 */
export function turnCredential(
	secret: string,
	peerId: string,
	ttlSeconds: number,
	now = Date.now()
): TurnCredential {
	const expiresAt = Math.floor(now / 1000) + Math.floor(ttlSeconds);
	const username = `${expiresAt}:${peerId}`;
	const credential = crypto.createHmac('sha1', secret).update(username).digest('base64');
	return { username, credential, expiresAt };
}

/** The ICE servers one peer's browser gets: the configured ones plus its own TURN credential. */
export function iceServersFor(
	runtime: { config: Pick<Config, 'iceServers' | 'turnUrls' | 'turnSecret' | 'turnTtlSeconds'> },
	peerId: string,
	now = Date.now()
): RTCIceServerConfig[] {
	const { iceServers, turnUrls, turnSecret, turnTtlSeconds } = runtime.config;
	if (turnUrls.length === 0 || !turnSecret) return iceServers;
	const { username, credential } = turnCredential(turnSecret, peerId, turnTtlSeconds, now);
	return [...iceServers, { urls: turnUrls, username, credential }];
}
