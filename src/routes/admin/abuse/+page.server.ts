import type { PageServerLoad } from './$types';
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
	const { total } = await runtime.db
		.selectFrom('abuse_reports')
		.select((eb) => eb.fn.countAll<number>().as('total'))
		.executeTakeFirstOrThrow();
	const rows = await runtime.db
		.selectFrom('abuse_reports as r')
		.innerJoin('support_sessions as s', 's.id', 'r.session_id')
		.innerJoin('users as u', 'u.id', 's.agent_id')
		.select([
			'r.id',
			'r.created_at',
			'r.description',
			'r.contact',
			's.id as session_id',
			's.created_at as code_issued_at',
			's.customer_name',
			'u.id as agent_id',
			'u.name as agent_name',
			'u.email as agent_email'
		])
		.orderBy('r.created_at', 'desc')
		.limit(PAGE_SIZE)
		.offset((page - 1) * PAGE_SIZE)
		.execute();
	return {
		page,
		total: Number(total),
		pages: Math.max(1, Math.ceil(Number(total) / PAGE_SIZE)),
		reports: rows
	};
};
