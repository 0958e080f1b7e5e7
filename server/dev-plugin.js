// Mounts the same signaling server on Vite's dev server (`npm run dev`).
const SIGNALING_PREFIX = '/peerjs';

/** @returns {import('vite').Plugin} */
export function signalingDevPlugin() {
	return {
		name: 'ponte-signaling',
		apply: 'serve',
		configureServer(server) {
			server.httpServer?.on('upgrade', (req, socket, head) => {
				if (!req.url?.startsWith(SIGNALING_PREFIX)) return;
				socket.pause();
				server
					.ssrLoadModule('/src/lib/server/runtime.ts')
					.then((module) => module.getRuntime())
					.then((runtime) => {
						if (!runtime.handleUpgrade(req, socket, head)) socket.destroy();
						socket.resume();
					})
					.catch((error) => {
						console.error('signaling unavailable', error);
						socket.destroy();
					});
			});
		}
	};
}
