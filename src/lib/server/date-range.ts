/**
 * A "from"/"to" pair of calendar dates (YYYY-MM-DD, as <input type="date"> sends them) as
 * inclusive millisecond bounds, in the server's time zone: "to" covers that whole day.
 */
export function dateRange(from: string, to: string): { from: number | null; to: number | null } {
	return { from: dayStart(from), to: dayEnd(to) };
}

function dayStart(date: string): number | null {
	if (!date) return null;
	const ms = new Date(`${date}T00:00:00`).getTime();
	return Number.isFinite(ms) ? ms : null;
}

function dayEnd(date: string): number | null {
	const start = dayStart(date);
	if (start === null) return null;
	const next = new Date(start);
	next.setDate(next.getDate() + 1);
	return next.getTime() - 1;
}
