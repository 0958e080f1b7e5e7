/** Why an administration action was refused, as the store says it; the route words it. */
import { m } from '$lib/paraglide/messages';

type Options = { locale?: 'en' | 'it' };

const WORDS = {
	'email-taken': m.admin_error_email_taken,
	'choose-group': m.admin_error_choose_group,
	'disable-self': m.admin_error_disable_self,
	'no-account': m.admin_error_no_account,
	'already-disabled': m.admin_error_already_disabled,
	'not-disabled': m.admin_error_not_disabled,
	'last-admin': m.admin_error_last_admin,
	'own-admin-role': m.admin_error_own_admin_role,
	'enable-first': m.admin_error_enable_first,
	'no-group': m.admin_error_no_group,
	'group-taken': m.admin_error_group_taken,
	'default-group': m.admin_error_default_group,
	'group-has-agents': m.admin_error_group_has_agents
} satisfies Record<string, (inputs: Record<string, never>, options: Options) => string>;

export type AdminErrorCode = keyof typeof WORDS;

export const ADMIN_ERROR_CODES = Object.keys(WORDS) as AdminErrorCode[];

export function adminErrorText(code: AdminErrorCode, options: Options = {}): string {
	return WORDS[code]({}, options);
}
