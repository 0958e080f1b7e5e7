import { json } from '@sveltejs/kit';
import { sql } from 'kysely';
import type { RequestHandler } from './$types';
import { getRuntime } from '$lib/server/runtime';

/** Liveness and readiness: the database answers and signaling is up. */
export const GET: RequestHandler = async () => {
	const runtime = await getRuntime();
	await sql`select 1`.execute(runtime.db);
	return json({ ok: true, signalingPeers: runtime.signaling?.size ?? 0 });
};
