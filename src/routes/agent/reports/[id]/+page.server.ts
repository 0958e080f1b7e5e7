import { error } from '@sveltejs/kit';
import { m } from '$lib/paraglide/messages';
import type { PageServerLoad } from './$types';
import { sessionForReader } from '$lib/server/access';
import { recordingOf } from '$lib/server/recordings';
import { sessionReport } from '$lib/server/reports';
import { getRuntime } from '$lib/server/runtime';

export const load: PageServerLoad = async ({ locals, params }) => {
	const runtime = await getRuntime();
	// Its agents and administrators only: anyone else gets 403.
	await sessionForReader(runtime, params.id, locals.user!);
	const report = await sessionReport(runtime, params.id);
	if (!report) error(404, m.agent_report_not_found());
	return {
		report,
		recording: await recordingOf(runtime, params.id),
		organisation: runtime.config.organisationName
	};
};
