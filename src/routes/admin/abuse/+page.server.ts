import type { PageServerLoad } from './$types';
import { listAbuseReports } from '$lib/server/abuse';
import { requireAdmin } from '$lib/server/admin-access';
import { getRuntime } from '$lib/server/runtime';
import { PAGE_ONLY, queryFields, v } from '$lib/server/schemas';

const PAGE_SIZE = 50;

/** Reports customers filed from the session toolbar, newest first. */
export const load: PageServerLoad = async ({ locals, url }) => {
	requireAdmin(locals);
	const runtime = await getRuntime();
	const parsed = v.safeParse(PAGE_ONLY, queryFields(url.searchParams, ['page']));
	const page = parsed.success ? parsed.output.page : 1;
	const { total, reports } = await listAbuseReports(runtime, page, PAGE_SIZE);
	return {
		page,
		total,
		pages: Math.max(1, Math.ceil(total / PAGE_SIZE)),
		reports
	};
};
