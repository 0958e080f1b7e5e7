/** Why an administration action was refused, as the store says it; the route words it. */
import { m } from '$lib/paraglide/messages';

export type AdminErrorCode =
	| 'email-taken'
	| 'choose-group'
	| 'disable-self'
	| 'no-account'
	| 'already-disabled'
	| 'not-disabled'
	| 'last-admin'
	| 'own-admin-role'
	| 'enable-first'
	| 'no-group'
	| 'group-taken'
	| 'default-group'
	| 'group-has-agents';

type Options = { locale?: 'en' | 'it' };

export function adminErrorText(code: AdminErrorCode, options: Options = {}): string {
	switch (code) {
		case 'email-taken':
			return m.admin_error_email_taken({}, options);
		case 'choose-group':
			return m.admin_error_choose_group({}, options);
		case 'disable-self':
			return m.admin_error_disable_self({}, options);
		case 'no-account':
			return m.admin_error_no_account({}, options);
		case 'already-disabled':
			return m.admin_error_already_disabled({}, options);
		case 'not-disabled':
			return m.admin_error_not_disabled({}, options);
		case 'last-admin':
			return m.admin_error_last_admin({}, options);
		case 'own-admin-role':
			return m.admin_error_own_admin_role({}, options);
		case 'enable-first':
			return m.admin_error_enable_first({}, options);
		case 'no-group':
			return m.admin_error_no_group({}, options);
		case 'group-taken':
			return m.admin_error_group_taken({}, options);
		case 'default-group':
			return m.admin_error_default_group({}, options);
		case 'group-has-agents':
			return m.admin_error_group_has_agents({}, options);
	}
}
