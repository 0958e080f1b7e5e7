import crypto from 'node:crypto';
import { audit } from './audit';
import type { DB } from './db';
import { lockUsers } from './db/locks';
import { hashPassword } from './passwords';
import type { Runtime } from './runtime';
import { sha256 } from './secrets';

/** How long a set-password link can be used. */
export const PASSWORD_LINK_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * A one-time link for setting a password: 256 random bits, of which only the SHA-256 is stored;
 * single use, valid for 24 hours. Issuing a new one voids the user's earlier unused links.
 */
export async function issuePasswordLink(
	db: DB,
	userId: string,
	purpose: 'invite' | 'reset',
	createdBy: string | null
): Promise<string> {
	const token = crypto.randomBytes(32).toString('base64url');
	const now = Date.now();
	await db.transaction().execute(async (trx) => {
		// Two links issued at once: one voids the other (the user's row queues them on PostgreSQL).
		await lockUsers(trx, [userId]);
		await trx
			.deleteFrom('password_tokens')
			.where('user_id', '=', userId)
			.where('used_at', 'is', null)
			.execute();
		await trx
			.insertInto('password_tokens')
			.values({
				token_hash: sha256(token),
				user_id: userId,
				purpose,
				created_at: now,
				expires_at: now + PASSWORD_LINK_TTL_MS,
				used_at: null,
				created_by: createdBy
			})
			.execute();
	});
	return token;
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{20,100}$/;

/** Whose link this is, while it can still be used. */
export async function passwordLinkHolder(runtime: Runtime, token: string) {
	if (!TOKEN_SHAPE.test(token)) return null;
	const row = await runtime.db
		.selectFrom('password_tokens')
		.innerJoin('users', 'users.id', 'password_tokens.user_id')
		.select(['users.id', 'users.name', 'users.email', 'password_tokens.purpose'])
		.where('password_tokens.token_hash', '=', sha256(token))
		.where('password_tokens.used_at', 'is', null)
		.where('password_tokens.expires_at', '>', Date.now())
		.where('users.disabled_at', 'is', null)
		.executeTakeFirst();
	return row ?? null;
}

/**
 * Sets a password through a link, at most once: one UPDATE marks the link used, so two tabs
 * submitting at once get one winner. Every login of the account is ended.
 */
export async function setPasswordWithLink(
	runtime: Runtime,
	token: string,
	password: string,
	ip: string | null
): Promise<{ ok: true; email: string } | { ok: false; error: 'invalid-link' }> {
	if (!TOKEN_SHAPE.test(token)) return { ok: false, error: 'invalid-link' };
	const passwordHash = await hashPassword(password);
	const now = Date.now();
	const result = await runtime.db.transaction().execute(async (trx) => {
		const used = await trx
			.updateTable('password_tokens')
			.set({ used_at: now })
			.where('token_hash', '=', sha256(token))
			.where('used_at', 'is', null)
			.where('expires_at', '>', now)
			.returning(['user_id', 'purpose'])
			.executeTakeFirst();
		if (!used) return null;
		const user = await trx
			.updateTable('users')
			.set({ password_hash: passwordHash })
			.where('id', '=', used.user_id)
			.where('disabled_at', 'is', null)
			.returning(['id', 'email'])
			.executeTakeFirst();
		if (!user) return null;
		await trx.deleteFrom('login_sessions').where('user_id', '=', user.id).execute();
		return { user, purpose: used.purpose };
	});
	if (!result) return { ok: false, error: 'invalid-link' };
	await audit(runtime.db, {
		actorId: result.user.id,
		action: 'user.password-set',
		target: result.user.id,
		detail: { via: result.purpose },
		ip
	});
	return { ok: true, email: result.user.email };
}
