import type { Actions, PageServerLoad } from './$types';
import { joinAction } from '$lib/server/join';

export const load: PageServerLoad = ({ params }) => ({ code: params.code.replace(/\D/g, '') });

export const actions: Actions = { join: joinAction };
