// The printed table: one line per measure, goal and verdict, then each figure's details.

function formatValue(
	value,
	unit,
	digits = unit === '×' ? 2 : unit === 'ms' || unit === 'peers' ? 0 : 1
) {
	if (value === null || value === undefined || Number.isNaN(value)) return '—';
	if (typeof value !== 'number') return String(value);
	const text = value.toLocaleString('en-GB', {
		minimumFractionDigits: digits,
		maximumFractionDigits: digits
	});
	return unit ? `${text} ${unit}` : text;
}

function verdict(pass) {
	if (pass === true) return 'ok';
	if (pass === false) return 'MISSED';
	return '';
}

export function formatTable(figures) {
	const lines = [];
	for (const figure of figures) {
		for (const row of figure.rows ?? []) {
			lines.push([
				figure.title,
				row.measure,
				formatValue(row.value, row.unit, row.digits),
				row.goal ?? '',
				verdict(row.pass),
				row.note ?? ''
			]);
		}
	}
	const header = ['figure', 'measure', 'value', 'goal', 'result', 'note'];
	const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
	const format = (cells) =>
		cells
			.map((cell, i) => (i === 2 ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
			.join('  ')
			.trimEnd();
	const out = [format(header), widths.map((w) => '─'.repeat(w)).join('  ')];
	let previous = null;
	for (const line of lines) {
		if (previous !== null && line[0] !== previous) out.push('');
		out.push(format(line[0] === previous ? ['', ...line.slice(1)] : line));
		previous = line[0];
	}
	for (const figure of figures) {
		if (!figure.details?.length) continue;
		out.push('', `${figure.title}:`);
		for (const detail of figure.details) {
			out.push(
				`  ${detail.label}${detail.ms === undefined ? '' : `: ${formatValue(detail.ms, 'ms')}`}`
			);
		}
	}
	return out.join('\n');
}
