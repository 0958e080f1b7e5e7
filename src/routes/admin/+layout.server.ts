import type { LayoutServerLoad } from './$types';
import { requireAdmin } from '$lib/server/admin-access';

export const load: LayoutServerLoad = ({ locals }) => ({ user: requireAdmin(locals) });
