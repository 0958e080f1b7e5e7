import type { PageServerLoad } from './$types';
import { requireAdmin } from '$lib/server/admin-access';
import { auditFilterChoices, auditNames, searchAuditLog } from '$lib/server/audit';
import { dateRange } from '$lib/server/date-range';
import { getRuntime } from '$lib/server/runtime';
import { localIssue } from '$lib/server/form-issues';
import { AuditQuery, queryFields, v } from '$lib/server/schemas';

const PAGE_SIZE = 50;

export const load: PageServerLoad = async ({ locals, url }) => {
	requireAdmin(locals);
	const runtime = await getRuntime();
	const parsed = v.safeParse(
		AuditQuery,
		queryFields(url.searchParams, ['action', 'actor', 'from', 'to', 'page'])
	);
	const filter = parsed.success
		? parsed.output
		: { action: '', actor: '', from: '', to: '', page: 1 };
	const range = dateRange(filter.from, filter.to);

	const { total, rows } = await searchAuditLog(
		runtime,
		{ action: filter.action, actor: filter.actor, from: range.from, to: range.to },
		filter.page,
		PAGE_SIZE
	);
	// Names for the people, groups and sessions the rows mention.
	const ids = [...new Set(rows.flatMap((r) => [r.actor_id, r.target]).filter((x) => x !== null))];
	const {
		users: userNames,
		groups: groupNames,
		sessions: sessionNames
	} = await auditNames(runtime, ids);
	const { actions, actors } = await auditFilterChoices(runtime);

	return {
		filter,
		filterError: parsed.success ? null : localIssue(parsed.issues, {}),
		total,
		pages: Math.max(1, Math.ceil(total / PAGE_SIZE)),
		rows: rows.map((row) => {
			let target: {
				kind: 'user' | 'group' | 'session' | 'other';
				id: string;
				/** A session's customer (null: none joined); a person's or group's name; an ID. */
				label: string | null;
			} | null = null;
			if (row.target !== null) {
				if (userNames.has(row.target)) {
					target = { kind: 'user', id: row.target, label: userNames.get(row.target)! };
				} else if (groupNames.has(row.target)) {
					target = { kind: 'group', id: row.target, label: groupNames.get(row.target)! };
				} else if (sessionNames.has(row.target)) {
					const customer = sessionNames.get(row.target);
					target = {
						kind: 'session',
						id: row.target,
						label: customer ?? null
					};
				} else {
					target = { kind: 'other', id: row.target, label: row.target };
				}
			}
			return {
				id: row.id,
				at: row.at,
				action: row.action,
				actorId: row.actor_id,
				actorName: row.actor_id ? (userNames.get(row.actor_id) ?? row.actor_id) : null,
				target,
				detail: parseDetail(row.detail),
				ip: row.ip
			};
		}),
		actions,
		actors
	};
};

function parseDetail(detail: string | null): [string, string][] {
	if (!detail) return [];
	try {
		const value = JSON.parse(detail) as Record<string, unknown>;
		return Object.entries(value).map(([key, item]) => [
			key,
			typeof item === 'string' ? item : JSON.stringify(item)
		]);
	} catch {
		return [['detail', detail]];
	}
}
