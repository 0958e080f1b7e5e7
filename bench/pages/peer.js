// A bare PeerJS page: the baseline Ponte is compared against. Same signaling server and ticket
// check, same capture constraints as the app, none of Ponte's pages, handshakes or channels.
const { Peer } = window.peerjs;
const mark = (name) => window.__ponteBench?.mark(name);
const remote = /** @type {HTMLVideoElement} */ (document.getElementById('remote'));

let peer = null;
let screen = null;
/** The kind the calls name (signaling relays a media call by its kind): the screen or the camera. */
let kind = 'screen';
/** Functions from src/lib/peer/screen-quality.ts, when the bench loads them. */
let screenQuality = null;

window.bare = {
	/** Registers on Ponte's signaling server (`server`: its http URL) with a signed ticket. */
	async open({ id, ticket, server }) {
		mark('bare-open');
		const url = new URL(server);
		peer = new Peer(id, {
			host: url.hostname,
			port: Number(url.port),
			path: '/peerjs',
			secure: url.protocol === 'https:',
			key: 'ponte',
			token: ticket,
			debug: 0,
			config: { iceServers: [] }
		});
		await new Promise((resolve, reject) => {
			peer.once('open', resolve);
			peer.once('error', reject);
		});
	},

	async loadScreenQuality() {
		screenQuality = await import('/__bench/screen-quality.js');
	},

	/** The app's own constraints (src/lib/peer/support-client.ts shareScreen). */
	async share() {
		screen = await navigator.mediaDevices.getDisplayMedia({
			video: { width: { ideal: 1920 }, height: { ideal: 1080 }, frameRate: { ideal: 30 } },
			audio: false
		});
		screen.getVideoTracks()[0].contentHint = 'detail';
	},

	/** The app's camera constraints (src/lib/peer/media/camera.ts), sent in place of the screen. */
	async shareCamera() {
		screen = await navigator.mediaDevices.getUserMedia({
			video: {
				facingMode: { ideal: 'environment' },
				width: { ideal: 1280, max: 1280 },
				height: { ideal: 720, max: 720 },
				frameRate: { ideal: 30 }
			},
			audio: false
		});
		screen.getVideoTracks()[0].contentHint = 'motion';
		kind = 'camera';
	},

	/** Customer side: call the agent with the screen; `mode` applies screen-quality.ts. */
	/**
	 * Customer side: call the agent with the screen; `mode` applies screen-quality.ts, and
	 * `maxBitrate` (bit/s) then caps the encoder to stand in for a thin network path.
	 */
	async call(remoteId, mode = null, maxBitrate = null) {
		mark('bare-call');
		const call = peer.call(remoteId, screen, { metadata: { kind } });
		const sender = call.peerConnection.getSenders().find((s) => s.track?.kind === 'video');
		const applied =
			mode && screenQuality ? await screenQuality.applyScreenMode(sender, mode) : null;
		if (maxBitrate) {
			const parameters = sender.getParameters();
			parameters.encodings[0].maxBitrate = maxBitrate;
			await sender.setParameters(parameters);
		}
		return applied;
	},

	/**
	 * Agent side: answer every call and show it; with screen-quality, prefer its codecs (in its
	 * default order, or `order`).
	 */
	answer({ preferCodecs = false, order = undefined } = {}) {
		peer.on('call', (call) => {
			call.answer();
			if (preferCodecs && screenQuality) {
				call.peerConnection.addEventListener('track', (event) => {
					window.__ponteBench?.mark('codec-preferred');
					screenQuality.preferScreenCodecs(event.transceiver, order);
				});
			}
			call.on('stream', (stream) => {
				remote.srcObject = stream;
			});
		});
	}
};

/**
 * A media call made before there is anything to share, with a track that sends no frames (a
 * canvas stream that is never painted); sharing then swaps the screen in with replaceTrack.
 * Measures what a pre-connected media call would save on "Share screen" → first frame.
 */
let placeholderCall = null;
window.bare.callWithPlaceholder = (remoteId) => {
	const canvas = document.createElement('canvas');
	canvas.width = 16;
	canvas.height = 16;
	placeholderCall = peer.call(remoteId, canvas.captureStream(0), { metadata: { kind: 'screen' } });
	return new Promise((resolve) => {
		const pc = placeholderCall.peerConnection;
		const check = () => pc.connectionState === 'connected' && resolve();
		pc.addEventListener('connectionstatechange', check);
		check();
	});
};
window.bare.shareIntoCall = async () => {
	mark('bare-share');
	await window.bare.share();
	const sender = placeholderCall.peerConnection.getSenders().find((s) => s.track?.kind === 'video');
	await sender.replaceTrack(screen.getVideoTracks()[0]);
	mark('bare-swapped');
};
