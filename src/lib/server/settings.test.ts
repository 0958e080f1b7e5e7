import { describe, expect, it } from 'vitest';
import { DEFAULT_FEATURES } from '$lib/session/protocol';
import { DEFAULT_GROUP_SETTINGS, SETTING_KEYS, type AgentSettings } from '$lib/settings';
import {
	featuresFromSettings,
	groupRowValues,
	groupSettingsFromRow,
	overrideRowValues,
	overridesFromRow,
	resolveSettings
} from './settings';

const server = { codeLifetimeMinutes: 10 };
const group: AgentSettings = {
	fileTransfer: true,
	maxFileSize: 100 * 1024 * 1024,
	unattended: false,
	agentScreenShare: true,
	voice: false,
	multiAgent: false,
	codeLifetimeMinutes: 5,
	removeCustomerAppAtEnd: true,
	recordSessions: true,
	recordingRetentionDays: 14
};

describe('resolveSettings: group → override → effective', () => {
	it('with no overrides, every value and source is the group', () => {
		const { settings, sources } = resolveSettings(group, {}, server);
		expect(settings).toEqual(group);
		for (const key of SETTING_KEYS) expect(sources[key]).toBe('group');
	});

	it('allow and deny overrides win over the group, in both directions', () => {
		const { settings, sources } = resolveSettings(
			group,
			{ fileTransfer: false, multiAgent: true, unattended: true, voice: true },
			server
		);
		expect(settings.fileTransfer).toBe(false);
		expect(settings.voice).toBe(true);
		expect(sources.voice).toBe('agent');
		expect(settings.multiAgent).toBe(true);
		expect(settings.unattended).toBe(true);
		expect(sources.fileTransfer).toBe('agent');
		expect(sources.multiAgent).toBe('agent');
		expect(sources.agentScreenShare).toBe('group');
	});

	it('numeric overrides replace the group value; null and absent inherit', () => {
		const { settings, sources } = resolveSettings(
			group,
			{ maxFileSize: 1024, codeLifetimeMinutes: null, agentScreenShare: null },
			server
		);
		expect(settings.maxFileSize).toBe(1024);
		expect(sources.maxFileSize).toBe('agent');
		expect(settings.codeLifetimeMinutes).toBe(5);
		expect(sources.codeLifetimeMinutes).toBe('group');
		expect(settings.agentScreenShare).toBe(true);
		expect(sources.agentScreenShare).toBe('group');
	});

	it("a group without a code lifetime uses the server's, unless the agent overrides it", () => {
		const inherited = resolveSettings({ ...group, codeLifetimeMinutes: null }, {}, server);
		expect(inherited.settings.codeLifetimeMinutes).toBe(10);
		expect(inherited.sources.codeLifetimeMinutes).toBe('server');
		const overridden = resolveSettings(
			{ ...group, codeLifetimeMinutes: null },
			{ codeLifetimeMinutes: 3 },
			server
		);
		expect(overridden.settings.codeLifetimeMinutes).toBe(3);
		expect(overridden.sources.codeLifetimeMinutes).toBe('agent');
	});

	it('does not change its inputs', () => {
		const overrides = { fileTransfer: false };
		const before = { ...group };
		resolveSettings(group, overrides, server);
		expect(group).toEqual(before);
		expect(overrides).toEqual({ fileTransfer: false });
	});

	it('the default group grants what DEFAULT_FEATURES grant', () => {
		const { settings } = resolveSettings(DEFAULT_GROUP_SETTINGS, {}, server);
		expect(featuresFromSettings(settings)).toEqual(DEFAULT_FEATURES);
	});

	it('features carry what the peers enforce, not the code lifetime', () => {
		const features = featuresFromSettings(resolveSettings(group, {}, server).settings);
		expect(features).toEqual({
			fileTransfer: true,
			maxFileSize: 100 * 1024 * 1024,
			agentScreenShare: true,
			voice: false,
			multiAgent: false,
			unattended: false,
			removeCustomerAppAtEnd: true,
			record: true,
			recordingRetentionDays: 14
		});
	});
});

describe('settings rows', () => {
	it('a group survives the round trip through its row', () => {
		const row = { id: 'g', name: 'G', created_at: 0, updated_at: 0, ...groupRowValues(group) };
		expect(groupSettingsFromRow(row)).toEqual(group);
	});

	it('overrides survive the round trip; inherit stays null', () => {
		const overrides = { fileTransfer: false, unattended: true, maxFileSize: 5, voice: false };
		const row = { user_id: 'u', updated_at: 0, ...overrideRowValues(overrides) };
		expect(row.multi_agent).toBeNull();
		expect(row.voice).toBe(0);
		expect(overridesFromRow(row)).toEqual({
			fileTransfer: false,
			unattended: true,
			maxFileSize: 5,
			agentScreenShare: null,
			voice: false,
			multiAgent: null,
			codeLifetimeMinutes: null,
			removeCustomerAppAtEnd: null,
			recordSessions: null,
			recordingRetentionDays: null
		});
		expect(overridesFromRow(undefined)).toEqual({});
	});
});
