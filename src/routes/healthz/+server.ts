import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { checkDatabase } from '$lib/server/health';
import { getRuntime } from '$lib/server/runtime';

/** Liveness and readiness: the database answers and signaling is up. */
export const GET: RequestHandler = async () => {
	const runtime = await getRuntime();
	await checkDatabase(runtime);
	return json({ ok: true, signalingPeers: runtime.signaling?.size ?? 0 });
};
