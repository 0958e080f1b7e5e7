import fs from 'node:fs';
import { log } from './log';

/**
 * DATA_DIR holds the database (sessions, audit log, password hashes) and the server's signing
 * keys: only the account Ponte runs as may read it. Files are created 0600 rather than relying
 * on a umask, and files left more open by an older version or a copy are tightened; SQLite gives
 * its -wal and -shm files the main file's mode.
 */
const GROUP_OR_OTHERS = 0o077;

/** Creates DATA_DIR (0700) when it is missing; an existing one is left as the operator set it. */
export function ensureDataDir(dataDir: string): void {
	fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
}

/** Takes group and others' permissions off a file, when it exists. */
export function makePrivate(file: string): void {
	let mode: number;
	try {
		mode = fs.statSync(file).mode & 0o777;
	} catch {
		return;
	}
	if (!(mode & GROUP_OR_OTHERS)) return;
	try {
		fs.chmodSync(file, mode & 0o700);
	} catch (error) {
		// Another account's file (EPERM): say so, and start anyway.
		log.warn('could not take group and other permissions off a data file', {
			file,
			error: (error as NodeJS.ErrnoException).code ?? String(error)
		});
	}
}

/** Creates a file 0600 when it is missing (contents untouched when present), then makes it private. */
export function createPrivateFile(file: string): void {
	fs.closeSync(fs.openSync(file, 'a', 0o600));
	makePrivate(file);
}

/**
 * The start-up warning for a DATA_DIR that group or others may read or write (its mode, in
 * octal), or null when it is private.
 */
export function dataDirWarning(dataDir: string): string | null {
	const mode = fs.statSync(dataDir).mode & 0o777;
	if (!(mode & 0o066)) return null;
	return `DATA_DIR is readable or writable by group or others (mode ${mode.toString(8).padStart(3, '0')}): chmod 700 it`;
}
