/**
 * CSV as RFC 4180 has it (CRLF rows; quotes doubled), made safe to open in a spreadsheet
 * (OWASP "CSV injection"):
 * - a cell with a comma, semicolon, tab, quote or line break is quoted, so a spreadsheet that
 *   splits on `;` (the Italian default) or tabs still sees one cell;
 * - text that a spreadsheet would read as a formula, at the start of a cell or of any part of it
 *   after a `,` `;` or tab (in case a program splits there anyway), starts with = + - @ tab or
 *   CR, after optional white space: it gets a leading apostrophe.
 */
export type CsvCell = string | number | boolean | null | undefined;

/** A cell's start, or a separator, before text that starts a formula. */
const FORMULA_STARTS = /(^|[,;\t])(?=[ \t\r\n]*[=+\-@\t\r])/g;
const NEEDS_QUOTES = /[",;\t\r\n]/;

export function csvCell(value: CsvCell): string {
	if (value === null || value === undefined) return '';
	if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
	if (typeof value === 'boolean') return value ? 'true' : 'false';
	const text = value.replace(FORMULA_STARTS, "$1'");
	return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(rows: readonly (readonly CsvCell[])[]): string {
	return rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
