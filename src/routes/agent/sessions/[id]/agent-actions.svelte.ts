import { m } from '$lib/paraglide/messages';
import type { AgentSessionServer } from '$lib/peer/session-server';
import type { SessionView } from '$lib/peer/session-view.svelte';
import { EventRecorder, type EventStore } from '$lib/session/recorder';
import { SessionReport } from '$lib/session/session-report';

export interface AgentActionsOptions {
	view: SessionView;
	server: AgentSessionServer;
	/** Where report events wait until the server has them (kept across reloads). */
	store: EventStore;
	/** The other agents here now, with their user IDs (for naming whom the session went to). */
	agents: () => { name: string; userId: string | null }[];
	/** The recording, which must reach the server before we go. */
	recording?: {
		stepDown(): Promise<unknown>;
		stayed(): void;
		sessionEnded(): Promise<unknown>;
	};
}

const REQUEST_ERRORS: Record<string, () => string> = {
	'too-soon': m.agent_viewer_too_soon,
	pending: m.agent_viewer_pending,
	'already-sharing': m.agent_viewer_already_sharing,
	'no-customer': m.agent_viewer_no_customer
};

/**
 * What the agent does in a session and what came of it: chat, asking for the screen, sharing
 * theirs, leaving, handing over, ending; each recorded for the report. The viewer renders it.
 */
export class AgentActions {
	/** Set once this agent has left or handed over: the status line says so instead. */
	left = $state<string | null>(null);
	leaveError = $state<string | null>(null);
	/** Why asking for (or sharing) a screen did not work. */
	requestError = $state<string | null>(null);
	confirmEnd = $state(false);
	handOverOpen = $state(false);
	/** The user ID the hand over goes to ('' until one is chosen). */
	handOverTo = $state('');

	readonly #view: SessionView;
	readonly #server: AgentSessionServer;
	readonly #agents: () => { name: string; userId: string | null }[];
	readonly #recorder: EventRecorder;
	readonly #report: SessionReport;
	readonly #recording: AgentActionsOptions['recording'];
	#unfollow: (() => void) | null = null;

	constructor(options: AgentActionsOptions) {
		this.#view = options.view;
		this.#server = options.server;
		this.#agents = options.agents;
		this.#recording = options.recording;
		this.#recorder = new EventRecorder({
			store: options.store,
			post: (events) => options.server.postEvents(events)
		});
		this.#report = new SessionReport(this.#recorder);
	}

	/** Sends what a previous page left unsent and records the session from now on. */
	start() {
		void this.#recorder.start();
		this.#unfollow = this.#report.follow(this.#view.client);
	}

	dispose() {
		this.#unfollow?.();
		void this.#recorder.flush();
		this.#recorder.stop();
	}

	sendChat = (text: string) => {
		const result = this.#view.sendChat(text);
		if (result.ok) this.#report.chatSent(result.message);
		return result;
	};

	requestScreen() {
		const result = this.#view.requestScreen();
		this.requestError = result.ok ? null : (REQUEST_ERRORS[result.error]?.() ?? result.error);
		if (result.ok) this.#report.screenRequested();
	}

	async shareMyScreen() {
		const result = await this.#view.shareScreen();
		if (result.ok) this.#report.agentScreenShared();
		else if (result.error !== 'declined') this.requestError = m.agent_viewer_share_failed();
	}

	stopMyScreen() {
		void this.#view.stopSharing();
		this.#report.agentScreenStopped();
	}

	/** Leaves the session, handing it to `handOverTo` (a user ID) when given. */
	async leave(handOverTo?: string) {
		this.leaveError = null;
		// Our part of the recording ends and is sent while the server still takes it from us.
		await this.#recording?.stepDown();
		const result = await this.#server.leave(handOverTo);
		if (!result.ok) {
			this.leaveError = result.error ?? m.agent_viewer_leave_failed();
			this.#recording?.stayed();
			return;
		}
		this.handOverOpen = false;
		const to = this.#agents().find((a) => a.userId === handOverTo)?.name;
		this.left = to ? m.agent_viewer_handed_over({ name: to }) : m.agent_viewer_left();
		await this.#recorder.flush().catch(() => {});
		await this.#view.client.leave();
	}

	/** Ends the session for everyone, once the report has the request. */
	async end() {
		this.confirmEnd = false;
		this.#report.endRequested();
		await this.#recording?.sessionEnded();
		await this.#recorder.flush().catch(() => {});
		await this.#view.end('agent');
	}
}
