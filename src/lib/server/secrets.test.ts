import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadOrCreateSecrets } from './secrets';

describe('loadOrCreateSecrets', () => {
	afterEach(() => vi.restoreAllMocks());

	it('two nodes starting together on one DATA_DIR end up with the same keys', () => {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ponte-secrets-'));
		const first = loadOrCreateSecrets(dir);
		// The second looked before the first had written: it generates keys of its own, and
		// still takes the first one's.
		vi.spyOn(fs, 'existsSync').mockReturnValueOnce(false);
		const second = loadOrCreateSecrets(dir);
		expect(second.ticketPublicKeyRaw).toBe(first.ticketPublicKeyRaw);
		expect(second.hmacKey.equals(first.hmacKey)).toBe(true);
		expect(fs.readdirSync(dir)).toEqual(['secrets.json']);
		fs.rmSync(dir, { recursive: true, force: true });
	});
});
