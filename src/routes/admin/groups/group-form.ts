import { MEGABYTE, type AgentSettings } from '$lib/settings';
import { m } from '$lib/paraglide/messages';
import { settingLabel } from '$lib/settings';
import { localIssue } from '$lib/server/form-issues';
import { GroupForm, formFields, v } from '$lib/server/schemas';

const GROUP_FIELDS = [
	'name',
	'fileTransfer',
	'maxFileSizeMb',
	'unattended',
	'agentScreenShare',
	'voice',
	'multiAgent',
	'codeLifetimeMinutes',
	'removeCustomerAppAtEnd',
	'recordSessions',
	'recordingRetentionDays'
];

/** Reads the group settings form (new group and edit share it). */
export async function readGroupForm(
	request: Request
): Promise<{ ok: true; name: string; settings: AgentSettings } | { ok: false; error: string }> {
	const parsed = v.safeParse(GroupForm, formFields(await request.formData(), GROUP_FIELDS));
	if (!parsed.success)
		return {
			ok: false,
			error: localIssue(parsed.issues, {
				name: m.admin_group_name(),
				maxFileSizeMb: settingLabel('maxFileSize'),
				codeLifetimeMinutes: settingLabel('codeLifetimeMinutes'),
				recordingRetentionDays: settingLabel('recordingRetentionDays')
			})
		};
	// An unticked checkbox is absent from the form: only `true` means ticked.
	const form = parsed.output;
	return {
		ok: true,
		name: form.name,
		settings: {
			fileTransfer: form.fileTransfer === true,
			maxFileSize: form.maxFileSizeMb * MEGABYTE,
			unattended: form.unattended === true,
			agentScreenShare: form.agentScreenShare === true,
			voice: form.voice === true,
			multiAgent: form.multiAgent === true,
			codeLifetimeMinutes: form.codeLifetimeMinutes ?? null,
			removeCustomerAppAtEnd: form.removeCustomerAppAtEnd === true,
			recordSessions: form.recordSessions === true,
			recordingRetentionDays: form.recordingRetentionDays
		}
	};
}
