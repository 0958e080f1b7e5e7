/** Why joining failed, as the join action reports it; the form words it in the page's language. */
import { m } from '$lib/paraglide/messages';
import { MAX_NAME_LENGTH } from '$lib/session/limits';

export type JoinErrorCode =
	| 'invalid-code'
	| 'rate-limited'
	| 'code-missing'
	| 'code-format'
	| 'name-missing'
	| 'name-too-long'
	| 'name-invalid';

type Options = { locale?: 'en' | 'it' };

export function joinErrorText(code: JoinErrorCode, options: Options = {}): string {
	switch (code) {
		case 'invalid-code':
			return m.join_error_invalid_code({}, options);
		case 'rate-limited':
			return m.join_error_rate_limited({}, options);
		case 'code-missing':
			return m.join_error_code_missing({}, options);
		case 'code-format':
			return m.join_error_code_format({}, options);
		case 'name-missing':
			return m.join_error_name_missing({}, options);
		case 'name-too-long':
			return m.join_error_name_too_long({ max: MAX_NAME_LENGTH }, options);
		case 'name-invalid':
			return m.join_error_name_invalid({}, options);
	}
}
