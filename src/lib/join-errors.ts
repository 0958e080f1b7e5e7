/** Why joining failed, as the join action reports it; the form words it in the page's language. */
import { m } from '$lib/paraglide/messages';
import { MAX_NAME_LENGTH } from '$lib/session/protocol';

export type JoinErrorCode =
	| 'invalid-code'
	| 'rate-limited'
	| 'code-missing'
	| 'code-format'
	| 'name-missing'
	| 'name-too-long'
	| 'name-invalid';

export function joinErrorText(code: JoinErrorCode): string {
	switch (code) {
		case 'invalid-code':
			return m.join_error_invalid_code();
		case 'rate-limited':
			return m.join_error_rate_limited();
		case 'code-missing':
			return m.join_error_code_missing();
		case 'code-format':
			return m.join_error_code_format();
		case 'name-missing':
			return m.join_error_name_missing();
		case 'name-too-long':
			return m.join_error_name_too_long({ max: MAX_NAME_LENGTH });
		case 'name-invalid':
			return m.join_error_name_invalid();
	}
}
