import type { Actions } from './$types';
import { joinAction } from '$lib/server/join';

export const actions: Actions = { join: joinAction };
