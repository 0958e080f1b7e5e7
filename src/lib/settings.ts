/**
 * What a group (and, per agent, an override) decides about a support session: the one list of
 * these settings, their labels (in the page's language) and the product defaults. Shared by the server (resolution,
 * enforcement) and the administration pages (forms, where each value comes from).
 */
import { m } from '$lib/paraglide/messages';

export interface AgentSettings {
	fileTransfer: boolean;
	/** Largest file, in bytes. */
	maxFileSize: number;
	unattended: boolean;
	agentScreenShare: boolean;
	voice: boolean;
	multiAgent: boolean;
	/** How long a new session code stays valid; null in a group means the server's default. */
	codeLifetimeMinutes: number | null;
	removeCustomerAppAtEnd: boolean;
	/** Every session is recorded (the owner agent's browser records and uploads it). */
	recordSessions: boolean;
	/** How many days a recording is kept after its session. */
	recordingRetentionDays: number;
}

export type SettingKey = keyof AgentSettings;

/** A per-agent override: a value replaces the group's, null (or absent) inherits it. */
export type SettingOverrides = { [K in SettingKey]?: NonNullable<AgentSettings[K]> | null };

export type SettingKind = 'switch' | 'megabytes' | 'minutes' | 'days';

export interface SettingDefinition {
	key: SettingKey;
	kind: SettingKind;
	/** An on/off setting that reads "Yes"/"No" rather than "Allowed"/"Denied" (a permission). */
	yesNo?: boolean;
}

/** The settings in the order the pages list them; their words come from `settingLabel` & co. */
export const SETTING_DEFINITIONS: readonly SettingDefinition[] = [
	{ key: 'fileTransfer', kind: 'switch' },
	{ key: 'maxFileSize', kind: 'megabytes' },
	{ key: 'unattended', kind: 'switch' },
	{ key: 'agentScreenShare', kind: 'switch' },
	{ key: 'voice', kind: 'switch' },
	{ key: 'multiAgent', kind: 'switch' },
	{ key: 'codeLifetimeMinutes', kind: 'minutes' },
	{ key: 'removeCustomerAppAtEnd', kind: 'switch', yesNo: true },
	{ key: 'recordSessions', kind: 'switch', yesNo: true },
	{ key: 'recordingRetentionDays', kind: 'days' }
];

const LABELS: Record<SettingKey, () => string> = {
	fileTransfer: m.admin_setting_fileTransfer,
	maxFileSize: m.admin_setting_maxFileSize,
	unattended: m.admin_setting_unattended,
	agentScreenShare: m.admin_setting_agentScreenShare,
	voice: m.admin_setting_voice,
	multiAgent: m.admin_setting_multiAgent,
	codeLifetimeMinutes: m.admin_setting_codeLifetimeMinutes,
	removeCustomerAppAtEnd: m.admin_setting_removeCustomerAppAtEnd,
	recordSessions: m.admin_setting_recordSessions,
	recordingRetentionDays: m.admin_setting_recordingRetentionDays
};

const HELP: Record<SettingKey, () => string> = {
	fileTransfer: m.admin_setting_fileTransfer_help,
	maxFileSize: m.admin_setting_maxFileSize_help,
	unattended: m.admin_setting_unattended_help,
	agentScreenShare: m.admin_setting_agentScreenShare_help,
	voice: m.admin_setting_voice_help,
	multiAgent: m.admin_setting_multiAgent_help,
	codeLifetimeMinutes: m.admin_setting_codeLifetimeMinutes_help,
	removeCustomerAppAtEnd: m.admin_setting_removeCustomerAppAtEnd_help,
	recordSessions: m.admin_setting_recordSessions_help,
	recordingRetentionDays: m.admin_setting_recordingRetentionDays_help
};

/** A setting's name ("File transfer"), in the page's language. */
export const settingLabel = (key: SettingKey): string => LABELS[key]();

/** One line on what a setting does, in the page's language. */
export const settingHelp = (key: SettingKey): string => HELP[key]();

/** How an on/off setting reads when on or off: "Allowed"/"Denied", or "Yes"/"No". */
export function switchLabel(key: SettingKey, on: boolean): string {
	const definition = SETTING_DEFINITIONS.find((d) => d.key === key);
	if (definition?.yesNo) return on ? m.admin_setting_yes() : m.admin_setting_no();
	return on ? m.admin_setting_allowed() : m.admin_setting_denied();
}

export const SETTING_KEYS: readonly SettingKey[] = SETTING_DEFINITIONS.map((d) => d.key);

export const MEGABYTE = 1024 * 1024;
export const MAX_FILE_SIZE_LIMIT_MB = 100 * 1024;
export const MAX_CODE_LIFETIME_MINUTES = 60;
/** Ten years: beyond it a recording is not "kept for a while" but forever. */
export const MAX_RECORDING_RETENTION_DAYS = 3650;

/** A new group's settings (and the default group's, created with the database). */
export const DEFAULT_GROUP_SETTINGS: AgentSettings = Object.freeze({
	fileTransfer: true,
	maxFileSize: 2 * 1024 ** 3,
	unattended: false,
	agentScreenShare: true,
	voice: true,
	multiAgent: true,
	codeLifetimeMinutes: null,
	removeCustomerAppAtEnd: false,
	recordSessions: false,
	recordingRetentionDays: 30
});

export type SettingSource = 'group' | 'agent' | 'server';

/** A setting's value as people read it, in the page's language: "Allowed", "2048 MB", "10 min". */
export function formatSetting(
	key: SettingKey,
	value: AgentSettings[SettingKey],
	serverCodeLifetimeMinutes?: number
): string {
	const definition = SETTING_DEFINITIONS.find((d) => d.key === key);
	if (definition?.kind === 'switch') return switchLabel(key, value === true);
	if (definition?.kind === 'megabytes') {
		return m.admin_setting_megabytes({ megabytes: Math.round(Number(value) / MEGABYTE) });
	}
	if (definition?.kind === 'days') return m.admin_setting_days({ days: Number(value) });
	if (value === null) {
		return serverCodeLifetimeMinutes
			? m.admin_setting_server_minutes({ minutes: serverCodeLifetimeMinutes })
			: m.admin_setting_server_default();
	}
	return m.admin_setting_minutes({ minutes: Number(value) });
}
