// signaling capacity: how many peers one server process holds, with heartbeats, at a join
// rate, and its memory per peer; real joins through the join form must keep working under
// that load. The load comes from bench/signaling-load.js in its own process.
import path from 'node:path';
import { spawnWithFileLimit } from '../lib/server.js';
import { median } from '../lib/stats.js';

export const PEERS_GOAL = 10_000;
export const RSS_GOAL_BYTES = 1e9;

function runLoadClient(ctx) {
	const { peers, rate, hold } = ctx.options;
	const args = [
		path.join(ctx.root, 'bench/signaling-load.js'),
		`--url=${ctx.server.url}`,
		`--data-dir=${ctx.server.dataDir}`,
		`--server-pid=${ctx.server.pid}`,
		`--peers=${peers}`,
		`--rate=${rate}`,
		`--hold=${hold}`,
		'--joins=10'
	];
	return new Promise((resolve, reject) => {
		const child = spawnWithFileLimit(args, { cwd: ctx.root, stdio: ['ignore', 'pipe', 'inherit'] });
		let output = '';
		child.stdout.setEncoding('utf8');
		child.stdout.on('data', (text) => (output += text));
		child.on('error', reject);
		child.on('exit', (code) => {
			if (code !== 0) return reject(new Error(`load client exited with ${code}`));
			try {
				resolve(JSON.parse(output.trim().split('\n').pop()));
			} catch (error) {
				reject(new Error(`load client printed no result (${error.message})`));
			}
		});
	});
}

export async function measure(ctx) {
	const result = await runLoadClient(ctx);
	const held = Math.min(result.atPeak.open, result.atPeak.serverPeers ?? 0);
	const joins = result.joins;
	const joined = joins.filter((j) => j.ok);
	const list = (counts) =>
		Object.entries(counts)
			.map(([reason, count]) => `${count}× ${reason}`)
			.join(', ');
	const refused = list(result.refused);
	const retried = list(result.retried);
	return {
		rows: [
			{
				measure: 'peers held (open sockets, server count)',
				value: held,
				unit: 'peers',
				goal: `≥ ${PEERS_GOAL.toLocaleString('en-GB')}`,
				pass: held >= PEERS_GOAL,
				note: `${result.peers} opened at ${result.rate}/s in ${result.rampSeconds.toFixed(1)} s, held ${result.holdSeconds} s with heartbeats${retried ? `; retried: ${retried}` : ''}${refused ? `; refused: ${refused}` : ''}${result.droppedAfterOpen ? `; ${result.droppedAfterOpen} dropped after OPEN` : ''}`
			},
			{
				measure: 'server RSS, peak',
				value: result.peakRss / 1e6,
				unit: 'MB',
				goal: `≤ ${RSS_GOAL_BYTES / 1e9} GB`,
				pass: result.peakRss <= RSS_GOAL_BYTES,
				note: `${(result.baselineRss / 1e6).toFixed(1)} MB before the load, ${(result.after.rss / 1e6).toFixed(1)} MB 3 s after it (${result.after.serverPeers} peers left)`
			},
			{
				measure: 'server memory per peer',
				value: result.bytesPerPeer / 1000,
				unit: 'kB',
				note: '(RSS with the peers − RSS before) / peers'
			},
			{
				measure: 'real joins under load (form + signaling)',
				value: joined.length,
				unit: `/ ${joins.length}`,
				digits: 0,
				goal: 'all',
				pass: joins.length > 0 && joined.length === joins.length,
				note: joined.length
					? `median ${median(joined.map((j) => j.ms)).toFixed(0)} ms, max ${Math.max(...joined.map((j) => j.ms)).toFixed(0)} ms`
					: ''
			}
		],
		data: result
	};
}
