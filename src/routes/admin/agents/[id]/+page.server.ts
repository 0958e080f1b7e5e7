import { error, fail } from '@sveltejs/kit';
import { m } from '$lib/paraglide/messages';
import type { Actions, PageServerLoad } from './$types';
import { MEGABYTE, SETTING_DEFINITIONS, settingLabel } from '$lib/settings';
import {
	changeGroup,
	changeRole,
	disableUser,
	enableUser,
	resetPassword,
	getAgent,
	saveOverrides
} from '$lib/server/agents';
import { groupChoices } from '$lib/server/groups';
import { liveSessionsOf, settingsViewFor } from '$lib/server/support-sessions';
import { adminErrorText, type AdminErrorCode } from '$lib/admin-errors';
import { auditAddress, loginTokenHash, requireAdmin } from '$lib/server/admin-access';
import { getRuntime } from '$lib/server/runtime';
import {
	AccountForm,
	GroupChoiceForm,
	OverridesForm,
	RoleForm,
	formFields,
	v
} from '$lib/server/schemas';
import { localIssue } from '$lib/server/form-issues';

export const load: PageServerLoad = async ({ locals, params }) => {
	const admin = requireAdmin(locals);
	const runtime = await getRuntime();
	const agent = await getAgent(runtime, params.id);
	if (!agent) error(404, m.admin_agent_not_found());
	const serverDefaults = { codeLifetimeMinutes: runtime.config.sessionCodeTtlMinutes };
	const settings = await settingsViewFor(runtime, agent);
	const groups = await groupChoices(runtime);
	const liveSessions = await liveSessionsOf(runtime, agent.id);
	return {
		agent: {
			id: agent.id,
			name: agent.name,
			email: agent.email,
			role: agent.role,
			disabled: agent.disabled_at !== null,
			disabledAt: agent.disabled_at,
			createdAt: agent.created_at,
			groupId: agent.group_id,
			isSelf: agent.id === admin.id
		},
		groups,
		settings,
		definitions: SETTING_DEFINITIONS,
		serverCodeLifetimeMinutes: serverDefaults.codeLifetimeMinutes,
		liveSessions
	};
};

type Fields = Record<string, unknown>;

/** A form problem in the admin's language, with the fields named as on the page. */
const issue = (issues: Parameters<typeof localIssue>[0]) =>
	localIssue(issues, {
		role: m.admin_role(),
		group: m.admin_group(),
		maxFileSizeMb: settingLabel('maxFileSize'),
		codeLifetimeMinutes: settingLabel('codeLifetimeMinutes'),
		recordingRetentionDays: settingLabel('recordingRetentionDays')
	});

/** The account forms' outcome: one shape, so the page reads `error` or `message`. */
const accountError = (error: string) => fail(400, { account: { error, message: null } });
const refused = (code: AdminErrorCode) => accountError(adminErrorText(code));
const accountDone = (message: string) => ({ account: { error: null, message } });

async function parseForm<T extends v.GenericSchema>(request: Request, schema: T, names: string[]) {
	const fields: Fields = formFields(await request.formData(), names);
	return { fields, parsed: v.safeParse(schema, fields) };
}

export const actions: Actions = {
	role: async ({ locals, request, getClientAddress }) => {
		const admin = requireAdmin(locals);
		const { parsed } = await parseForm(request, RoleForm, ['userId', 'role']);
		if (!parsed.success) return accountError(issue(parsed.issues));
		const result = await changeRole(
			await getRuntime(),
			{ user: admin, ip: auditAddress(getClientAddress) },
			parsed.output.userId,
			parsed.output.role
		);
		if (!result.ok) return refused(result.error);
		return accountDone(m.admin_agent_role_saved());
	},
	group: async ({ locals, request, getClientAddress }) => {
		const admin = requireAdmin(locals);
		const { parsed } = await parseForm(request, GroupChoiceForm, ['userId', 'group']);
		if (!parsed.success) return accountError(issue(parsed.issues));
		const result = await changeGroup(
			await getRuntime(),
			{ user: admin, ip: auditAddress(getClientAddress) },
			parsed.output.userId,
			parsed.output.group
		);
		if (!result.ok) return refused(result.error);
		return accountDone(m.admin_agent_group_saved());
	},
	reset: async ({ locals, request, url, cookies, getClientAddress }) => {
		const admin = requireAdmin(locals);
		const { parsed } = await parseForm(request, AccountForm, ['userId']);
		if (!parsed.success) return accountError(issue(parsed.issues));
		const result = await resetPassword(
			await getRuntime(),
			{ user: admin, ip: auditAddress(getClientAddress), loginTokenHash: loginTokenHash(cookies) },
			parsed.output.userId
		);
		if (!result.ok) return refused(result.error);
		return { reset: { link: `${url.origin}/set-password/${result.token}` } };
	},
	disable: async ({ locals, request, getClientAddress }) => {
		const admin = requireAdmin(locals);
		const { parsed } = await parseForm(request, AccountForm, ['userId']);
		if (!parsed.success) return accountError(issue(parsed.issues));
		const result = await disableUser(
			await getRuntime(),
			{ user: admin, ip: auditAddress(getClientAddress) },
			parsed.output.userId
		);
		if (!result.ok) return refused(result.error);
		const ended = result.endedSessions;
		return accountDone(
			ended ? m.admin_agent_disabled_ended({ count: ended }) : m.admin_agent_disabled_done()
		);
	},
	enable: async ({ locals, request, getClientAddress }) => {
		const admin = requireAdmin(locals);
		const { parsed } = await parseForm(request, AccountForm, ['userId']);
		if (!parsed.success) return accountError(issue(parsed.issues));
		const result = await enableUser(
			await getRuntime(),
			{ user: admin, ip: auditAddress(getClientAddress) },
			parsed.output.userId
		);
		if (!result.ok) return refused(result.error);
		return accountDone(m.admin_agent_enabled_done());
	},
	overrides: async ({ locals, request, getClientAddress }) => {
		const admin = requireAdmin(locals);
		const { fields, parsed } = await parseForm(request, OverridesForm, [
			'userId',
			...SETTING_DEFINITIONS.map((d) => (d.kind === 'megabytes' ? `${d.key}Mb` : d.key))
		]);
		if (!parsed.success) {
			return fail(400, { overrides: { error: issue(parsed.issues), message: null, fields } });
		}
		const input = parsed.output;
		const result = await saveOverrides(
			await getRuntime(),
			{ user: admin, ip: auditAddress(getClientAddress) },
			input.userId,
			{
				fileTransfer: input.fileTransfer,
				maxFileSize: input.maxFileSizeMb === null ? null : input.maxFileSizeMb * MEGABYTE,
				unattended: input.unattended,
				agentScreenShare: input.agentScreenShare,
				voice: input.voice,
				multiAgent: input.multiAgent,
				codeLifetimeMinutes: input.codeLifetimeMinutes,
				removeCustomerAppAtEnd: input.removeCustomerAppAtEnd,
				recordSessions: input.recordSessions,
				recordingRetentionDays: input.recordingRetentionDays
			}
		);
		if (!result.ok) {
			return fail(400, {
				overrides: { error: adminErrorText(result.error), message: null, fields }
			});
		}
		return {
			overrides: {
				error: null,
				message: m.admin_agent_overrides_saved(),
				fields
			}
		};
	}
};
