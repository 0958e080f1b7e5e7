import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { fileAbuseReport } from '$lib/server/abuse';
import { agentName } from '$lib/server/agents';
import { AbuseReportForm, firstIssue, formFields, v } from '$lib/server/schemas';
import { CUSTOMER_COOKIE } from '$lib/server/join';
import { getRuntime } from '$lib/server/runtime';
import {
	customerTicket,
	featuresFor,
	getSupportSession,
	presentAgents
} from '$lib/server/support-sessions';
import { verifyTicketSignature } from '$lib/server/tickets';
import { iceServersFor } from '$lib/server/turn';
import type { ReportErrorCode } from '$lib/report-errors';

/** Which rule the abuse report broke, as a code the page words in the customer's language. */
function reportIssueCode(issues: v.BaseIssue<unknown>[]): ReportErrorCode {
	const issue = issues[0];
	if (issue?.path?.[0]?.key === 'contact') return 'contact-too-long';
	return issue?.type === 'max_length' ? 'description-too-long' : 'description-missing';
}

export const load: PageServerLoad = async ({ cookies }) => {
	const runtime = await getRuntime();
	// Expiry is not checked here: the cookie proves who this browser is, and a live session gets
	// a fresh ticket below. An ended session gets none.
	const check = verifyTicketSignature(
		runtime.secrets.ticketPublicKey,
		cookies.get(CUSTOMER_COOKIE),
		0
	);
	if (!check.ok || check.claims.role !== 'customer') redirect(303, '/');
	const claims = check.claims;
	const session = await getSupportSession(runtime, claims.sid);
	if (!session || session.customer_peer_id !== claims.pid) redirect(303, '/');

	const agent = { id: session.agent_id, name: await agentName(runtime, session.agent_id) };
	const base = {
		sessionId: session.id,
		customerName: session.customer_name ?? claims.name,
		agentName: agent.name,
		organisation: runtime.config.organisationName
	};
	if (session.status === 'ended') {
		return { ...base, ended: true as const, endReason: session.end_reason };
	}
	const features = await featuresFor(runtime, agent);
	return {
		...base,
		ended: false as const,
		peerId: claims.pid,
		ticket: customerTicket(runtime, {
			id: session.id,
			customerPeerId: claims.pid,
			customerName: base.customerName,
			features
		}),
		features,
		agents: (await presentAgents(runtime, session.id)).map(({ peerId, name }) => ({
			peerId,
			name
		})),
		iceServers: iceServersFor(runtime, claims.pid),
		iceTransportPolicy: runtime.config.iceTransportPolicy,
		ticketKey: runtime.secrets.ticketPublicKeyRaw
	};
};

export const actions: Actions = {
	/** Report abuse: works from the end dialog and the ended page, with or without JavaScript. */
	report: async ({ cookies, request }) => {
		const runtime = await getRuntime();
		const check = verifyTicketSignature(
			runtime.secrets.ticketPublicKey,
			cookies.get(CUSTOMER_COOKIE),
			0
		);
		if (!check.ok || check.claims.role !== 'customer') {
			return fail(401, {
				report: {
					error: 'This browser has no session to report.',
					code: 'no-session' as ReportErrorCode
				}
			});
		}
		const fields = formFields(await request.formData(), ['description', 'contact']);
		const parsed = v.safeParse(AbuseReportForm, fields);
		if (!parsed.success) {
			return fail(400, {
				report: {
					error: firstIssue(parsed.issues),
					code: reportIssueCode(parsed.issues),
					...fields
				}
			});
		}
		const stored = await fileAbuseReport(runtime, {
			sessionId: check.claims.sid,
			description: parsed.output.description,
			contact: parsed.output.contact || null
		});
		if (!stored) {
			return fail(429, {
				report: {
					error: 'This session has already been reported.',
					code: 'already-reported' as ReportErrorCode
				}
			});
		}
		return { report: { sent: true as const } };
	}
};
