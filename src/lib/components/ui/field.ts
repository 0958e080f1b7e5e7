/** The label class every labelled field shares. */
export const LABEL_CLASS = 'block text-sm font-medium text-slate-700';

/** `form`: a field in a form; `compact`: the same in a filter bar or a row of fields. */
export type FieldDensity = 'form' | 'compact';

export const controlClass = (density: FieldDensity = 'form') =>
	[
		'mt-1 block w-full rounded-lg border border-slate-300 bg-white px-3',
		density === 'form' ? 'py-2' : 'py-1.5'
	].join(' ');
