import type { Features } from '$lib/session/protocol';
import {
	SETTING_KEYS,
	type AgentSettings,
	type SettingKey,
	type SettingOverrides,
	type SettingSource
} from '$lib/settings';
import type { DB } from './db';
import type { AgentOverridesTable, GroupsTable } from './db/schema';

/** Created by the database migration; every user without another group is in it. */
export const DEFAULT_GROUP_ID = 'default';

export interface ResolvedSettings {
	settings: AgentSettings;
	/** Where each value comes from: the agent's group, the agent's own override, or the server. */
	sources: Record<SettingKey, SettingSource>;
}

/**
 * Group → override → effective settings. An override (allow/deny, or a number) wins over the
 * group; a missing or null override inherits. A group's code lifetime of null falls back to the
 * server's default (SESSION_CODE_TTL_MINUTES), so the result always has a number there.
 */
export function resolveSettings(
	group: AgentSettings,
	overrides: SettingOverrides,
	serverDefaults: { codeLifetimeMinutes: number }
): ResolvedSettings {
	const settings = { ...group };
	const sources = {} as Record<SettingKey, SettingSource>;
	for (const key of SETTING_KEYS) {
		const override = overrides[key];
		if (override !== undefined && override !== null) {
			(settings as Record<SettingKey, unknown>)[key] = override;
			sources[key] = 'agent';
		} else {
			sources[key] = 'group';
		}
	}
	if (settings.codeLifetimeMinutes === null) {
		settings.codeLifetimeMinutes = serverDefaults.codeLifetimeMinutes;
		sources.codeLifetimeMinutes = 'server';
	}
	return { settings, sources };
}

/** The part of the settings a session ticket carries (what the peers themselves enforce). */
export function featuresFromSettings(settings: AgentSettings): Features {
	return {
		fileTransfer: settings.fileTransfer,
		maxFileSize: settings.maxFileSize,
		agentScreenShare: settings.agentScreenShare,
		voice: settings.voice,
		multiAgent: settings.multiAgent,
		unattended: settings.unattended,
		removeCustomerAppAtEnd: settings.removeCustomerAppAtEnd,
		record: settings.recordSessions,
		recordingRetentionDays: settings.recordingRetentionDays
	};
}

const flag = (value: number | null) => (value === null ? null : value !== 0);

export function groupSettingsFromRow(row: GroupsTable): AgentSettings {
	return {
		fileTransfer: row.file_transfer !== 0,
		maxFileSize: row.max_file_size,
		unattended: row.unattended !== 0,
		agentScreenShare: row.agent_screen_share !== 0,
		voice: row.voice !== 0,
		multiAgent: row.multi_agent !== 0,
		codeLifetimeMinutes: row.code_lifetime_minutes,
		removeCustomerAppAtEnd: row.remove_customer_app_at_end !== 0,
		recordSessions: row.record_sessions !== 0,
		recordingRetentionDays: row.recording_retention_days
	};
}

export function groupRowValues(settings: AgentSettings) {
	return {
		file_transfer: settings.fileTransfer ? 1 : 0,
		max_file_size: settings.maxFileSize,
		unattended: settings.unattended ? 1 : 0,
		agent_screen_share: settings.agentScreenShare ? 1 : 0,
		voice: settings.voice ? 1 : 0,
		multi_agent: settings.multiAgent ? 1 : 0,
		code_lifetime_minutes: settings.codeLifetimeMinutes,
		remove_customer_app_at_end: settings.removeCustomerAppAtEnd ? 1 : 0,
		record_sessions: settings.recordSessions ? 1 : 0,
		recording_retention_days: settings.recordingRetentionDays
	};
}

export function overridesFromRow(row: AgentOverridesTable | undefined): SettingOverrides {
	if (!row) return {};
	return {
		fileTransfer: flag(row.file_transfer),
		maxFileSize: row.max_file_size,
		unattended: flag(row.unattended),
		agentScreenShare: flag(row.agent_screen_share),
		voice: flag(row.voice),
		multiAgent: flag(row.multi_agent),
		codeLifetimeMinutes: row.code_lifetime_minutes,
		removeCustomerAppAtEnd: flag(row.remove_customer_app_at_end),
		recordSessions: flag(row.record_sessions),
		recordingRetentionDays: row.recording_retention_days
	};
}

export function overrideRowValues(overrides: SettingOverrides) {
	const bit = (value: boolean | null | undefined) =>
		value === null || value === undefined ? null : value ? 1 : 0;
	return {
		file_transfer: bit(overrides.fileTransfer),
		max_file_size: overrides.maxFileSize ?? null,
		unattended: bit(overrides.unattended),
		agent_screen_share: bit(overrides.agentScreenShare),
		voice: bit(overrides.voice),
		multi_agent: bit(overrides.multiAgent),
		code_lifetime_minutes: overrides.codeLifetimeMinutes ?? null,
		remove_customer_app_at_end: bit(overrides.removeCustomerAppAtEnd),
		record_sessions: bit(overrides.recordSessions),
		recording_retention_days: overrides.recordingRetentionDays ?? null
	};
}

/** The keys whose value differs, with the new value (for the audit log). */
export function changedSettings(
	before: AgentSettings | SettingOverrides,
	after: AgentSettings | SettingOverrides
) {
	const changes: Record<string, unknown> = {};
	for (const key of SETTING_KEYS) {
		if (before[key] !== after[key]) changes[key] = after[key] ?? 'inherit';
	}
	return changes;
}

export interface AgentSettingsView extends ResolvedSettings {
	group: { id: string; name: string; settings: AgentSettings };
	overrides: SettingOverrides;
}

/** An agent's group, overrides and effective settings, read in one go. */
export async function settingsForUser(
	db: DB,
	userId: string,
	serverDefaults: { codeLifetimeMinutes: number }
): Promise<AgentSettingsView> {
	const group = await db
		.selectFrom('users')
		.innerJoin('groups', 'groups.id', 'users.group_id')
		.selectAll('groups')
		.where('users.id', '=', userId)
		.executeTakeFirst();
	// A user always has a group; should the row vanish, the default group still applies.
	const groupRow =
		group ??
		(await db
			.selectFrom('groups')
			.selectAll()
			.where('id', '=', DEFAULT_GROUP_ID)
			.executeTakeFirstOrThrow());
	const overrideRow = await db
		.selectFrom('agent_overrides')
		.selectAll()
		.where('user_id', '=', userId)
		.executeTakeFirst();
	const groupSettings = groupSettingsFromRow(groupRow);
	const overrides = overridesFromRow(overrideRow);
	return {
		group: { id: groupRow.id, name: groupRow.name, settings: groupSettings },
		overrides,
		...resolveSettings(groupSettings, overrides, serverDefaults)
	};
}
