/**
 * What a group (and, per agent, an override) decides about a support session: the one list of
 * these settings, their labels and the product defaults. Shared by the server (resolution,
 * enforcement) and the administration pages (forms, where each value comes from).
 */

export interface AgentSettings {
	fileTransfer: boolean;
	/** Largest file, in bytes. */
	maxFileSize: number;
	unattended: boolean;
	agentScreenShare: boolean;
	multiAgent: boolean;
	/** How long a new session code stays valid; null in a group means the server's default. */
	codeLifetimeMinutes: number | null;
	removeCustomerAppAtEnd: boolean;
}

export type SettingKey = keyof AgentSettings;

/** A per-agent override: a value replaces the group's, null (or absent) inherits it. */
export type SettingOverrides = { [K in SettingKey]?: NonNullable<AgentSettings[K]> | null };

export type SettingKind = 'switch' | 'megabytes' | 'minutes';

export interface SettingDefinition {
	key: SettingKey;
	label: string;
	kind: SettingKind;
	help: string;
	/** How an on/off setting reads when on and off (permissions read "Allowed"/"Denied"). */
	on?: string;
	off?: string;
}

export const SETTING_DEFINITIONS: readonly SettingDefinition[] = [
	{
		key: 'fileTransfer',
		label: 'File transfer',
		kind: 'switch',
		help: 'Agent and customer may send each other files.'
	},
	{
		key: 'maxFileSize',
		label: 'Maximum file size',
		kind: 'megabytes',
		help: 'Larger files are refused before any byte moves.'
	},
	{
		key: 'unattended',
		label: 'Unattended access',
		kind: 'switch',
		help: 'Agent may connect to devices set up for unattended access.'
	},
	{
		key: 'agentScreenShare',
		label: 'Agent screen sharing',
		kind: 'switch',
		help: 'Agent may show their own screen to the customer.'
	},
	{
		key: 'multiAgent',
		label: 'Multi-agent sessions',
		kind: 'switch',
		help: 'Other agents may join a session.'
	},
	{
		key: 'codeLifetimeMinutes',
		label: 'Code lifetime',
		kind: 'minutes',
		help: 'How long a new session code can be used.'
	},
	{
		key: 'removeCustomerAppAtEnd',
		label: 'Remove customer app at end',
		kind: 'switch',
		help: 'Default for removing the customer app when the session ends.',
		on: 'Yes',
		off: 'No'
	}
];

export const SETTING_KEYS: readonly SettingKey[] = SETTING_DEFINITIONS.map((d) => d.key);

export const MEGABYTE = 1024 * 1024;
export const MAX_FILE_SIZE_LIMIT_MB = 100 * 1024;
export const MAX_CODE_LIFETIME_MINUTES = 60;

/** A new group's settings (and the default group's, created with the database). */
export const DEFAULT_GROUP_SETTINGS: AgentSettings = Object.freeze({
	fileTransfer: true,
	maxFileSize: 2 * 1024 ** 3,
	unattended: false,
	agentScreenShare: true,
	multiAgent: true,
	codeLifetimeMinutes: null,
	removeCustomerAppAtEnd: false
});

export type SettingSource = 'group' | 'agent' | 'server';

/** A setting's value as people read it: "On", "2048 MB", "10 min". */
export function formatSetting(
	key: SettingKey,
	value: AgentSettings[SettingKey],
	serverCodeLifetimeMinutes?: number
): string {
	const definition = SETTING_DEFINITIONS.find((d) => d.key === key);
	if (definition?.kind === 'switch') {
		return value ? (definition.on ?? 'Allowed') : (definition.off ?? 'Denied');
	}
	if (definition?.kind === 'megabytes') return `${Math.round(Number(value) / MEGABYTE)} MB`;
	if (value === null) {
		return serverCodeLifetimeMinutes
			? `${serverCodeLifetimeMinutes} min (server default)`
			: 'Server default';
	}
	return `${value} min`;
}
