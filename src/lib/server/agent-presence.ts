import { log } from './log';
import type { Runtime } from './runtime';
import { endSupportSession } from './support-sessions';

/**
 * Notices active sessions whose agent vanished: no agent peer of the session registered with
 * signaling for `timeoutMs` (the tab closed, the laptop died). Such a session is closed as
 * 'connection-lost', so it does not stay "active" in the console and reports forever. A server
 * restart starts every clock again, leaving agents the whole timeout to re-register.
 */
export class AgentPresenceWatch {
	readonly #timeoutMs: number;
	readonly #lastSeen = new Map<string, number>();

	constructor(timeoutMs: number) {
		this.#timeoutMs = timeoutMs;
	}

	/** Closes the sessions whose agent has been gone too long; returns their IDs. */
	async sweep(
		runtime: Runtime,
		now = Date.now(),
		agentConnected: (sessionId: string) => boolean | Promise<boolean> = async (sessionId) =>
			(await runtime.signaling?.connectedPeers(sessionId))?.some((peer) => peer.role === 'agent') ??
			false
	): Promise<string[]> {
		const active = await runtime.db
			.selectFrom('support_sessions')
			.select('id')
			.where('status', '=', 'active')
			.execute();
		const activeIds = new Set(active.map((row) => row.id));
		for (const id of this.#lastSeen.keys()) if (!activeIds.has(id)) this.#lastSeen.delete(id);

		const closed: string[] = [];
		for (const id of activeIds) {
			const lastSeen = this.#lastSeen.get(id);
			if ((await agentConnected(id)) || lastSeen === undefined) {
				this.#lastSeen.set(id, now);
			} else if (now - lastSeen >= this.#timeoutMs) {
				this.#lastSeen.delete(id);
				if (await endSupportSession(runtime, id, { reason: 'connection-lost', by: null })) {
					log.info('session closed: its agent is gone', { session: id });
					closed.push(id);
				}
			}
		}
		return closed;
	}
}
