import { describe, expect, it } from 'vitest';
import { insecureOriginRefusal, readConfig } from './config';

describe('insecureOriginRefusal', () => {
	it('lets https origins and no origin start', () => {
		expect(insecureOriginRefusal(null, false)).toBeNull();
		expect(insecureOriginRefusal('https://support.example.com', false)).toBeNull();
		expect(insecureOriginRefusal('https://192.168.1.20:3443', false)).toBeNull();
	});

	it('lets plain http start on this machine (a secure context for the browser)', () => {
		expect(insecureOriginRefusal('http://localhost:3000', false)).toBeNull();
		expect(insecureOriginRefusal('http://127.0.0.1:3000', false)).toBeNull();
		expect(insecureOriginRefusal('http://[::1]:3000', false)).toBeNull();
	});

	it('refuses plain http on any other host, saying why', () => {
		for (const origin of ['http://support.example.com', 'http://192.168.1.20:3000']) {
			expect(insecureOriginRefusal(origin, false)).toMatch(
				/screen sharing.* only on https:\/\/ pages/
			);
		}
		expect(insecureOriginRefusal('http://support.example.com', false)).toMatch(
			/ALLOW_INSECURE_HTTP=1/
		);
	});

	it('starts anyway when told to', () => {
		expect(insecureOriginRefusal('http://support.example.com', true)).toBeNull();
	});

	it('reads ALLOW_INSECURE_HTTP=1 only', () => {
		expect(readConfig({ ALLOW_INSECURE_HTTP: '1' }).allowInsecureHttp).toBe(true);
		expect(readConfig({ ALLOW_INSECURE_HTTP: 'yes' }).allowInsecureHttp).toBe(false);
		expect(readConfig({}).allowInsecureHttp).toBe(false);
	});
});

describe('REDIS_URL', () => {
	it('is absent unless set', () => {
		expect(readConfig({}).redisUrl).toBeUndefined();
		expect(readConfig({ REDIS_URL: ' ' }).redisUrl).toBeUndefined();
	});

	it('takes redis:// and rediss:// URLs', () => {
		expect(readConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }).redisUrl).toBe(
			'redis://127.0.0.1:6379'
		);
		expect(readConfig({ REDIS_URL: 'rediss://:pw@cache.example.com:6380/2' }).redisUrl).toBe(
			'rediss://:pw@cache.example.com:6380/2'
		);
	});

	it('refuses anything else without repeating the value', () => {
		for (const raw of ['http://cache:6379', 'cache:6379', 'redis//:hunter2@x']) {
			expect(() => readConfig({ REDIS_URL: raw })).toThrow(/REDIS_URL must be a redis:\/\//);
			try {
				readConfig({ REDIS_URL: raw });
			} catch (error) {
				expect(String(error)).not.toContain('hunter2');
			}
		}
	});
});
