/**
 * How a screen capture failure reads: guidance for the customer (what is wrong, what to do on
 * their system), and a short reason for the agent's viewer and the session report.
 */
import { messageLocale } from '$lib/format';
import { locale } from '$lib/i18n/locale.svelte';
import { m } from '$lib/paraglide/messages';
import type { CaptureFailure } from '$lib/session/capture-failure';

type Platform = 'mac' | 'linux' | 'windows' | 'other';

/** What the customer reads after the capture failed. */
export function captureGuidance(reason: CaptureFailure, platform: Platform): string {
	switch (reason) {
		case 'cancelled':
			return m.share_declined();
		case 'system-permission':
			return platform === 'mac'
				? m.share_failed_system_mac()
				: platform === 'linux'
					? m.share_failed_system_linux()
					: m.share_failed_system();
		case 'no-source':
			return platform === 'linux' ? m.share_failed_no_source_linux() : m.share_failed_no_source();
		case 'policy':
			return m.share_failed_policy();
		case 'busy':
			return m.share_failed_busy();
		case 'aborted':
			return m.share_failed_aborted();
		case 'unsupported':
			return m.share_unsupported();
		case 'insecure':
			return m.share_failed_insecure();
		case 'failed':
			return m.share_failed_other();
	}
}

const REASONS: Record<Exclude<CaptureFailure, 'cancelled'>, typeof m.capture_reason_failed> = {
	'system-permission': m.capture_reason_system_permission,
	policy: m.capture_reason_policy,
	'no-source': m.capture_reason_no_source,
	busy: m.capture_reason_busy,
	aborted: m.capture_reason_aborted,
	unsupported: m.capture_reason_unsupported,
	insecure: m.capture_reason_insecure,
	failed: m.capture_reason_failed
};

/** A short reason ("system permission"); an unknown one (from a stored event) is "unknown". */
export function captureReasonLabel(reason: unknown, lang: string = locale()): string {
	const options = { locale: messageLocale(lang) };
	const label =
		typeof reason === 'string' && Object.hasOwn(REASONS, reason)
			? REASONS[reason as keyof typeof REASONS]
			: m.capture_reason_failed;
	return label({}, options);
}

/** The agent's view of a capture that failed on the customer's computer (not their Cancel). */
export function agentCaptureFailureText(reason: CaptureFailure, name: string): string {
	const label = captureReasonLabel(reason);
	return reason === 'system-permission' || reason === 'policy'
		? m.agent_viewer_stage_capture_blocked({ name, reason: label })
		: m.agent_viewer_stage_capture_failed({ name, reason: label });
}
