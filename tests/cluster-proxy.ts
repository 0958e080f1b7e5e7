/**
 * The cluster test's load balancer: one public address in front of several Ponte nodes, TCP
 * forwarding (so websocket upgrades pass as they are), no sticky sessions. Each new connection
 * goes to the next node in turn that accepts it, so a dead node's clients land on a live one.
 * A test may steer a browser context to a node with the cookie `ponte-test-node=<index>`: the
 * proxy reads the first request's headers of each connection for it; a node that refuses is
 * skipped all the same.
 */
import net from 'node:net';

export const NODE_COOKIE = 'ponte-test-node';
const MAX_HEAD_BYTES = 32 * 1024;

export interface ClusterProxy {
	readonly port: number;
	/** Connections forwarded to each node so far. */
	readonly forwarded: number[];
	close(): Promise<void>;
}

function preferredNode(head: Buffer): number | null {
	const text = head.toString('latin1');
	const end = text.indexOf('\r\n\r\n');
	const cookies = (end < 0 ? text : text.slice(0, end))
		.split('\r\n')
		.filter((line) => /^cookie:/i.test(line))
		.join(';');
	const match = new RegExp(`(?:^|[;:\\s])${NODE_COOKIE}=(\\d+)`).exec(cookies);
	return match ? Number(match[1]) : null;
}

function connect(port: number): Promise<net.Socket | null> {
	return new Promise((resolve) => {
		const upstream = net.connect(port, '127.0.0.1');
		upstream.once('connect', () => {
			upstream.removeAllListeners('error');
			resolve(upstream);
		});
		upstream.once('error', () => resolve(null));
	});
}

export async function startClusterProxy(nodePorts: number[], port = 0): Promise<ClusterProxy> {
	let turn = 0;
	const forwarded = nodePorts.map(() => 0);
	const sockets = new Set<net.Socket>();
	const server = net.createServer((client) => {
		sockets.add(client);
		client.once('close', () => sockets.delete(client));
		client.on('error', () => client.destroy());
		let head = Buffer.alloc(0);
		const onData = (chunk: Buffer) => {
			head = Buffer.concat([head, chunk]);
			if (!head.includes('\r\n\r\n') && head.length < MAX_HEAD_BYTES) return;
			client.off('data', onData);
			client.pause();
			void route(client, head);
		};
		client.on('data', onData);
	});

	async function route(client: net.Socket, head: Buffer) {
		const preferred = preferredNode(head);
		const first = preferred !== null && preferred < nodePorts.length ? preferred : turn++;
		for (let i = 0; i < nodePorts.length; i++) {
			const index = (first + i) % nodePorts.length;
			const upstream = await connect(nodePorts[index]);
			if (!upstream) continue;
			if (client.destroyed) return upstream.destroy();
			forwarded[index]++;
			sockets.add(upstream);
			upstream.once('close', () => {
				sockets.delete(upstream);
				client.destroy();
			});
			client.once('close', () => upstream.destroy());
			upstream.on('error', () => upstream.destroy());
			upstream.write(head);
			client.pipe(upstream);
			upstream.pipe(client);
			client.resume();
			return;
		}
		// No node is up: the browser sees a dropped connection, as behind a real balancer.
		client.destroy();
	}

	await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
	return {
		port: (server.address() as net.AddressInfo).port,
		forwarded,
		async close() {
			for (const socket of sockets) socket.destroy();
			await new Promise((resolve) => server.close(resolve));
		}
	};
}
