// Mounts the same signaling server on Vite's dev server (`npm run dev`).
const SIGNALING_PREFIX = '/peerjs';

/** @returns {import('vite').Plugin} */
export function signalingDevPlugin() {
	return {
		name: 'ponte-signaling',
		apply: 'serve',
		configureServer(server) {
			server.httpServer?.on('upgrade', (req, socket, head) => {
				// Other paths are Vite's own (its HMR socket).
				if (!req.url?.startsWith(SIGNALING_PREFIX)) return;
				// Node took its error listener off the socket: a reset while the modules load must
				// not be an uncaught exception.
				socket.on('error', () => {});
				socket.pause();
				Promise.all([
					server.ssrLoadModule('/src/lib/server/runtime.ts'),
					server.ssrLoadModule('/src/lib/server/http-guards.ts')
				])
					.then(async ([runtimeModule, guards]) => {
						const runtime = await runtimeModule.getRuntime();
						guards.routeUpgrade(runtime.handleUpgrade, req, socket, head, true);
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
