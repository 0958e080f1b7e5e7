// Playwright init script for every page the bench drives (Ponte's own pages and the bench
// pages): it observes from outside, so the app needs no benchmark hooks. It reports marks on
// a shared clock (performance.timeOrigin + performance.now(), the same in every page of one
// browser) through the `__ponteBenchMark` binding, and can
//  - clamp getDisplayMedia to the size under test (`capture`),
//  - click "Share screen" the moment it is enabled (`autoShare`),
//  - mark when texts appear (`watchText`),
//  - follow every presented frame of a <video> (`reader`) and read the frame counter that
//    bench/pages/screen.html draws as black/white blocks.
// `window.__ponteBenchConfig` is set by the bench just before this script.
(() => {
	const config = window.__ponteBenchConfig ?? {};
	const now = () => performance.timeOrigin + performance.now();
	const bench = {
		marks: [],
		peerConnections: [],
		frames: [],
		decoding: false,
		now
	};
	Object.defineProperty(window, '__ponteBench', { value: bench });

	function mark(name, at = now(), detail = null) {
		bench.marks.push({ name, at, detail });
		window.__ponteBenchMark?.(name, at, detail).catch(() => {});
	}
	bench.mark = mark;

	// Signaling: PeerJS's websocket, its opening and the server's OPEN (registration done).
	const NativeWebSocket = window.WebSocket;
	window.WebSocket = class extends NativeWebSocket {
		constructor(url, protocols) {
			super(url, protocols);
			if (!String(url).includes('/peerjs')) return;
			mark('signaling-connect');
			this.addEventListener('open', () => mark('signaling-socket-open'), { once: true });
			const onMessage = (event) => {
				if (typeof event.data === 'string' && event.data.includes('"OPEN"')) {
					mark('signaling-open');
					this.removeEventListener('message', onMessage);
				}
			};
			this.addEventListener('message', onMessage);
		}
	};

	// Peer connections: kept for getStats, with their state changes marked.
	const NativePeerConnection = window.RTCPeerConnection;
	if (NativePeerConnection) {
		window.RTCPeerConnection = class extends NativePeerConnection {
			constructor(...args) {
				super(...args);
				const index = bench.peerConnections.push(this) - 1;
				mark('pc-created', now(), { index });
				this.addEventListener('connectionstatechange', () =>
					mark(`pc-${this.connectionState}`, now(), { index })
				);
				this.addEventListener('track', () => mark('pc-track', now(), { index }));
			}
		};
	}

	// Screen capture: marked, and clamped to the size under test.
	const devices = navigator.mediaDevices;
	if (devices?.getDisplayMedia) {
		const getDisplayMedia = devices.getDisplayMedia.bind(devices);
		devices.getDisplayMedia = async (constraints = {}) => {
			mark('share-start');
			let asked = constraints;
			if (config.capture) {
				const video = typeof constraints.video === 'object' ? constraints.video : {};
				asked = {
					...constraints,
					video: {
						...video,
						width: { ideal: config.capture.width, max: config.capture.width },
						height: { ideal: config.capture.height, max: config.capture.height }
					}
				};
			}
			const stream = await getDisplayMedia(asked);
			mark('share-granted', now(), stream.getVideoTracks()[0]?.getSettings() ?? null);
			return stream;
		};
	}

	// Camera and microphone without devices or flags (the bench's Chromium has none: a fake
	// device would also replace the tab it captures): a painted canvas at the app's camera size
	// and an oscillator, the same for Ponte's pages and the bare ones.
	if (config.fakeMedia && devices) {
		const getUserMedia = devices.getUserMedia?.bind(devices);
		devices.getUserMedia = async (constraints = {}) => {
			const tracks = [];
			if (constraints.video) {
				const canvas = document.createElement('canvas');
				canvas.width = 1280;
				canvas.height = 720;
				const context2d = canvas.getContext('2d');
				let frame = 0;
				const paint = () => {
					frame++;
					context2d.fillStyle = `hsl(${(frame * 3) % 360} 60% 50%)`;
					context2d.fillRect(0, 0, canvas.width, canvas.height);
					context2d.fillStyle = '#fff';
					context2d.fillRect((frame * 8) % canvas.width, 300, 120, 120);
				};
				paint();
				setInterval(paint, 1000 / 30);
				tracks.push(...canvas.captureStream(30).getVideoTracks());
			}
			if (constraints.audio) {
				const audio = new AudioContext();
				const oscillator = audio.createOscillator();
				oscillator.frequency.value = 440;
				const destination = audio.createMediaStreamDestination();
				oscillator.connect(destination);
				oscillator.start();
				tracks.push(...destination.stream.getAudioTracks());
			}
			mark('user-media');
			return tracks.length ? new MediaStream(tracks) : getUserMedia(constraints);
		};
	}

	// DOM watching: the Share screen button and texts that mark progress.
	const watched = Object.entries(config.watchText ?? {});
	let shareClicked = false;
	function checkDom() {
		if (config.autoShare && !shareClicked) {
			const label = config.autoShareLabel ?? 'Share screen';
			const button = [...document.querySelectorAll('button')].find(
				(b) => b.textContent.trim() === label && !b.disabled
			);
			if (button) {
				shareClicked = true;
				mark('share-click');
				button.click();
			}
		}
		for (let i = watched.length - 1; i >= 0; i--) {
			const [text, name] = watched[i];
			const statuses = document.querySelectorAll('[role="status"]');
			if ([...statuses].some((s) => s.textContent.includes(text))) {
				mark(name);
				watched.splice(i, 1);
			}
		}
		if (config.reader) {
			for (const video of document.querySelectorAll(config.reader.selector)) follow(video);
		}
	}
	if (config.autoShare || watched.length || config.reader) {
		new MutationObserver(checkDom).observe(document, {
			subtree: true,
			childList: true,
			attributes: true,
			characterData: true
		});
	}

	// Frame reader: every presented frame of the video, and the counter drawn in it.
	const followed = new WeakSet();
	let canvas = null;
	let context = null;
	function readCounter(video) {
		const { x, y, block, bits } = config.reader.barcode;
		// The captured tab's width in CSS pixels: the counter is drawn at fixed CSS positions.
		const sourceWidth = bench.sourceWidth ?? video.videoWidth;
		const scale = video.videoWidth / sourceWidth;
		const width = Math.ceil((x + bits * block) * scale);
		const height = Math.ceil((y + block) * scale);
		if (!canvas || canvas.width !== width || canvas.height !== height) {
			canvas = new OffscreenCanvas(width, height);
			context = canvas.getContext('2d', { willReadFrequently: true });
		}
		context.drawImage(video, 0, 0, width, height, 0, 0, width, height);
		const { data } = context.getImageData(0, 0, width, height);
		const bit = (i) => {
			const cx = Math.round((x + i * block + block / 2) * scale);
			const cy = Math.round((y + block / 2) * scale);
			let sum = 0;
			for (let dy = -1; dy <= 1; dy++) {
				for (let dx = -1; dx <= 1; dx++) {
					const p = ((cy + dy) * width + cx + dx) * 4;
					sum += 0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2];
				}
			}
			return sum / 9 < 128 ? 1 : 0;
		};
		// Half the blocks carry the counter, the other half its complement: a frame caught
		// between two counters (or smeared by the encoder) fails the check and is skipped.
		const half = bits / 2;
		let value = 0;
		let complement = 0;
		for (let i = 0; i < half; i++) {
			value = value * 2 + bit(i);
			complement = complement * 2 + bit(half + i);
		}
		return (value ^ complement) === 2 ** half - 1 ? value : -1;
	}
	function follow(video) {
		if (followed.has(video)) return;
		followed.add(video);
		let first = true;
		const onFrame = (_now, meta) => {
			const presented = performance.timeOrigin + meta.presentationTime;
			if (first) {
				first = false;
				mark('first-frame', presented, { width: meta.width, height: meta.height });
			}
			if (bench.decoding) {
				bench.frames.push({
					counter: readCounter(video),
					presented,
					expectedDisplay: performance.timeOrigin + meta.expectedDisplayTime,
					received: meta.receiveTime ? performance.timeOrigin + meta.receiveTime : null,
					width: meta.width,
					height: meta.height
				});
			}
			video.requestVideoFrameCallback(onFrame);
		};
		video.requestVideoFrameCallback(onFrame);
	}

	/** Luma of the video's current frame, base64 (for the quality figure). */
	bench.grabFrame = async (selector) => {
		const video = document.querySelector(selector);
		const frame = new OffscreenCanvas(video.videoWidth, video.videoHeight);
		const frameContext = frame.getContext('2d', { willReadFrequently: true });
		frameContext.drawImage(video, 0, 0);
		return lumaBase64(frameContext.getImageData(0, 0, frame.width, frame.height));
	};
	/** Luma of a PNG (base64) drawn at the given size. */
	bench.decodePng = async (pngBase64, width, height) => {
		const bytes = Uint8Array.from(atob(pngBase64), (c) => c.charCodeAt(0));
		const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
		const image = new OffscreenCanvas(width, height);
		const imageContext = image.getContext('2d', { willReadFrequently: true });
		imageContext.drawImage(bitmap, 0, 0, width, height);
		return lumaBase64(imageContext.getImageData(0, 0, width, height));
	};
	function lumaBase64({ data, width, height }) {
		const luma = new Uint8Array(width * height);
		for (let i = 0, j = 0; j < luma.length; i += 4, j++) {
			luma[j] = Math.round(0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2]);
		}
		let binary = '';
		for (let i = 0; i < luma.length; i += 0x8000) {
			binary += String.fromCharCode(...luma.subarray(i, i + 0x8000));
		}
		return { width, height, luma: btoa(binary) };
	}

	/** Inbound and outbound video RTP stats of every peer connection of this page. */
	bench.videoStats = async () => {
		const found = [];
		for (const pc of bench.peerConnections) {
			if (pc.connectionState === 'closed') continue;
			const stats = await pc.getStats();
			stats.forEach((report) => {
				if (
					(report.type !== 'inbound-rtp' && report.type !== 'outbound-rtp') ||
					report.kind !== 'video'
				) {
					return;
				}
				const codec = report.codecId ? stats.get(report.codecId) : null;
				found.push({
					type: report.type,
					codec: codec ? `${codec.mimeType} ${codec.sdpFmtpLine ?? ''}`.trim() : null,
					frameWidth: report.frameWidth,
					frameHeight: report.frameHeight,
					framesPerSecond: report.framesPerSecond,
					framesDecoded: report.framesDecoded,
					framesEncoded: report.framesEncoded,
					bytes: report.bytesReceived ?? report.bytesSent,
					timestamp: report.timestamp,
					qualityLimitationReason: report.qualityLimitationReason,
					encoderImplementation: report.encoderImplementation,
					decoderImplementation: report.decoderImplementation,
					totalDecodeTime: report.totalDecodeTime,
					jitterBufferDelay: report.jitterBufferDelay,
					jitterBufferEmittedCount: report.jitterBufferEmittedCount
				});
			});
		}
		return found;
	};
})();
