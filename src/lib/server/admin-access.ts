import { error } from '@sveltejs/kit';
import type { AdminErrorCode } from '$lib/admin-errors';
import { m } from '$lib/paraglide/messages';
import { audit } from './audit';
import type { SessionUser } from './auth';
import { SESSION_COOKIE } from './auth';
import type { Runtime } from './runtime';
import { sha256 } from './secrets';

/** Who does an administration action, for the audit log. */
export interface Actor {
	user: SessionUser;
	ip?: string | null;
}

/** What an administration action returns: refusals as codes, worded by the route. */
export type AdminResult<T = object> = ({ ok: true } & T) | { ok: false; error: AdminErrorCode };

/** An administration action in the audit log: who, from where, on what. */
export async function auditBy(
	runtime: Runtime,
	actor: Actor,
	action: string,
	target: string,
	detail: Record<string, unknown>
): Promise<void> {
	await audit(runtime.db, { actorId: actor.user.id, action, target, detail, ip: actor.ip });
}

/**
 * Every administration load and action calls this, whatever the hooks already checked: a
 * demoted or disabled administrator is refused on their very next request.
 */
export function requireAdmin(locals: App.Locals): SessionUser {
	const user = locals.user;
	if (!user) error(401, m.agent_not_logged_in());
	if (user.role !== 'admin') error(403, m.agent_admins_only());
	return user;
}

/** The hash of the login the request came with (so a password reset can keep it). */
export function loginTokenHash(cookies: { get(name: string): string | undefined }): string | null {
	const token = cookies.get(SESSION_COOKIE);
	return token ? sha256(token) : null;
}

/**
 * The client's address for the audit log, or null when it cannot be known (adapter-node throws
 * when a configured ADDRESS_HEADER is missing; an audit entry is no reason to fail a request).
 */
export function auditAddress(getClientAddress: () => string): string | null {
	try {
		return getClientAddress();
	} catch {
		return null;
	}
}
