import { describe, expect, it } from 'vitest';
import { insecureOriginRefusal, readConfig } from './config';
import {
	DEFAULT_BODY_LIMIT,
	adapterBodyLimit,
	isRecordingChunkUpload,
	isSnapshotUpload
} from '../../../server/body-limits.js';

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

describe('DATABASE_URL', () => {
	it('unset or empty: SQLite in DATA_DIR', () => {
		expect(readConfig({}).databaseUrl).toBeNull();
		expect(readConfig({ DATABASE_URL: ' ' }).databaseUrl).toBeNull();
	});

	it('a postgres:// or postgresql:// URL: PostgreSQL', () => {
		for (const url of ['postgres://ponte@db/ponte', 'postgresql://ponte:secret@db:5432/ponte']) {
			expect(readConfig({ DATABASE_URL: url }).databaseUrl).toBe(url);
		}
	});

	it('refuses anything else rather than quietly using an empty SQLite database', () => {
		expect(() => readConfig({ DATABASE_URL: 'mysql://db/ponte' })).toThrow(/postgres:\/\//);
		expect(() => readConfig({ DATABASE_URL: 'data/ponte.sqlite' })).toThrow(/DATABASE_URL/);
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

describe('SNAPSHOT_MAX_BYTES', () => {
	it('is 8 MiB unless set, and a whole number of bytes when set', () => {
		expect(readConfig({}).snapshotMaxBytes).toBe(8 * 1024 * 1024);
		expect(readConfig({ SNAPSHOT_MAX_BYTES: '1048576' }).snapshotMaxBytes).toBe(1048576);
		for (const raw of ['0', '-5', '1.5', 'lots', '1e400']) {
			expect(() => readConfig({ SNAPSHOT_MAX_BYTES: raw })).toThrow(/SNAPSHOT_MAX_BYTES/);
		}
	});

	it("raises adapter-node's body limit to it, unless the operator set one", () => {
		expect(adapterBodyLimit({})).toBe(String(8 * 1024 * 1024));
		expect(
			adapterBodyLimit({ SNAPSHOT_MAX_BYTES: '1000', RECORDING_CHUNK_MAX_BYTES: '1000' })
		).toBe(String(DEFAULT_BODY_LIMIT));
		// A recording chunk's room, by default as large.
		expect(adapterBodyLimit({ SNAPSHOT_MAX_BYTES: '1000' })).toBe(String(8 * 1024 * 1024));
		expect(adapterBodyLimit({ SNAPSHOT_MAX_BYTES: '20000000' })).toBe('20000000');
		expect(adapterBodyLimit({ BODY_SIZE_LIMIT: '1M' })).toBe('1M');
	});

	it('takes recording limits: chunk bytes, session megabytes, total gigabytes', () => {
		const defaults = readConfig({});
		expect(defaults.recordingChunkMaxBytes).toBe(8 * 1024 * 1024);
		expect(defaults.recordingSessionMaxBytes).toBe(2048 * 1024 * 1024);
		expect(defaults.recordingsMaxBytes).toBe(100 * 1024 ** 3);
		const set = readConfig({
			RECORDING_CHUNK_MAX_BYTES: '1048576',
			RECORDING_SESSION_MAX_MB: '10',
			RECORDINGS_MAX_GB: '0.5'
		});
		expect(set.recordingChunkMaxBytes).toBe(1048576);
		expect(set.recordingSessionMaxBytes).toBe(10 * 1024 * 1024);
		expect(set.recordingsMaxBytes).toBe(512 * 1024 * 1024);
		expect(() => readConfig({ RECORDING_CHUNK_MAX_BYTES: '1.5' })).toThrow(/RECORDING_CHUNK/);
		expect(() => readConfig({ RECORDING_SESSION_MAX_MB: '0' })).toThrow(/RECORDING_SESSION/);
		expect(() => readConfig({ RECORDINGS_MAX_GB: 'lots' })).toThrow(/RECORDINGS_MAX_GB/);
		// adapter-node's limit makes room for the larger upload.
		expect(adapterBodyLimit({ RECORDING_CHUNK_MAX_BYTES: '20000000' })).toBe('20000000');
	});

	it('knows a recording chunk upload by its method and path', () => {
		const path = '/api/sessions/abc/recording/segments/0/chunks/12';
		expect(isRecordingChunkUpload('PUT', path)).toBe(true);
		expect(isRecordingChunkUpload('POST', path)).toBe(false);
		expect(isRecordingChunkUpload('PUT', '/api/sessions/abc/recording/segments/0/end')).toBe(false);
		expect(isRecordingChunkUpload('PUT', '/api/sessions/a/b/recording/segments/0/chunks/1')).toBe(
			false
		);
	});

	it('knows a snapshot upload by its method and path', () => {
		expect(isSnapshotUpload('POST', '/api/sessions/abc/snapshots')).toBe(true);
		expect(isSnapshotUpload('GET', '/api/sessions/abc/snapshots')).toBe(false);
		expect(isSnapshotUpload('POST', '/api/sessions/abc/events')).toBe(false);
		expect(isSnapshotUpload('POST', '/api/sessions/a/b/snapshots')).toBe(false);
	});
});
