import { error, json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { sessionForActor } from '$lib/server/access';
import { enrolmentStatus, requestEnrolment } from '$lib/server/devices';
import { getRuntime } from '$lib/server/runtime';

/** The agent asks the customer to set up unattended access for this computer. */
export const POST: RequestHandler = async ({ params, locals }) => {
	const runtime = await getRuntime();
	const user = locals.user;
	if (!user) error(401, 'Not logged in');
	await sessionForActor(runtime, params.id, user);
	const result = await requestEnrolment(runtime, { sessionId: params.id, agent: user });
	if (!result.ok) error(result.status, result.error);
	return json({ enrolmentId: result.id });
};

/** How the customer answered: pending, accepted (with the computer's name) or declined. */
export const GET: RequestHandler = async ({ params, locals, url }) => {
	const runtime = await getRuntime();
	const user = locals.user;
	if (!user) error(401, 'Not logged in');
	await sessionForActor(runtime, params.id, user);
	const enrolmentId = url.searchParams.get('enrolment') ?? '';
	if (!/^[A-Za-z0-9_-]{1,64}$/.test(enrolmentId)) error(400, 'Unknown request');
	const status = await enrolmentStatus(runtime, params.id, enrolmentId);
	if (!status) error(404, 'Unknown request');
	const expired = status.status === 'pending' && status.expires_at <= Date.now();
	return json({ status: expired ? 'expired' : status.status, deviceName: status.name });
};
