import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dataDirWarning } from './data-dir';
import { openDatabase } from './db';
import { loadOrCreateSecrets } from './secrets';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ponte-unit-'));
const modeOf = (file: string) => fs.statSync(file).mode & 0o777;

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('DATA_DIR permissions', () => {
	it('a new DATA_DIR is 0700; the database, its -wal and -shm and secrets.json are 0600', async () => {
		const dataDir = path.join(root, 'new', 'data');
		const opened = await openDatabase({ dataDir, databaseUrl: null });
		loadOrCreateSecrets(dataDir);
		try {
			expect(modeOf(dataDir)).toBe(0o700);
			for (const name of ['ponte.sqlite', 'ponte.sqlite-wal', 'ponte.sqlite-shm', 'secrets.json']) {
				expect(modeOf(path.join(dataDir, name)), name).toBe(0o600);
			}
			expect(dataDirWarning(dataDir)).toBeNull();
		} finally {
			await opened.close();
		}
	});

	it('tightens files left open to others, and warns about an open DATA_DIR', async () => {
		const dataDir = path.join(root, 'old');
		fs.mkdirSync(dataDir, { mode: 0o700 });
		// An older version's files: made, then opened up to group and others.
		const first = await openDatabase({ dataDir, databaseUrl: null });
		await first.close();
		loadOrCreateSecrets(dataDir);
		for (const name of ['ponte.sqlite', 'secrets.json']) {
			fs.chmodSync(path.join(dataDir, name), 0o666);
		}
		fs.writeFileSync(path.join(dataDir, 'ponte.sqlite-wal'), '');
		fs.chmodSync(path.join(dataDir, 'ponte.sqlite-wal'), 0o644);
		fs.chmodSync(dataDir, 0o755);

		expect(dataDirWarning(dataDir)).toMatch(
			/DATA_DIR is readable or writable by group or others \(mode 755\)/
		);
		const opened = await openDatabase({ dataDir, databaseUrl: null });
		loadOrCreateSecrets(dataDir);
		try {
			for (const name of ['ponte.sqlite', 'ponte.sqlite-wal', 'ponte.sqlite-shm', 'secrets.json']) {
				expect(modeOf(path.join(dataDir, name)), name).toBe(0o600);
			}
			// The directory is the operator's: warned about, not changed.
			expect(modeOf(dataDir)).toBe(0o755);
			fs.chmodSync(dataDir, 0o711);
			expect(dataDirWarning(dataDir)).toBeNull();
			fs.chmodSync(dataDir, 0o720);
			expect(dataDirWarning(dataDir)).toMatch(/mode 720/);
		} finally {
			await opened.close();
		}
	});
});
