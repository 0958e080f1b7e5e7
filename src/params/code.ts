import type { ParamMatcher } from '@sveltejs/kit';

/** `/join/123456789` (dashes allowed, as people paste them). */
export const match: ParamMatcher = (param) => /^[\d-]{9,11}$/.test(param);
