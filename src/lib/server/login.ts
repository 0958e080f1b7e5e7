import { audit } from './audit';
import {
	checkCredentials,
	createLoginSession,
	deleteLoginSession,
	normaliseEmail,
	type SessionUser
} from './auth';
import { issueDeviceToken, verifyDeviceToken } from './device-cookie';
import type { Runtime } from './runtime';

export type LoginAttempt =
	/** `deviceToken`: a fresh device cookie for this browser and account. */
	| { ok: true; user: SessionUser; deviceToken: string }
	| { ok: false; error: 'wrong' }
	/** This address (or this address with this email) spent its budget. */
	| { ok: false; error: 'address-limited' }
	/** Too many failures for this account, from anywhere: wait `retryAfterMs`. */
	| { ok: false; error: 'account-delayed'; retryAfterMs: number };

/**
 * Judges one login attempt within the limits: per address, per address and email, and per
 * account from any address (a growing delay). An attempt carrying this account's device cookie
 * (the browser logged in to it before) skips the account's delay, so strangers' guesses never
 * keep the owner out; its own failures are counted per device, and past their limit it is
 * treated as any other browser until a success. Every limit is charged (atomically) before the
 * password is hashed and handed back on success, so parallel guesses cannot all be judged
 * before the first failure counts. Audited without the password.
 */
export async function attemptLogin(
	runtime: Runtime,
	input: { email: string; password: string; address: string; deviceToken?: string }
): Promise<LoginAttempt> {
	const email = normaliseEmail(input.email);
	const addressKeys = [`${input.address}|${email}`, input.address];
	if (!(await runtime.loginLimiter.reserve(addressKeys)))
		return { ok: false, error: 'address-limited' };
	const device = verifyDeviceToken(runtime.secrets.hmacKey, email, input.deviceToken);
	const trustedDevice = device !== null && (await runtime.deviceFailures.reserve(device));
	if (!trustedDevice) {
		const account = await runtime.accountDelay.reserve(email);
		if (!account.allowed) {
			// Not judged, so not a failure of this address either.
			await runtime.loginLimiter.refund(addressKeys);
			if (account.firstRefusal) {
				await audit(runtime.db, {
					action: 'login.delayed',
					detail: { email, retryAfterSeconds: Math.ceil(account.retryAfterMs / 1000) },
					ip: input.address
				});
			}
			return { ok: false, error: 'account-delayed', retryAfterMs: account.retryAfterMs };
		}
	}
	const user = await checkCredentials(runtime.db, email, input.password);
	if (!user) {
		await audit(runtime.db, { action: 'login.failed', detail: { email }, ip: input.address });
		return { ok: false, error: 'wrong' };
	}
	await runtime.loginLimiter.refund(addressKeys);
	await runtime.loginLimiter.succeed(addressKeys[0]);
	await runtime.accountDelay.succeed(email);
	if (device !== null) await runtime.deviceFailures.succeed(device);
	return { ok: true, user, deviceToken: issueDeviceToken(runtime.secrets.hmacKey, email) };
}

/** After a successful attempt: a new login for the account, audited; its cookie's token. */
export async function openLogin(runtime: Runtime, user: SessionUser, address: string) {
	const token = await createLoginSession(runtime.db, user.id);
	await audit(runtime.db, { actorId: user.id, action: 'login.succeeded', ip: address });
	return token;
}

/** Logging out: the login ends (audited when the request came from an account). */
export async function closeLogin(
	runtime: Runtime,
	token: string | undefined,
	user: SessionUser | null
) {
	await deleteLoginSession(runtime.db, token);
	if (user) await audit(runtime.db, { actorId: user.id, action: 'logout' });
}
