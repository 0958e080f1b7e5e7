/** Why an abuse report was refused, as the report action says it; the page words it. */
import { m } from '$lib/paraglide/messages';

export type ReportErrorCode =
	| 'no-session'
	| 'already-reported'
	| 'description-missing'
	| 'description-too-long'
	| 'contact-too-long';

export const MAX_REPORT_DESCRIPTION = 4000;

export function reportErrorText(code: ReportErrorCode): string {
	switch (code) {
		case 'no-session':
			return m.report_error_no_session();
		case 'already-reported':
			return m.report_error_already();
		case 'description-missing':
			return m.report_error_description_missing();
		case 'description-too-long':
			return m.report_error_description_too_long({ max: MAX_REPORT_DESCRIPTION });
		case 'contact-too-long':
			return m.report_error_contact_too_long();
	}
}
