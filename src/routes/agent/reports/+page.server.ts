import type { PageServerLoad } from './$types';
import { dateRange } from '$lib/server/date-range';
import { listReports } from '$lib/server/reports';
import { getRuntime } from '$lib/server/runtime';
import { localIssue } from '$lib/server/form-issues';
import { ReportQuery, queryFields, v } from '$lib/server/schemas';

export const load: PageServerLoad = async ({ locals, url }) => {
	const runtime = await getRuntime();
	const user = locals.user!;
	const parsed = v.safeParse(
		ReportQuery,
		queryFields(url.searchParams, ['customer', 'from', 'to', 'page'])
	);
	const filter = parsed.success ? parsed.output : { customer: '', from: '', to: '', page: 1 };
	const result = await listReports(runtime, user, {
		customer: filter.customer,
		...dateRange(filter.from, filter.to),
		page: filter.page
	});
	return {
		filter,
		filterError: parsed.success ? null : localIssue(parsed.issues, {}),
		everyone: user.role === 'admin',
		...result
	};
};
