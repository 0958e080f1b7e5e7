import { audit } from './audit';
import { checkCredentials, normaliseEmail, type SessionUser } from './auth';
import type { Runtime } from './runtime';

export type LoginAttempt =
	| { ok: true; user: SessionUser }
	| { ok: false; error: 'wrong' }
	/** This address (or this address with this email) spent its budget. */
	| { ok: false; error: 'address-limited' }
	/** Too many failures for this account, from anywhere: wait `retryAfterMs`. */
	| { ok: false; error: 'account-delayed'; retryAfterMs: number };

/**
 * Judges one login attempt within the limits: per address, per address and email, and per
 * account from any address (a growing delay). Every limit is charged synchronously before the
 * password is hashed and handed back on success, so parallel guesses cannot all be judged
 * before the first failure counts. Audited without the password.
 */
export async function attemptLogin(
	runtime: Runtime,
	input: { email: string; password: string; address: string }
): Promise<LoginAttempt> {
	const email = normaliseEmail(input.email);
	const addressKeys = [`${input.address}|${email}`, input.address];
	if (!runtime.loginLimiter.reserve(addressKeys)) return { ok: false, error: 'address-limited' };
	const account = runtime.accountDelay.reserve(email);
	if (!account.allowed) {
		// Not judged, so not a failure of this address either.
		runtime.loginLimiter.refund(addressKeys);
		if (account.firstRefusal) {
			await audit(runtime.db, {
				action: 'login.delayed',
				detail: { email, retryAfterSeconds: Math.ceil(account.retryAfterMs / 1000) },
				ip: input.address
			});
		}
		return { ok: false, error: 'account-delayed', retryAfterMs: account.retryAfterMs };
	}
	const user = await checkCredentials(runtime.db, email, input.password);
	if (!user) {
		await audit(runtime.db, { action: 'login.failed', detail: { email }, ip: input.address });
		return { ok: false, error: 'wrong' };
	}
	runtime.loginLimiter.refund(addressKeys);
	runtime.loginLimiter.succeed(addressKeys[0]);
	runtime.accountDelay.succeed(email);
	return { ok: true, user };
}
