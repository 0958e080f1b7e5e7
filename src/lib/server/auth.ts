import crypto from 'node:crypto';
import type { Cookies } from '@sveltejs/kit';
import type { DB } from './db';
import type { Role } from './db/schema';
import { generatePassword, hashPassword, verifyPassword } from './passwords';
import { randomId, sha256 } from './secrets';

export const SESSION_COOKIE = 'ponte_session';
const LOGIN_SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export interface SessionUser {
	id: string;
	email: string;
	name: string;
	role: Role;
}

export function normaliseEmail(email: string): string {
	return email.trim().toLowerCase();
}

export async function createUser(
	db: DB,
	input: { email: string; name: string; password: string; role: Role }
): Promise<SessionUser> {
	const user = {
		id: randomId(12),
		email: normaliseEmail(input.email),
		name: input.name.trim(),
		role: input.role
	};
	await db
		.insertInto('users')
		.values({
			...user,
			password_hash: await hashPassword(input.password),
			created_at: Date.now(),
			disabled_at: null
		})
		.execute();
	return user;
}

/**
 * Creates the first administrator when there is no user yet. Returns the generated
 * password (to print once) when none was configured.
 */
export async function ensureFirstAdmin(
	db: DB,
	config: { adminEmail: string | null; adminPassword: string | null }
): Promise<{ created: boolean; email: string; generatedPassword: string | null }> {
	const existing = await db
		.selectFrom('users')
		.select(['email'])
		.where('role', '=', 'admin')
		.orderBy('created_at')
		.executeTakeFirst();
	if (existing) return { created: false, email: existing.email, generatedPassword: null };
	const anyUser = await db.selectFrom('users').select('id').executeTakeFirst();
	if (anyUser) return { created: false, email: '', generatedPassword: null };
	const email = config.adminEmail ?? 'admin@ponte.local';
	const generatedPassword = config.adminPassword ? null : generatePassword();
	await createUser(db, {
		email,
		name: 'Administrator',
		password: config.adminPassword ?? generatedPassword!,
		role: 'admin'
	});
	return { created: true, email: normaliseEmail(email), generatedPassword };
}

// A fixed hash to compare against when the email is unknown, so the timing does not tell
// whether an account exists.
let dummyHash: Promise<string> | null = null;

export async function checkCredentials(
	db: DB,
	email: string,
	password: string
): Promise<SessionUser | null> {
	const row = await db
		.selectFrom('users')
		.selectAll()
		.where('email', '=', normaliseEmail(email))
		.executeTakeFirst();
	if (!row) {
		dummyHash ??= hashPassword(crypto.randomBytes(16).toString('hex'));
		await verifyPassword(password, await dummyHash);
		return null;
	}
	const valid = await verifyPassword(password, row.password_hash);
	if (!valid || row.disabled_at !== null) return null;
	return { id: row.id, email: row.email, name: row.name, role: row.role };
}

/** A new 256-bit token per login (never reused: no session fixation); only its hash is stored. */
export async function createLoginSession(db: DB, userId: string): Promise<string> {
	const token = crypto.randomBytes(32).toString('base64url');
	const now = Date.now();
	await db
		.insertInto('login_sessions')
		.values({
			token_hash: sha256(token),
			user_id: userId,
			created_at: now,
			expires_at: now + LOGIN_SESSION_TTL_MS
		})
		.execute();
	return token;
}

export async function userForToken(db: DB, token: string | undefined): Promise<SessionUser | null> {
	if (!token || token.length > 100) return null;
	const row = await db
		.selectFrom('login_sessions')
		.innerJoin('users', 'users.id', 'login_sessions.user_id')
		.select([
			'users.id',
			'users.email',
			'users.name',
			'users.role',
			'users.disabled_at',
			'login_sessions.expires_at'
		])
		.where('login_sessions.token_hash', '=', sha256(token))
		.executeTakeFirst();
	if (!row || row.expires_at <= Date.now() || row.disabled_at !== null) return null;
	return { id: row.id, email: row.email, name: row.name, role: row.role };
}

export async function deleteLoginSession(db: DB, token: string | undefined): Promise<void> {
	if (!token) return;
	await db.deleteFrom('login_sessions').where('token_hash', '=', sha256(token)).execute();
}

export function setSessionCookie(cookies: Cookies, token: string, secure: boolean) {
	cookies.set(SESSION_COOKIE, token, {
		path: '/',
		httpOnly: true,
		sameSite: 'lax',
		secure,
		maxAge: LOGIN_SESSION_TTL_MS / 1000
	});
}
