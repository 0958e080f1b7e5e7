import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from './csv';

/** A small RFC 4180 reader, to check that what we write reads back as the same cells. */
function parseCsv(text: string): string[][] {
	const rows: string[][] = [];
	let row: string[] = [];
	let cell = '';
	let quoted = false;
	for (let i = 0; i < text.length; i++) {
		const c = text[i];
		if (quoted) {
			if (c === '"' && text[i + 1] === '"') {
				cell += '"';
				i++;
			} else if (c === '"') quoted = false;
			else cell += c;
		} else if (c === '"') quoted = true;
		else if (c === ',') {
			row.push(cell);
			cell = '';
		} else if (c === '\r' && text[i + 1] === '\n') {
			row.push(cell);
			rows.push(row);
			row = [];
			cell = '';
			i++;
		} else cell += c;
	}
	return rows;
}

describe('CSV export', () => {
	it('leaves plain cells alone', () => {
		expect(csvCell('hello world')).toBe('hello world');
		expect(csvCell(42)).toBe('42');
		expect(csvCell(-3)).toBe('-3');
		expect(csvCell(null)).toBe('');
		expect(csvCell(undefined)).toBe('');
		expect(csvCell(true)).toBe('true');
	});

	it('quotes commas, quotes and line breaks, doubling quotes', () => {
		expect(csvCell('a,b')).toBe('"a,b"');
		expect(csvCell('say "hi"')).toBe('"say ""hi"""');
		expect(csvCell('line one\nline two')).toBe('"line one\nline two"');
		expect(csvCell('cr\rhere')).toBe('"cr\rhere"');
	});

	it('quotes semicolons and tabs too, for spreadsheets that split there', () => {
		expect(csvCell('a;b')).toBe('"a;b"');
		expect(csvCell('a\tb')).toBe('"a\tb"');
		expect(csvCell('a|b:c')).toBe('a|b:c');
	});

	it('neutralises cells a spreadsheet would run as a formula', () => {
		expect(csvCell('=1+1')).toBe("'=1+1");
		expect(csvCell('+SUM(A1)')).toBe("'+SUM(A1)");
		expect(csvCell('-2+3')).toBe("'-2+3");
		expect(csvCell('@cmd')).toBe("'@cmd");
		expect(csvCell('\tlooks blank')).toBe('"\'\tlooks blank"');
		expect(csvCell('\r=1')).toBe('"\'\r=1"');
		expect(csvCell('=HYPERLINK("http://evil","x"),')).toBe(
			'"\'=HYPERLINK(""http://evil"",""x""),"'
		);
		expect(csvCell('  =1+1')).toBe("'  =1+1");
		expect(csvCell('\n@SUM(A1)')).toBe('"\'\n@SUM(A1)"');
		// Inside a part of the text a formula cannot start.
		expect(csvCell('a=1')).toBe('a=1');
		expect(csvCell('Eve: ok - 2 + 2 = 4 @ noon')).toBe('Eve: ok - 2 + 2 = 4 @ noon');
	});

	it.each([
		["Eve: ok;=cmd|' /C calc'!A0;", `"Eve: ok;'=cmd|' /C calc'!A0;"`],
		["Eve: ok; =cmd|' /C calc'!A0", `"Eve: ok;' =cmd|' /C calc'!A0"`],
		['Eve: ok,=cmd|calc', `"Eve: ok,'=cmd|calc"`],
		['Eve: ok\t+cmd|calc', `"Eve: ok\t'+cmd|calc"`],
		['a;;-1+1', `"a;;'-1+1"`],
		['a;\r\n@SUM(A1)', `"a;'\r\n@SUM(A1)"`],
		['a;\t=1', `"a;'\t'=1"`]
	])('neutralises a formula after a separator inside a cell: %j', (value, written) => {
		expect(csvCell(value)).toBe(written);
		// However the cell is split (on , ; or tab), no part starts a formula.
		const unquoted = written.slice(1, -1).replace(/""/g, '"');
		for (const part of unquoted.split(/[,;\t]/)) expect(part).not.toMatch(/^[ \r\n]*[=+\-@\r]/);
	});

	it('writes CRLF rows that read back as the same cells', () => {
		const rows = [
			['time', 'type', 'text'],
			['2024-01-01', 'chat', 'Hello, "friend"\nsecond line'],
			['2024-01-02', 'chat', '=cmd|calc']
		];
		const text = toCsv(rows);
		expect(text.endsWith('\r\n')).toBe(true);
		expect(parseCsv(text)).toEqual([rows[0], rows[1], ['2024-01-02', 'chat', "'=cmd|calc"]]);
	});
});
