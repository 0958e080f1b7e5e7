import { m } from '$lib/paraglide/messages';

/** What each audit log action means, for the audit page (one place; unknown ones show as is). */
const AUDIT_ACTION_LABELS: Record<string, () => string> = {
	'login.succeeded': m.admin_action_login_succeeded,
	'login.failed': m.admin_action_login_failed,
	logout: m.admin_action_logout,
	'session.created': m.admin_action_session_created,
	'session.ended': m.admin_action_session_ended,
	'report.exported': m.admin_action_report_exported,
	'snapshot.taken': m.admin_action_snapshot_taken,
	'snapshot.downloaded': m.admin_action_snapshot_downloaded,
	'recording.started': m.admin_action_recording_started,
	'recording.viewed': m.admin_action_recording_viewed,
	'recording.downloaded': m.admin_action_recording_downloaded,
	'recording.deleted': m.admin_action_recording_deleted,
	'user.created': m.admin_action_user_created,
	'user.disabled': m.admin_action_user_disabled,
	'user.enabled': m.admin_action_user_enabled,
	'user.role-changed': m.admin_action_user_role_changed,
	'user.group-changed': m.admin_action_user_group_changed,
	'user.password-reset': m.admin_action_user_password_reset,
	'user.password-set': m.admin_action_user_password_set,
	'user.overrides-changed': m.admin_action_user_overrides_changed,
	'group.created': m.admin_action_group_created,
	'group.updated': m.admin_action_group_updated,
	'group.deleted': m.admin_action_group_deleted
};

/** An audit action in words, in the page's language ("Logged in"); unknown ones read as is. */
export function auditActionLabel(action: string): string {
	return Object.hasOwn(AUDIT_ACTION_LABELS, action) ? AUDIT_ACTION_LABELS[action]() : action;
}
