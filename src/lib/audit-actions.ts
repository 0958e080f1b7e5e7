/** What each audit log action means, for the audit page (one place; unknown ones show as is). */
export const AUDIT_ACTION_LABELS: Record<string, string> = {
	'login.succeeded': 'Logged in',
	'login.failed': 'Login failed',
	logout: 'Logged out',
	'session.created': 'Session created',
	'session.ended': 'Session ended',
	'report.exported': 'Report exported',
	'user.created': 'Account created',
	'user.disabled': 'Account disabled',
	'user.enabled': 'Account enabled',
	'user.role-changed': 'Role changed',
	'user.group-changed': 'Group changed',
	'user.password-reset': 'Password reset',
	'user.password-set': 'Password set',
	'user.overrides-changed': 'Agent overrides changed',
	'group.created': 'Group created',
	'group.updated': 'Group settings changed',
	'group.deleted': 'Group deleted'
};
