import { describe, expect, it } from 'vitest';
import { safeFileName, splitExtension } from './file-names';

const utf8Bytes = (text: string) => new TextEncoder().encode(text).length;

describe('safeFileName', () => {
	it.each([
		['report.pdf', 'report.pdf'],
		['../../etc/passwd', 'passwd'],
		['..\\..\\windows\\system32\\evil.dll', 'evil.dll'],
		['/etc/shadow', 'shadow'],
		['C:\\Users\\me\\Desktop\\notes.txt', 'notes.txt'],
		['\\\\server\\share\\doc.docx', 'doc.docx'],
		['folder/', 'folder'],
		['..', 'file'],
		['../', 'file'],
		['...', 'file'],
		['', 'file'],
		['   ', 'file'],
		['a\u0000b.txt', 'ab.txt'],
		['evil\u0000.exe\u0000.txt', 'evil.exe.txt'],
		['line\nbreak\r\t.txt', 'linebreak.txt'],
		['bell\u0007\u001b[31m.txt', 'bell[31m.txt'],
		['c1\u0085\u009b.txt', 'c1.txt'],
		['trailing dots...', 'trailing dots'],
		['trailing spaces.txt   ', 'trailing spaces.txt'],
		['.hidden', 'hidden'],
		['stream.txt:evil.exe', 'stream.txt_evil.exe'],
		['what?<>|*".txt', 'what______.txt'],
		['invoice.pdf                    .exe', 'invoice.pdf .exe']
	])('%j -> %j', (input, expected) => {
		expect(safeFileName(input)).toBe(expected);
	});

	it.each([
		['CON', '_CON'],
		['con', '_con'],
		['CON.txt', '_CON.txt'],
		['nul.tar.gz', '_nul.tar.gz'],
		['PRN', '_PRN'],
		['aux.c', '_aux.c'],
		['COM1', '_COM1'],
		['lpt9.log', '_lpt9.log'],
		['COM¹', '_COM¹'],
		['CON .txt', '_CON .txt'],
		['CONSOLE.txt', 'CONSOLE.txt'],
		['COM0', 'COM0'],
		['icon.png', 'icon.png']
	])('reserved Windows name %j -> %j', (input, expected) => {
		expect(safeFileName(input)).toBe(expected);
	});

	it('removes bidirectional overrides so the real extension shows', () => {
		expect(safeFileName('..\\..\\evil\u202Egpj.exe')).toBe('evilgpj.exe');
		expect(safeFileName('photo\u202Egnp.scr')).toBe('photognp.scr');
		expect(safeFileName('a\u2066b\u2067c\u2068d\u2069e\u202Af\u202Bg\u202Ch\u202Di.txt')).toBe(
			'abcdefghi.txt'
		);
		expect(safeFileName('mark\u200E\u200F.pdf')).toBe('mark.pdf');
	});

	it('keeps the name within 255 UTF-8 bytes, with its extension, without splitting characters', () => {
		const long = 'é'.repeat(300) + '.pdf';
		const safe = safeFileName(long);
		expect(utf8Bytes(safe)).toBeLessThanOrEqual(255);
		expect(safe.endsWith('.pdf')).toBe(true);
		expect(safe).toMatch(/^é+\.pdf$/);

		const emoji = '😀'.repeat(100) + '.tar';
		const safeEmoji = safeFileName(emoji);
		expect(utf8Bytes(safeEmoji)).toBeLessThanOrEqual(255);
		expect(safeEmoji).toMatch(/^(😀)+\.tar$/u);

		const cjk = '文'.repeat(200);
		expect(utf8Bytes(safeFileName(cjk))).toBeLessThanOrEqual(255);
		expect(safeFileName(cjk)).toMatch(/^文+$/);
	});

	it('cuts an absurdly long extension rather than keeping it', () => {
		const safe = safeFileName('a.' + 'x'.repeat(400));
		expect(utf8Bytes(safe)).toBe(255);
	});

	it('is idempotent', () => {
		for (const name of ['../CON.txt', 'é'.repeat(300) + '.pdf', 'evil\u202Egpj.exe', 'a:b']) {
			const once = safeFileName(name);
			expect(safeFileName(once)).toBe(once);
		}
	});
});

describe('splitExtension', () => {
	it('splits the last extension only', () => {
		expect(splitExtension('archive.tar.gz')).toEqual({ stem: 'archive.tar', extension: '.gz' });
		expect(splitExtension('README')).toEqual({ stem: 'README', extension: '' });
		expect(splitExtension('.env')).toEqual({ stem: '.env', extension: '' });
	});
});
