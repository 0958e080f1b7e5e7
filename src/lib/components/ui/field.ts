/** The label and control classes every labelled field shares. */
export const LABEL_CLASS = 'block text-sm font-medium text-slate-700';

/** `form`: a full-width field in a form; `compact`: the same in a filter bar or a row of fields. */
export type FieldDensity = 'form' | 'compact';

export const controlClass = (density: FieldDensity = 'form') =>
	density === 'form'
		? 'mt-1 block w-full rounded-lg border border-slate-300 bg-white px-3 py-2'
		: 'mt-1 block w-full rounded-lg border border-slate-300 bg-white px-3 py-1.5';

/** The ids a control is described by: its hint and its error, whichever are shown. */
export function describedBy(id: string, hint: unknown, error: unknown): string | undefined {
	const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean);
	return ids.length ? ids.join(' ') : undefined;
}
