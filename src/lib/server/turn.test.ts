import { describe, expect, it } from 'vitest';
import { readConfig } from './config';
import { iceServersFor, turnCredential } from './turn';

const NOW = 1_700_000_000_000;

describe('TURN credentials (coturn REST scheme)', () => {
	it('names the expiry and the peer, and signs the name with HMAC-SHA1 of the secret', () => {
		const { username, credential, expiresAt } = turnCredential('north', 'peer-a', 3600, NOW);
		expect(username).toBe('1700003600:peer-a');
		expect(expiresAt).toBe(1_700_003_600);
		// Computed independently with Python's hmac module, as coturn would.
		expect(credential).toBe('Wlny0XEDwDRoRR0aA8KDzoT3//I=');
	});

	it('expires TTL seconds from now, in whole Unix seconds', () => {
		const { expiresAt, username } = turnCredential('s', 'p', 600, NOW + 999);
		expect(expiresAt).toBe(Math.floor(NOW / 1000) + 600);
		expect(username.split(':')[0]).toBe(String(expiresAt));
	});

	it('differs per peer and per secret', () => {
		const base = turnCredential('secret', 'peer-a', 60, NOW).credential;
		expect(turnCredential('secret', 'peer-b', 60, NOW).credential).not.toBe(base);
		expect(turnCredential('other', 'peer-a', 60, NOW).credential).not.toBe(base);
	});
});

describe('iceServersFor', () => {
	const stun = { urls: 'stun:stun.example.com:3478' };

	it('adds a TURN entry with this peer`s credential after the configured servers', () => {
		const config = readConfig({
			ICE_SERVERS: JSON.stringify([stun]),
			TURN_URLS: 'turn:turn.example.com:3478?transport=udp, turns:turn.example.com:5349',
			TURN_SECRET: 'north',
			TURN_TTL_SECONDS: '3600'
		});
		const servers = iceServersFor({ config }, 'peer-a', NOW);
		expect(servers).toEqual([
			stun,
			{
				urls: ['turn:turn.example.com:3478?transport=udp', 'turns:turn.example.com:5349'],
				username: '1700003600:peer-a',
				credential: 'Wlny0XEDwDRoRR0aA8KDzoT3//I='
			}
		]);
	});

	it('returns the configured servers alone when TURN is not configured', () => {
		const config = readConfig({ ICE_SERVERS: JSON.stringify([stun]) });
		expect(iceServersFor({ config }, 'peer-a', NOW)).toEqual([stun]);
	});

	it('defaults to a one-hour credential', () => {
		const config = readConfig({ TURN_URLS: 'turn:t.example.com', TURN_SECRET: 'x' });
		const [turn] = iceServersFor({ config }, 'peer-a', NOW);
		expect(turn.username).toBe('1700003600:peer-a');
	});
});

describe('TURN configuration', () => {
	it('refuses URLs that are not turn: or turns:', () => {
		expect(() => readConfig({ TURN_URLS: 'stun:x.example.com', TURN_SECRET: 's' })).toThrow(
			/not a turn: or turns: URL/
		);
	});

	it('needs the URLs and the secret together', () => {
		expect(() => readConfig({ TURN_URLS: 'turn:x.example.com' })).toThrow(/go together/);
		expect(() => readConfig({ TURN_SECRET: 's' })).toThrow(/go together/);
	});

	it('reads the transport policy, all by default', () => {
		expect(readConfig({}).iceTransportPolicy).toBe('all');
		expect(readConfig({ ICE_TRANSPORT_POLICY: 'relay' }).iceTransportPolicy).toBe('relay');
		expect(() => readConfig({ ICE_TRANSPORT_POLICY: 'direct' })).toThrow(/"all" or "relay"/);
	});
});
