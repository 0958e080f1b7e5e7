/**
 * One browser's side of a support session, as a LiveKit `Room` is: the owner of the parts and
 * the one object the view talks to. It holds the core `SupportSession` and wires the parts
 * together: `Signaling` (registration, reconnecting, the ticket refresh timer), the
 * `PeerDirectory` (handshakes, ticket checks, one channel per peer, calling lost peers back),
 * `MediaCalls` (every registered media kind) with the microphone (`VoiceMedia`) and the camera
 * (`CameraShare`) it sends, `FileChannels`, and the `SessionServer` port for every HTTP call.
 * Plain TypeScript (browser APIs, no runes): `session-view.svelte.ts` renders it.
 */
import { Emitter } from '$lib/session/emitter';
import type { FileTransfers } from '$lib/session/files';
import type { EndReason, Features, Role } from '$lib/session/protocol';
import { SupportSession } from '$lib/session/session';
import type { MessageChannel } from '$lib/session/transport';
import { classifyCaptureError, type CaptureFailure } from '$lib/session/capture-failure';
import { FileChannels } from './file-channels';
import { CAMERA_KIND, customerCamera, type CameraFacing } from './media/camera';
import { CameraShare, type CameraResult } from './media/camera-share';
import { mediaCapabilities, type MediaCapabilities } from './media/capture';
import { MediaCalls } from './media/media-calls';
import { MediaKinds } from './media/media-kind';
import {
	SCREEN_CAPTURE,
	SCREEN_KIND,
	ScreenModes,
	agentScreen,
	customerScreen
} from './media/screen';
import { VOICE_KIND, voice } from './media/voice';
import { VoiceMedia, type MicrophoneResult } from './media/voice-media';
import { followVoice, type MicrophoneFailure } from './media/voice-follow';
import { PeerDirectory } from './peer-directory';
import type { IncomingData, PeerMessageChannel } from './peer-link';
import type { SessionServer } from './session-server';
import { Signaling } from './signaling';
import { TicketChecker } from './ticket-check';

export type { ClientFailure } from './signaling';
export type { CameraFacing, CameraResult, MediaCapabilities, MicrophoneResult };

export interface SupportClientOptions {
	role: Role;
	name: string;
	sessionId: string;
	peerId: string;
	ticket: string;
	ticketKey: string;
	iceServers: RTCIceServer[];
	iceTransportPolicy?: RTCIceTransportPolicy;
	features: Features;
	/** Peers to contact at start: the agents (customer side) or the customer (agent side). */
	contacts: string[];
	/** How long a lost peer is waited for before the session ends as 'connection-lost'. */
	reconnectLimitMs?: number;
	/** How often the ticket is traded for a fresh one (and the session's liveness checked). */
	ticketRefreshMs?: number;
	/** The session's HTTP calls: ticket refresh, and telling the server the session ended here. */
	server: SessionServer;
}

export type ShareResult =
	{ ok: true } | { ok: false; error: 'declined' | 'unsupported' | string; reason?: CaptureFailure };

export class SupportClient {
	readonly options: SupportClientOptions;
	readonly session: SupportSession;
	readonly #events = new Emitter<{ change: [] }>();
	readonly #signaling: Signaling;
	readonly #peers: PeerDirectory;
	readonly #media: MediaCalls;
	readonly #files: FileChannels;
	readonly #voice: VoiceMedia;
	readonly #camera: CameraShare;
	/** How each agent asked for our screen (the screen kinds' encoding policy reads it). */
	readonly #screenModes = new ScreenModes();
	#microphoneFailure: MicrophoneFailure | null = null;
	#endingLocally = false;
	#endTask: Promise<void> = Promise.resolve();
	#ended = false;

	constructor(options: SupportClientOptions) {
		this.options = options;
		this.session = new SupportSession({
			role: options.role,
			name: options.name,
			features: options.features
		});
		const ticket = () => this.options.ticket;
		const features = () => this.options.features;
		const ended = () => this.session.state.status === 'ended';
		this.#signaling = new Signaling({
			refresh: () => this.refreshTicket(),
			refreshEveryMs: options.ticketRefreshMs ?? 10_000,
			ended
		});
		this.#peers = new PeerDirectory({
			selfId: options.peerId,
			role: options.role,
			ticket,
			features,
			tickets: new TicketChecker(options.sessionId, options.ticketKey),
			session: this.session,
			reconnectLimitMs: options.reconnectLimitMs
		});
		// A new media kind is one more entry here.
		const kinds = new MediaKinds([
			customerScreen(this.#screenModes),
			agentScreen(this.#screenModes),
			voice(),
			customerCamera()
		]);
		// Before the file channels: on a new peer, its media call is placed first and the file
		// channel waits for it.
		this.#media = new MediaCalls({
			role: options.role,
			kinds,
			peers: this.#peers,
			ticket,
			features,
			ended
		});
		const changed = () => this.#changed();
		this.#voice = new VoiceMedia({
			sender: this.#media.sender(VOICE_KIND),
			allowed: () => features().voice,
			ended,
			changed
		});
		this.#camera = new CameraShare({
			sender: this.#media.sender(CAMERA_KIND),
			ended,
			changed: () => {
				// The browser ended the camera (unplugged, revoked): the agents are told.
				if (!this.#camera.stream && this.session.camera.state.state !== 'off') {
					this.session.camera.stopped();
				}
				changed();
			}
		});
		// The microphone follows the session's voice call (the core decides who is in it).
		followVoice(this.session.voice, this, (reason) => {
			this.#microphoneFailure = reason;
			this.#changed();
		});
		// An agent asks the customer's camera to pause or switch: done here, then told back.
		this.session.camera.events.on('request', (action) => {
			if (action === 'pause') this.pauseCamera('agent');
			else void this.switchCamera();
		});
		this.#files = new FileChannels({
			selfId: options.peerId,
			peers: this.#peers,
			ticket,
			features,
			mediaCall: (peerId) => this.#media.callWith(peerId)
		});
		this.#signaling.events.on('change', changed);
		this.#peers.events.on('change', changed);
		this.#media.events.on('change', changed);
		this.#files.events.on('change', changed);
		this.#peers.events.on('give-up', () => void this.end('connection-lost'));
		this.session.on('change', () => this.#changed());
		this.session.on('screen-mode', (peerId, mode) => {
			this.#screenModes.set(peerId, mode);
			if (this.#peers.has(peerId)) this.#media.encodeFor(peerId);
		});
		this.session.on('ended', (reason) => {
			this.#endTask = this.#afterEnd(reason, this.#endingLocally);
		});
	}

	get counterpartRole(): Role {
		return this.#peers.counterpartRole;
	}
	/** The customer's screen (agent side), or the agent's screen (customer side). */
	get remoteStream() {
		return this.#media.remoteStream(SCREEN_KIND.customer);
	}
	get remoteAgentStream() {
		return this.#media.remoteStream(SCREEN_KIND.agent);
	}
	get localScreen() {
		return this.#screenSender?.stream ?? null;
	}
	/** Our microphone, while on (muted or not). */
	get microphone(): MediaStream | null {
		return this.#voice.stream;
	}
	get microphoneMuted(): boolean {
		return this.#voice.muted;
	}
	/** The voice each peer sends us, by peer ID (silent until it speaks to us). */
	get remoteVoices(): ReadonlyMap<string, MediaStream> {
		return this.#media.remoteStreams(VOICE_KIND);
	}
	/** Our camera, while shared (customer side). */
	get localCamera(): MediaStream | null {
		return this.#camera.stream;
	}
	/** Which way our camera faces, if it tells. */
	get cameraFacing(): CameraFacing | null {
		return this.#camera.facing;
	}
	get cameraPaused(): boolean {
		return this.#camera.paused;
	}
	get canSwitchCamera(): boolean {
		return this.#camera.canSwitch;
	}
	/** The customer's camera (agent side). */
	get remoteCameraStream(): MediaStream | null {
		return this.#media.remoteStream(CAMERA_KIND);
	}
	get signaling() {
		return this.#signaling.state;
	}
	/** Why signaling could not be reached, if it could not. */
	get failure() {
		return this.#signaling.failure;
	}
	get refusedPeers() {
		return this.#peers.refused;
	}
	get verifiedPeers(): { peerId: string; name: string; role: Role; userId: string | null }[] {
		return [...this.#peers.peers].map((p) => ({
			peerId: p.peerId,
			name: p.claims.name,
			role: p.claims.role,
			userId: p.claims.uid ?? null
		}));
	}
	get features(): Features {
		return this.options.features;
	}
	/** Since when the other side has been unreachable (null while connected). */
	get reconnectingSince(): number | null {
		return this.#peers.lostSince;
	}

	/** The sender of the screen our role shares. */
	get #screenSender() {
		return this.#media.sender(SCREEN_KIND[this.options.role]);
	}

	/** The file transfers with a peer, once its file channel is open. */
	filesWith(peerId: string): FileTransfers | null {
		return this.#files.with(peerId);
	}

	/** Told when a peer's file channel opens (transfers) or goes (null). */
	onFiles(handler: (peerId: string, transfers: FileTransfers | null) => void) {
		return this.#files.subscribe(handler);
	}

	/**
	 * The RTCPeerConnection under the control channel to a peer (the first verified peer when not
	 * named), else under our call to it: for connection stats and the safety code.
	 */
	peerConnectionFor(peerId?: string): RTCPeerConnection | null {
		const peer = peerId ? this.#peers.get(peerId) : this.#peers.peers.next().value;
		if (!peer) return null;
		// PeerLink's control channels are PeerMessageChannels; the core's type knows no connections.
		const channel = peer.channel as MessageChannel & Partial<PeerMessageChannel>;
		return channel.peerConnection ?? this.#media.outgoingTo(peer.peerId)?.peerConnection ?? null;
	}

	onChange(handler: () => void) {
		return this.#events.on('change', handler);
	}

	#changed() {
		this.#events.emit('change');
	}

	async start(): Promise<void> {
		const link = await this.#signaling.open({
			peerId: this.options.peerId,
			ticket: this.options.ticket,
			iceServers: this.options.iceServers,
			iceTransportPolicy: this.options.iceTransportPolicy
		});
		if (!link) return;
		this.#peers.useLink(link);
		this.#media.useLink(link);
		this.#files.useLink(link);
		link.onData((incoming) => void this.#onIncomingData(incoming));
		link.onCall((incoming) => void this.#media.accept(incoming));
		this.#changed();
		for (const contact of this.options.contacts) void this.connectTo(contact);
	}

	/** Opens a control channel to a peer and checks its ticket (retried until it answers). */
	connectTo(remote: string): Promise<void> {
		return this.#peers.connectTo(remote);
	}

	async #onIncomingData(incoming: IncomingData) {
		const ticket = (incoming.metadata as { ticket?: unknown } | null)?.ticket;
		const claims = await this.#peers.admit(ticket, incoming.peer);
		if (!claims || this.session.state.status === 'ended') incoming.reject();
		else if (incoming.label === 'files') await this.#files.accept(incoming);
		else if (incoming.label === 'control') await this.#peers.accept(incoming, claims);
		else incoming.reject();
	}

	/**
	 * Trades the ticket for a fresh one. The server answers 410 once the session has ended
	 * (ended elsewhere, the agent was disabled, …): then it ends here too.
	 */
	async refreshTicket(): Promise<void> {
		if (this.session.state.status === 'ended') return;
		const refresh = await this.options.server.refreshTicket(this.options.ticket);
		// Server unreachable: the peer-to-peer session goes on; try again later.
		if (refresh.kind === 'unavailable') return;
		if (refresh.kind === 'ended') {
			this.session.end(refresh.reason ?? this.counterpartRole);
			await this.#endTask;
			return;
		}
		this.options.ticket = refresh.ticket;
		this.#signaling.useTicket(refresh.ticket);
		if (refresh.features) this.#applyFeatures(refresh.features);
		// Peers the server no longer lists (an agent who left or was disabled) are dropped.
		if (refresh.present) this.#peers.keepOnlyPresent(refresh.present, this.#media.callers);
	}

	/** Settings changed by an administrator reach a live session: what became denied stops. */
	#applyFeatures(features: Features) {
		const before = this.options.features;
		this.options.features = features;
		if (before.fileTransfer !== features.fileTransfer) this.#files.allow(features.fileTransfer);
		const screen = this.#screenSender;
		if (screen?.stream && screen.kind.allowed(before) && !screen.kind.allowed(features)) {
			void this.stopSharing();
		}
		if (this.#voice.stream && !features.voice) void this.#voice.stop();
		// After the stops above: a kind no longer allowed hangs up its calls, both ways.
		this.#media.featuresChanged();
		this.#changed();
	}

	/**
	 * Asks the browser for the screen (needs the user's click) and sends it to every counterpart,
	 * reusing existing calls so a restart swaps the track without renegotiating.
	 */
	async shareScreen(captured?: MediaStream): Promise<ShareResult> {
		if (this.session.state.status === 'ended') return { ok: false, error: 'ended' };
		if (!captured && !navigator.mediaDevices?.getDisplayMedia) {
			const reason = window.isSecureContext ? 'unsupported' : 'insecure';
			if (this.options.role === 'customer') this.session.shareDeclined(reason);
			this.#changed();
			return { ok: false, error: 'unsupported', reason };
		}
		let stream: MediaStream;
		try {
			// An unattended device shares the capture it was given when it went available.
			stream = captured ?? (await navigator.mediaDevices.getDisplayMedia(SCREEN_CAPTURE));
		} catch (error) {
			// The customer's Cancel, or the computer refusing: the agent is told which.
			const reason = classifyCaptureError(error, { secureContext: window.isSecureContext });
			if (this.options.role === 'customer') this.session.shareDeclined(reason);
			this.#changed();
			return { ok: false, error: 'declined', reason };
		}
		const sender = this.#screenSender;
		const track = stream.getVideoTracks()[0];
		if (track) {
			track.contentHint = 'detail';
			// The browser's own "Stop sharing" bar ends the track; our button stops it ourselves.
			track.addEventListener('ended', () => {
				if (sender?.stream === stream) void this.stopSharing();
			});
		}
		const result =
			this.options.role === 'customer'
				? this.session.shareStarted()
				: this.session.agentShareStarted();
		if (!result.ok) {
			stream.getTracks().forEach((t) => t.stop());
			return result;
		}
		sender?.start(stream);
		this.#changed();
		return { ok: true };
	}

	async stopSharing(): Promise<void> {
		const sender = this.#screenSender;
		if (!sender?.stream) return;
		await sender.stop();
		if (this.options.role === 'customer') this.session.shareStopped();
		else this.session.agentShareStopped();
		sender.hangUpIfIdle();
		this.#changed();
	}

	/** What this browser can capture, for the UI to offer (no screen on phones and Safari iOS). */
	capabilities(): MediaCapabilities {
		return mediaCapabilities();
	}

	/**
	 * Captures the microphone (needs the user's click the first time) and sends it to the
	 * recipients (`setVoiceRecipients`), swapped into the voice calls placed ahead.
	 */
	startMicrophone(): Promise<MicrophoneResult> {
		this.#microphoneFailure = null;
		return this.#voice.start();
	}

	/** Why the microphone could not be had when we joined the voice call (we left it again). */
	get microphoneFailure(): MicrophoneFailure | null {
		return this.#microphoneFailure;
	}

	stopMicrophone(): Promise<void> {
		return this.#voice.stop();
	}

	/** Muted, the microphone stays captured and the calls carry silence. */
	setMicrophoneMuted(muted: boolean) {
		this.#voice.setMuted(muted);
	}

	/** The peers in the voice call with us (the core decides): only they hear us. Null: all. */
	setVoiceRecipients(peerIds: ReadonlySet<string> | null) {
		this.#voice.setRecipients(peerIds);
	}

	/** Captures the camera facing `facing` (the back one unless told) and sends it to the agents. */
	async shareCamera(facing?: CameraFacing): Promise<CameraResult> {
		const result = await this.#camera.share(facing);
		if (result.ok) {
			this.session.camera.started(this.#camera.facing ?? 'unknown', this.#camera.canSwitch);
		}
		return result;
	}

	/** Switches to the other camera (front/back, or the next one), without renegotiating. */
	async switchCamera(): Promise<CameraResult> {
		const result = await this.#camera.switch();
		if (result.ok) this.session.camera.switched(this.#camera.facing ?? 'unknown');
		return result;
	}

	/** The agents' picture goes black; the camera and the call stay. Only the customer resumes. */
	pauseCamera(by: Role = 'customer') {
		if (!this.#camera.stream || this.#camera.paused) return;
		this.#camera.pause();
		this.session.camera.paused(by);
	}

	resumeCamera() {
		this.#camera.resume();
		this.session.camera.resumed();
	}

	async stopCamera(): Promise<void> {
		await this.#camera.stop();
		this.session.camera.stopped();
	}

	async end(reason: EndReason): Promise<void> {
		if (this.session.state.status === 'ended') return;
		this.#endingLocally = true;
		this.session.end(reason);
		await this.#endTask;
	}

	async #afterEnd(reason: EndReason, local: boolean) {
		if (this.#ended) return;
		this.#ended = true;
		this.#voice.close();
		this.#camera.close();
		this.#media.close();
		this.#peers.close();
		this.#files.close();
		this.#signaling.stop();
		this.#changed();
		try {
			if (local) await this.options.server.end(reason);
		} finally {
			// Give the 'end' message a moment on the wire before the connections go.
			setTimeout(() => this.#signaling.destroy(), local ? 300 : 0);
		}
	}

	/**
	 * This agent leaves a session that goes on (others remain, or it was handed over): the
	 * peers are told ('end' from one agent of several only removes that agent), nothing more.
	 */
	async leave(): Promise<void> {
		if (this.session.state.status === 'ended') return;
		this.#endingLocally = false;
		this.session.end('agent');
		await this.#endTask;
	}

	/** Closes everything without ending the session (page unload). */
	dispose() {
		this.#signaling.stop();
		this.#peers.dispose();
		this.#signaling.destroy();
	}
}
