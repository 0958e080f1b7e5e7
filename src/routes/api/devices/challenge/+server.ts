import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { issueChallenge } from '$lib/server/devices';
import { getRuntime } from '$lib/server/runtime';

/** A fresh single-use challenge for a device to sign (stateless: nothing is stored). */
export const GET: RequestHandler = async () => {
	const runtime = await getRuntime();
	return json({ challenge: issueChallenge(runtime) }, { headers: { 'cache-control': 'no-store' } });
};
