import type { EndReason, Features } from '$lib/session/protocol';
import type { DB } from './db';
import type { Runtime } from './runtime';
import type { SessionUser } from './auth';
import { generateSessionCode, normaliseSessionCode } from './codes';
import { isUniqueViolation } from './db/dialect';
import type { SupportSessionsTable } from './db/schema';
import { closeStints, openStint, presentPeerIds } from './participants';
import { hmac, randomId } from './secrets';
import { signTicket, verifyTicketSignature } from './tickets';
import { audit } from './audit';
import { featuresFromSettings, settingsForUser } from './settings';

export type SupportSessionRow = SupportSessionsTable;

export interface AgentPresence {
	peerId: string;
	name: string;
}

/** An agent in a session now, with the account it is (what the agents' side compares). */
export interface PresentAgent extends AgentPresence {
	userId: string | null;
}

function codeHash(runtime: Runtime, code: string) {
	return hmac(runtime.secrets.hmacKey, 'session-code', code);
}

function newPeerId() {
	return `p${randomId(16).replace(/[^A-Za-z0-9]/g, 'x')}`;
}

/** The agent's effective settings: their group's, with their own overrides applied. */
/** An agent's settings, and where each comes from (group, override or the server). */
export async function settingsViewFor(runtime: Runtime, agent: { id: string }) {
	return settingsForUser(runtime.db, agent.id, {
		codeLifetimeMinutes: runtime.config.sessionCodeTtlMinutes
	});
}

export async function effectiveSettingsFor(runtime: Runtime, agent: { id: string }) {
	return (await settingsViewFor(runtime, agent)).settings;
}

/** What a session's agent may do: signed into every ticket of the session, refreshed with it. */
export async function featuresFor(runtime: Runtime, agent: { id: string }): Promise<Features> {
	return featuresFromSettings(await effectiveSettingsFor(runtime, agent));
}

export async function createSupportSession(
	runtime: Runtime,
	agent: SessionUser
): Promise<{ id: string; code: string; expiresAt: number }> {
	const now = Date.now();
	const settings = await effectiveSettingsFor(runtime, agent);
	const lifetimeMinutes = settings.codeLifetimeMinutes ?? runtime.config.sessionCodeTtlMinutes;
	const expiresAt = now + lifetimeMinutes * 60_000;
	const id = randomId(12);
	// Unique among live codes: the code hash column is UNIQUE; draw again on the rare clash.
	for (let attempt = 0; ; attempt++) {
		const code = generateSessionCode();
		try {
			await runtime.db
				.insertInto('support_sessions')
				.values({
					id,
					code_hash: codeHash(runtime, code),
					code_expires_at: expiresAt,
					agent_id: agent.id,
					customer_name: null,
					customer_peer_id: null,
					status: 'waiting',
					created_at: now,
					joined_at: null,
					ended_at: null,
					end_reason: null,
					ended_by: null
				})
				.execute();
			await recordServerEvent(runtime, id, 'session.created', { agent: agent.name }, agent.id);
			await audit(runtime.db, { actorId: agent.id, action: 'session.created', target: id });
			return { id, code, expiresAt };
		} catch (error) {
			if (attempt >= 5 || !isUniqueViolation(error)) throw error;
		}
	}
}

export async function getSupportSession(runtime: Runtime, id: string) {
	return runtime.db
		.selectFrom('support_sessions')
		.selectAll()
		.where('id', '=', id)
		.executeTakeFirst();
}

/** The agents in a session now, in the order they joined. */
export async function presentAgents(runtime: Runtime, sessionId: string): Promise<PresentAgent[]> {
	const rows = await runtime.db
		.selectFrom('session_participants')
		.select(['peer_id', 'user_id', 'name'])
		.where('session_id', '=', sessionId)
		.where('role', '=', 'agent')
		.where('left_at', 'is', null)
		.orderBy('joined_at')
		.execute();
	return rows.map((r) => ({ peerId: r.peer_id, userId: r.user_id, name: r.name }));
}

/** The agent's peer identity in a session: stable across reloads, so a reload rejoins. */
export async function agentTicket(
	runtime: Runtime,
	session: SupportSessionRow,
	agent: SessionUser
) {
	let row = await runtime.db
		.selectFrom('session_participants')
		.select(['peer_id'])
		.where('session_id', '=', session.id)
		.where('user_id', '=', agent.id)
		.executeTakeFirst();
	if (!row) {
		row = { peer_id: newPeerId() };
		const joinedAt = Date.now();
		await runtime.db
			.insertInto('session_participants')
			.values({
				session_id: session.id,
				peer_id: row.peer_id,
				role: 'agent',
				user_id: agent.id,
				name: agent.name,
				joined_at: joinedAt,
				left_at: null
			})
			.execute();
		await openStint(runtime.db, session.id, row.peer_id, joinedAt);
		await recordServerEvent(runtime, session.id, 'agent.joined', { name: agent.name }, agent.id);
	}
	// The session's features are its owner's: an administrator looking in gets the same ones.
	const ticket = signTicket(runtime.secrets.ticketPrivateKey, {
		sessionId: session.id,
		role: 'agent',
		peerId: row.peer_id,
		name: agent.name,
		organisation: runtime.config.organisationName,
		userId: agent.id,
		features: await featuresFor(runtime, { id: session.agent_id })
	});
	return { peerId: row.peer_id, ticket };
}

export type ClaimResult =
	| {
			ok: true;
			sessionId: string;
			customerPeerId: string;
			ticket: string;
			agentName: string;
			organisation: string;
	  }
	| { ok: false; reason: 'invalid' | 'rate-limited' };

/**
 * Turns a code into a customer's place in the session, at most once: one atomic UPDATE
 * claims the waiting session and clears the code, so two customers racing get one winner.
 */
export async function claimSessionCode(
	runtime: Runtime,
	input: { code: unknown; customerName: string; clientAddress: string }
): Promise<ClaimResult> {
	const limiter = runtime.joinLimiter;
	// Charged before the lookup, handed back on success: parallel guesses stay within budget.
	const keys = [input.clientAddress];
	if (!(await limiter.reserve(keys))) return { ok: false, reason: 'rate-limited' };
	const code = normaliseSessionCode(input.code);
	const now = Date.now();
	const customerPeerId = newPeerId();
	// Always hash, even for malformed input, so both paths cost the same.
	const hash = codeHash(runtime, code ?? String(input.code).slice(0, 64));
	const claimed = code
		? await runtime.db
				.updateTable('support_sessions')
				.set({
					status: 'active',
					code_hash: null,
					customer_name: input.customerName,
					customer_peer_id: customerPeerId,
					joined_at: now
				})
				.where('code_hash', '=', hash)
				.where('status', '=', 'waiting')
				.where('code_expires_at', '>', now)
				.returning(['id', 'agent_id'])
				.executeTakeFirst()
		: undefined;
	if (!claimed) return { ok: false, reason: 'invalid' };
	await limiter.refund(keys);
	await limiter.succeed(input.clientAddress);
	const agent = await runtime.db
		.selectFrom('users')
		.select(['id', 'name'])
		.where('id', '=', claimed.agent_id)
		.executeTakeFirstOrThrow();
	await runtime.db
		.insertInto('session_participants')
		.values({
			session_id: claimed.id,
			peer_id: customerPeerId,
			role: 'customer',
			user_id: null,
			name: input.customerName,
			joined_at: now,
			left_at: null
		})
		.execute();
	await openStint(runtime.db, claimed.id, customerPeerId, now);
	await recordServerEvent(runtime, claimed.id, 'customer.joined', { name: input.customerName });
	return {
		ok: true,
		sessionId: claimed.id,
		customerPeerId,
		ticket: customerTicket(runtime, {
			id: claimed.id,
			customerPeerId,
			customerName: input.customerName,
			features: await featuresFor(runtime, agent)
		}),
		agentName: agent.name,
		organisation: runtime.config.organisationName
	};
}

export function customerTicket(
	runtime: Runtime,
	session: { id: string; customerPeerId: string; customerName: string; features: Features }
): string {
	return signTicket(runtime.secrets.ticketPrivateKey, {
		sessionId: session.id,
		role: 'customer',
		peerId: session.customerPeerId,
		name: session.customerName,
		organisation: runtime.config.organisationName,
		features: session.features
	});
}

/**
 * An event the server writes into a session's record itself; `options.db` writes it in a
 * transaction, `options.at` dates it to when it happened (default: now).
 */
export async function recordServerEvent(
	runtime: Runtime,
	sessionId: string,
	type: string,
	data: Record<string, unknown>,
	actor: string | null = null,
	options: { db?: DB; at?: number } = {}
) {
	const now = Date.now();
	await (options.db ?? runtime.db)
		.insertInto('session_events')
		.values({
			id: `server-${randomId(12)}`,
			session_id: sessionId,
			type,
			at: options.at ?? now,
			actor,
			data: JSON.stringify(data),
			received_at: now
		})
		.execute();
}

/** Ends a session once: records who and why, revokes its tickets, closes its signaling sockets. */
export async function endSupportSession(
	runtime: Runtime,
	sessionId: string,
	end: { reason: EndReason; by: string | null }
): Promise<boolean> {
	const now = Date.now();
	const ended = await runtime.db
		.updateTable('support_sessions')
		.set({
			status: 'ended',
			ended_at: now,
			end_reason: end.reason,
			ended_by: end.by,
			code_hash: null
		})
		.where('id', '=', sessionId)
		.where('status', '!=', 'ended')
		.returning(['id'])
		.executeTakeFirst();
	if (!ended) return false;
	await runtime.db
		.updateTable('session_participants')
		.set({ left_at: now })
		.where('session_id', '=', sessionId)
		.where('left_at', 'is', null)
		.execute();
	await closeStints(runtime.db, sessionId, null, now);
	await recordServerEvent(runtime, sessionId, 'session.ended', { reason: end.reason, by: end.by });
	await audit(runtime.db, {
		actorId: end.by,
		action: 'session.ended',
		target: sessionId,
		detail: { reason: end.reason }
	});
	runtime.events.publish('session-ended', sessionId);
	return true;
}

/** Sessions whose code expired unused are closed as expired (the agent can issue a new one). */
export async function expireUnusedCodes(runtime: Runtime): Promise<number> {
	const now = Date.now();
	const rows = await runtime.db
		.updateTable('support_sessions')
		.set({ status: 'ended', ended_at: now, end_reason: 'expired', code_hash: null })
		.where('status', '=', 'waiting')
		.where('code_expires_at', '<=', now)
		.returning(['id'])
		.execute();
	return rows.length;
}

/**
 * The state the agent's page shows. A code that expired unused reads as "expired" whether the
 * expiry sweep has run yet (still waiting, past its expiry) or not (ended as expired).
 */
export function agentViewStatus(
	session: Pick<SupportSessionRow, 'status' | 'code_expires_at' | 'end_reason' | 'joined_at'>,
	now = Date.now()
): SupportSessionRow['status'] | 'expired' {
	if (session.status === 'waiting' && session.code_expires_at <= now) return 'expired';
	if (session.status === 'ended' && session.end_reason === 'expired' && session.joined_at === null)
		return 'expired';
	return session.status;
}

export function isLiveSessionStatus(status: string) {
	return status !== 'ended';
}

export { normaliseSessionCode };

/** How long after its expiry a ticket may still be traded for a fresh one (a sleeping laptop). */
const REFRESH_GRACE_MS = 60 * 60 * 1000;

export type RefreshResult =
	| { ok: true; ticket: string; features: Features; present: string[] }
	| { ok: false; error: 'ended'; reason: string }
	| { ok: false; error: 'invalid' };

export async function refreshTicket(runtime: Runtime, ticket: string): Promise<RefreshResult> {
	const check = verifyTicketSignature(runtime.secrets.ticketPublicKey, ticket, 0);
	if (!check.ok || check.claims.exp + REFRESH_GRACE_MS < Date.now()) {
		return { ok: false, error: 'invalid' };
	}
	const claims = check.claims;
	const session = await getSupportSession(runtime, claims.sid);
	if (!session) return { ok: false, error: 'invalid' };
	if (session.status === 'ended') {
		return { ok: false, error: 'ended', reason: session.end_reason ?? 'agent' };
	}
	const participant = await runtime.db
		.selectFrom('session_participants')
		.select(['left_at', 'user_id', 'name'])
		.where('session_id', '=', session.id)
		.where('peer_id', '=', claims.pid)
		.where('role', '=', claims.role)
		.executeTakeFirst();
	// Present means: in the live session with this role, not left, its account enabled (the
	// checks isPresentParticipant makes for signaling, here with the reason the page is told).
	if (!participant) return { ok: false, error: 'invalid' };
	if (participant.left_at !== null) return { ok: false, error: 'ended', reason: 'agent' };
	const holder = await runtime.db
		.selectFrom('users')
		.select(['id', 'disabled_at'])
		.where('id', '=', claims.role === 'agent' ? (participant.user_id ?? '') : session.agent_id)
		.executeTakeFirst();
	if (!holder || holder.disabled_at !== null) return { ok: false, error: 'invalid' };
	// Settings changes reach live sessions here: the new ticket, and signaling's view of the peer.
	const features = await featuresFor(runtime, { id: session.agent_id });
	runtime.events.publish('features-changed', session.id, claims.pid, features);
	return {
		ok: true,
		features,
		// Who is in the session now: a page drops and refuses any peer no longer listed.
		present: await presentPeerIds(runtime.db, session.id),
		ticket: signTicket(runtime.secrets.ticketPrivateKey, {
			sessionId: session.id,
			role: claims.role,
			peerId: claims.pid,
			name: participant.name,
			organisation: runtime.config.organisationName,
			...(claims.uid ? { userId: claims.uid } : {}),
			features
		})
	};
}

/** An agent's sessions that are live or still waiting with a valid code, newest first. */
export async function liveSessionsOf(runtime: Runtime, agentId: string) {
	const now = Date.now();
	return runtime.db
		.selectFrom('support_sessions')
		.select(['id', 'customer_name', 'status', 'created_at'])
		.where('agent_id', '=', agentId)
		.where((eb) =>
			eb.or([
				eb('status', '=', 'active'),
				eb.and([eb('status', '=', 'waiting'), eb('code_expires_at', '>', now)])
			])
		)
		.orderBy('created_at', 'desc')
		.execute();
}

/** The console's list: the last 50 sessions, the agent's own (an administrator sees everyone's). */
export async function recentSessions(runtime: Runtime, user: SessionUser) {
	let query = runtime.db
		.selectFrom('support_sessions')
		.innerJoin('users', 'users.id', 'support_sessions.agent_id')
		.select([
			'support_sessions.id',
			'support_sessions.status',
			'support_sessions.customer_name',
			'support_sessions.created_at',
			'support_sessions.joined_at',
			'support_sessions.ended_at',
			'support_sessions.end_reason',
			'support_sessions.code_expires_at',
			'users.name as agent_name'
		])
		.orderBy('support_sessions.created_at', 'desc')
		.limit(50);
	if (user.role !== 'admin') query = query.where('support_sessions.agent_id', '=', user.id);
	return query.execute();
}

/** A session's chat as the server recorded it, oldest first (at most 2000 messages). */
export async function chatEvents(runtime: Runtime, sessionId: string) {
	return runtime.db
		.selectFrom('session_events')
		.select(['id', 'actor', 'data'])
		.where('session_id', '=', sessionId)
		.where('type', '=', 'chat')
		.orderBy('at')
		.orderBy('seq')
		.limit(2000)
		.execute();
}
