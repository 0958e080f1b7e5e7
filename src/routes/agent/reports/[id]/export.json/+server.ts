import type { RequestHandler } from './$types';
import { exportReport } from '$lib/server/report-export';

export const GET: RequestHandler = (event) => exportReport(event, 'json');
