/**
 * What the agent's report records of a session: which session and file-transfer events become
 * report events, and with what data. The one place that decides it; the page only starts it.
 */
import type { ChatMessage } from './chat';
import type { FileTransfers } from './files';
import type { EventRecorder } from './recorder';
import type { SupportSession } from './session';

/** What the report follows: the agent's peer client (or, in tests, a fake of it). */
export interface ReportSource {
	readonly session: Pick<
		SupportSession,
		'on' | 'state' | 'captureFailure' | 'voice' | 'camera' | 'annotation'
	>;
	/** The peers whose tickets checked out, now. */
	readonly verifiedPeers: readonly { role: string }[];
	/** Told after every change of the session or of its peers. */
	onChange(handler: () => void): () => void;
	/** Told when a peer's file channel opens (transfers) or goes (null). */
	onFiles(
		handler: (peerId: string, transfers: Pick<FileTransfers, 'on'> | null) => void
	): () => void;
}

export class SessionReport {
	readonly #recorder: Pick<EventRecorder, 'record'>;

	constructor(recorder: Pick<EventRecorder, 'record'>) {
		this.#recorder = recorder;
	}

	/** Records what `source` reports from now on, until the function returned is called. */
	follow(source: ReportSource): () => void {
		const session = source.session;
		const offs = [
			session.on('chat', (m) =>
				this.#recorder.record(
					'chat',
					{ name: m.name, role: m.role, text: m.text, sentAt: m.sentAt },
					m.id
				)
			),
			session.on('request-answer', (accepted) =>
				this.#recorder.record(accepted ? 'screen.request-accepted' : 'screen.request-declined')
			),
			source.onFiles((_peerId, transfers) => {
				// An offer is recorded when it arrives, so a transfer cut short (tab closed, network
				// lost) still shows in the report as started and never completed.
				transfers?.on('offer', (t) =>
					this.#recorder.record(
						'file.offered',
						{ name: t.name, size: t.size, direction: 'customer-to-agent' },
						`file-offer-${t.id}`
					)
				);
				transfers?.on('finished', (t) =>
					this.#recorder.record(
						'file',
						{
							name: t.name,
							size: t.size,
							direction: t.direction === 'send' ? 'agent-to-customer' : 'customer-to-agent',
							result: t.state,
							error: t.error,
							sha256: t.sha256
						},
						`file-${t.id}`
					)
				);
			})
		];
		offs.push(
			session.voice.events.on('activity', (activity) => {
				const type = activity.kind === 'left' ? 'ended' : activity.kind;
				this.#recorder.record(`voice.${type}`, { name: activity.name });
			}),
			session.camera.events.on('activity', (activity) => {
				this.#recorder.record(
					`camera.${activity.kind}`,
					activity.kind === 'paused' ? { by: activity.by } : {}
				);
			}),
			session.annotation.events.on('activity', (activity) => {
				// The agent's own annotation: what the customer was shown.
				if (!activity.mine) return;
				this.#recorder.record(
					`annotation.${activity.kind}`,
					activity.kind === 'stopped'
						? { name: activity.by, marks: activity.marks }
						: { name: activity.by }
				);
			})
		);
		let lastScreen = session.state.screen;
		let lastFailure = session.captureFailure;
		let lastPeers = 0;
		offs.push(
			source.onChange(() => {
				const state = session.state;
				const failure = session.captureFailure;
				if (state.screen !== lastScreen || failure !== lastFailure) {
					// A decline says why when the customer's computer refused (not their Cancel).
					const why = failure && failure !== 'cancelled' ? { reason: failure } : {};
					this.#recorder.record(`screen.${state.screen}`, state.screen === 'declined' ? why : {});
					lastScreen = state.screen;
					lastFailure = failure;
				}
				const peers = source.verifiedPeers.filter((p) => p.role === 'customer').length;
				if (peers !== lastPeers) {
					this.#recorder.record(peers > lastPeers ? 'customer.connected' : 'customer.disconnected');
					lastPeers = peers;
				}
			})
		);
		return () => offs.forEach((off) => off());
	}

	// The agent's own actions: the session does not report them back as events.

	chatSent(message: ChatMessage): void {
		this.#recorder.record(
			'chat',
			{ name: message.name, role: 'agent', text: message.text, sentAt: message.sentAt },
			message.id
		);
	}

	screenRequested(): void {
		this.#recorder.record('screen.requested');
	}

	agentScreenShared(): void {
		this.#recorder.record('agent-screen.shared');
	}

	agentScreenStopped(): void {
		this.#recorder.record('agent-screen.stopped');
	}

	endRequested(): void {
		this.#recorder.record('session.end-requested', { by: 'agent' });
	}
}
