import { error, fail } from '@sveltejs/kit';
import { m } from '$lib/paraglide/messages';
import type { Actions, PageServerLoad } from './$types';
import { sessionForReader } from '$lib/server/access';
import { deleteSessionRecording, recordingOf } from '$lib/server/recordings';
import { sessionReport } from '$lib/server/reports';
import { getRuntime } from '$lib/server/runtime';

export const load: PageServerLoad = async ({ locals, params }) => {
	const runtime = await getRuntime();
	// Its agents and administrators only: anyone else gets 403.
	const session = await sessionForReader(runtime, params.id, locals.user!);
	const report = await sessionReport(runtime, params.id);
	if (!report) error(404, m.agent_report_not_found());
	return {
		report,
		recording: await recordingOf(runtime, params.id),
		mayDeleteRecording: locals.user!.role === 'admin' && session.status === 'ended',
		organisation: runtime.config.organisationName
	};
};

export const actions: Actions = {
	/** An administrator deletes the recording (files and rows), once the session has ended. */
	deleteRecording: async ({ locals, params }) => {
		const runtime = await getRuntime();
		const user = locals.user!;
		const session = await sessionForReader(runtime, params.id, user);
		if (user.role !== 'admin') error(403, m.agent_recording_delete_not_allowed());
		if (session.status !== 'ended') {
			return fail(409, { recordingError: m.agent_recording_delete_live() });
		}
		if (!(await deleteSessionRecording(runtime, session.id, user.id))) {
			return fail(404, { recordingError: m.agent_recording_delete_gone() });
		}
		return { recordingDeleted: true };
	}
};
