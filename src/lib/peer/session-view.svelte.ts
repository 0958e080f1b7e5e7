import { getContext, setContext } from 'svelte';
import { SvelteMap } from 'svelte/reactivity';
import { FileTransfersState } from '$lib/components/transfers';
import type { ChatMessage } from '$lib/session/chat';
import { Emitter } from '$lib/session/emitter';
import type { EndReason, Features, ScreenMode } from '$lib/session/protocol';
import type { SessionState } from '$lib/session/machine';
import type { CaptureFailure } from '$lib/session/capture-failure';
import type { AnnotationActivity, AnnotationState, FrozenFrame } from '$lib/session/annotation';
import type { Mark } from '$lib/session/marks';
import {
	customerSessionServer,
	type AgentSessionServer,
	type SessionServer,
	type SnapshotMeta,
	type SnapshotUploadResult
} from './session-server';
import { SupportClient, type ClientFailure, type SupportClientOptions } from './support-client';
import { CameraView } from './views/camera-view.svelte';
import { VoiceView } from './views/voice-view.svelte';

/**
 * The reactive view of one support session for the pages: `$state` mirrors of the client,
 * refreshed on every change. Created per page (never a module global: server rendering would
 * share it between users) and shared with components through context.
 */
export class SessionView {
	readonly client: SupportClient;
	/** The voice call: its state, our microphone, the voices we hear. */
	readonly voice: VoiceView;
	/** The customer's camera share. */
	readonly camera: CameraView;
	state = $state.raw<SessionState>({
		status: 'waiting',
		screen: 'not-shared',
		agentScreen: 'off',
		lastRequestAt: null,
		endedBy: null
	});
	/** While the screen is 'declined': the customer's Cancel or why their computer refused. */
	captureFailure = $state<CaptureFailure | null>(null);
	messages = $state.raw<readonly ChatMessage[]>([]);
	peers = $state.raw<{ peerId: string; name: string; role: string; userId: string | null }[]>([]);
	remoteStream = $state.raw<MediaStream | null>(null);
	remoteAgentStream = $state.raw<MediaStream | null>(null);
	localScreen = $state.raw<MediaStream | null>(null);
	signaling = $state<string>('connecting');
	/** Why signaling could not be reached; pages word it in their own language. */
	failure = $state.raw<ClientFailure | null>(null);
	refusedPeers = $state(0);
	/** The session's allowed features, as the latest ticket says. */
	features = $state.raw<Features | null>(null);
	/** Seconds since the other side became unreachable, while reconnecting (else null). */
	reconnectingFor = $state<number | null>(null);
	/** Customer side: the name of the agent asking to see the screen again, until answered. */
	screenRequestFrom = $state<string | null>(null);
	/** Agent side: the customer's last answer to a screen request. */
	lastRequestAnswer = $state<'accepted' | 'declined' | null>(null);
	unread = $state(0);
	/** Agent side: how this agent wants the customer's screen encoded. */
	screenMode = $state<ScreenMode>('sharp');
	/** The "look here" annotation both sides see (the agent drawing it, the customer shown it). */
	annotation: AnnotationState;
	/** The annotation's last start or stop, for the pages to announce. */
	annotationActivity = $state.raw<AnnotationActivity | null>(null);
	/** Someone records the session now: the owner agent's recorder runs (ours, or it said so). */
	recording = $state(false);
	/** File transfers per peer, for the transfer components. */
	readonly files = new SvelteMap<string, FileTransfersState>();
	/** The other side's name for each entry of `files`. */
	readonly fileNames = new SvelteMap<string, string>();
	// Listeners, not state: nothing renders from them.
	#events = new Emitter<{ chat: [message: ChatMessage] }>();
	readonly #server: SessionServer & Partial<AgentSessionServer>;

	constructor(options: SupportClientOptions) {
		this.client = new SupportClient(options);
		this.#server = options.server;
		this.voice = new VoiceView(this.client);
		this.camera = new CameraView(this.client);
		this.annotation = $state.raw(this.client.session.annotation.state);
		this.client.onChange(() => this.#sync());
		const session = this.client.session;
		session.on('chat', (message) => {
			this.unread++;
			this.#events.emit('chat', message);
		});
		session.on('screen-request', (fromName) => (this.screenRequestFrom = fromName));
		session.on('request-answer', (accepted) => {
			this.lastRequestAnswer = accepted ? 'accepted' : 'declined';
		});
		session.annotation.events.on('activity', (activity) => (this.annotationActivity = activity));
		this.client.onFiles((peerId, transfers) => {
			// A channel that closes keeps its list (failed transfers stay visible with their
			// reason) until a new channel with that peer replaces it.
			if (!transfers) return;
			this.files.get(peerId)?.destroy();
			this.files.set(peerId, new FileTransfersState(transfers));
			this.fileNames.set(peerId, transfers.peerName);
		});
		this.#sync();
	}

	#sync() {
		const client = this.client;
		this.state = { ...client.session.state };
		this.captureFailure = client.session.captureFailure;
		this.messages = [...client.session.chat.messages];
		this.peers = client.verifiedPeers;
		this.remoteStream = client.remoteStream;
		this.remoteAgentStream = client.remoteAgentStream;
		this.localScreen = client.localScreen;
		this.signaling = client.signaling;
		this.failure = client.failure;
		this.refusedPeers = client.refusedPeers;
		this.features = client.features;
		this.screenMode = client.session.screenMode;
		this.annotation = client.session.annotation.state;
		this.recording = client.session.recording.recording;
		const since = client.reconnectingSince;
		this.reconnectingFor = since === null ? null : Math.floor((Date.now() - since) / 1000);
	}

	onChat(handler: (m: ChatMessage) => void) {
		return this.#events.on('chat', handler);
	}

	start() {
		return this.client.start();
	}

	sendChat(text: string) {
		return this.client.session.sendChat(text);
	}

	shareScreen(captured?: MediaStream) {
		return this.client.shareScreen(captured);
	}

	stopSharing() {
		return this.client.stopSharing();
	}

	answerScreenRequest(accepted: boolean) {
		this.screenRequestFrom = null;
		const result = this.client.session.answerScreenRequest(accepted);
		return result;
	}

	/** "Sharp text" or "Smooth motion": the customer re-encodes for us, without renegotiating. */
	setScreenMode(mode: ScreenMode) {
		return this.client.session.setScreenMode(mode);
	}

	requestScreen() {
		this.lastRequestAnswer = null;
		return this.client.session.requestScreen();
	}

	end(reason: EndReason) {
		return this.client.end(reason);
	}

	// The agent's annotation (the customer's side only receives it).

	beginAnnotation(frame: FrozenFrame) {
		return this.client.session.annotation.begin(frame);
	}

	/** A new mark, or a growing one sent again under its id. */
	drawMark(mark: Mark) {
		return this.client.session.annotation.draw(mark);
	}

	undoMark() {
		return this.client.session.annotation.undo();
	}

	clearMarks() {
		return this.client.session.annotation.clear();
	}

	stopAnnotating() {
		return this.client.session.annotation.stop();
	}

	get nextMarkerNumber(): number {
		return this.client.session.annotation.nextMarkerNumber;
	}

	/** Customer side: "This session is recorded" is on the screen; the agents may record. */
	recordingNoticeShown() {
		this.client.session.recording.noticeShown();
	}

	/** Saves a picture into the session's report, where this side's server port can. */
	async saveSnapshot(png: Blob, meta: SnapshotMeta): Promise<SnapshotUploadResult> {
		if (!this.#server.uploadSnapshot) return { ok: false, error: 'unavailable' };
		try {
			return await this.#server.uploadSnapshot(png, meta);
		} catch {
			return { ok: false, error: 'unavailable' };
		}
	}

	/** The transfers with the first connected peer of a role (the customer, or the first agent). */
	filesWithFirst(role: 'customer' | 'agent'): FileTransfersState | null {
		const peer = this.peers.find((p) => p.role === role && this.files.has(p.peerId));
		if (peer) return this.files.get(peer.peerId) ?? null;
		// Nobody of that role connected now: the last list, so its outcome stays visible.
		return [...this.files.values()].pop() ?? null;
	}

	dispose() {
		for (const state of this.files.values()) state.destroy();
		this.client.dispose();
	}
}

const KEY = Symbol('ponte.session-view');

export function setSessionView(view: SessionView) {
	return setContext(KEY, view);
}

export function getSessionView(): SessionView {
	return getContext<SessionView>(KEY);
}

/** What the server handed a participant to join with: the page's load data, or a device's. */
export type SessionJoin = Pick<
	SupportClientOptions,
	'sessionId' | 'peerId' | 'ticket' | 'ticketKey' | 'features' | 'iceServers' | 'iceTransportPolicy'
>;

/** Who joins: an agent brings its own server port (its page calls it too); a customer's is fixed. */
export type SessionParticipant =
	| { role: 'agent'; name: string; contacts: string[]; server: AgentSessionServer }
	| { role: 'customer'; name: string; contacts: string[]; server?: SessionServer };

/**
 * The one way a page builds its session view (the agent's viewer, the customer's session, an
 * unattended device's), shared with its components through context.
 */
export function createSessionView(join: SessionJoin, participant: SessionParticipant): SessionView {
	return setSessionView(
		new SessionView({
			role: participant.role,
			name: participant.name,
			sessionId: join.sessionId,
			peerId: join.peerId,
			ticket: join.ticket,
			ticketKey: join.ticketKey,
			iceServers: join.iceServers,
			iceTransportPolicy: join.iceTransportPolicy,
			features: join.features,
			contacts: participant.contacts,
			server: participant.server ?? customerSessionServer()
		})
	);
}
