// join: the customer clicks Join (code submitted) → the agent's first presented frame of the
// customer's screen, against a bare PeerJS call → first frame between two plain pages on the
// same server, same capture, same browser. Medians of `runs` runs each, after one warm-up.
import { bareShare, ponteShare } from '../lib/sessions.js';
import { median } from '../lib/stats.js';

export const JOIN_GOAL_RATIO = 1.5;

/** Phases of a join, each the time from the Join click to a mark (customer unless noted). */
const PHASES = [
	['join-response', 'join form answered (redirect)'],
	['session-rendered', '/session rendered'],
	['peerjs-loaded', 'PeerJS chunk loaded'],
	['signaling-connect', 'signaling socket opened'],
	['signaling-open', 'signaling registered (OPEN)'],
	['control-connected', 'control channel connected'],
	['customer-connected', '"Connected securely" shown'],
	['share-click', 'Share screen clicked (auto)'],
	['share-granted', 'getDisplayMedia resolved'],
	['media-connected', 'media call connected'],
	['agent-track', 'agent: track received'],
	['first-frame', 'agent: first frame']
];

/** The resource timings of a page on the shared clock. */
function resourceTimes(page) {
	return page.evaluate(() =>
		performance.getEntriesByType('resource').map((entry) => ({
			name: entry.name,
			start: performance.timeOrigin + entry.startTime,
			end: performance.timeOrigin + entry.responseEnd
		}))
	);
}

export async function ponteJoin(ctx, customerName) {
	const share = await ponteShare(ctx, { customerName, capture: ctx.capture });
	try {
		const { t0, customer, agent, customerPage } = share;
		const at = (client, name) => client.find(name, t0)?.at ?? null;
		const connected = customer.marks.filter((m) => m.name === 'pc-connected' && m.at >= t0);
		// The media call's peer connection is the one sending the screen (the customer places it
		// before sharing, so it may connect before the Share click).
		const granted = at(customer, 'share-granted');
		const mediaIndex = await customerPage.evaluate(() =>
			window.__ponteBench.peerConnections.findIndex((pc) =>
				pc.getSenders().some((sender) => sender.track?.kind === 'video')
			)
		);
		const mediaConnected = connected.find((m) => m.detail?.index === mediaIndex) ?? null;
		const resources = await resourceTimes(customerPage);
		const joinResponse = resources.find((r) => r.name.endsWith('?/join'));
		const peerjs = resources.find((r) => ctx.peerjsChunk && r.name.endsWith(ctx.peerjsChunk));
		const times = {
			'join-response': joinResponse && joinResponse.end >= t0 ? joinResponse.end : null,
			'session-rendered': at(customer, 'session-rendered'),
			'peerjs-loaded': peerjs && peerjs.end >= t0 ? peerjs.end : null,
			'signaling-connect': at(customer, 'signaling-connect'),
			'signaling-open': at(customer, 'signaling-open'),
			'control-connected': connected.find((m) => m.detail?.index !== mediaIndex)?.at ?? null,
			'customer-connected': at(customer, 'customer-connected'),
			'share-click': at(customer, 'share-click'),
			'share-granted': granted,
			'media-connected': mediaConnected?.at ?? null,
			'agent-track': at(agent, 'pc-track'),
			'first-frame': share.firstFrame
		};
		const phases = Object.fromEntries(
			Object.entries(times).map(([name, time]) => [name, time === null ? null : time - t0])
		);
		return {
			joinToFrame: share.firstFrame - t0,
			shareToFrame: times['share-click'] === null ? null : share.firstFrame - times['share-click'],
			phases
		};
	} finally {
		await share.close();
	}
}

export async function bareCall(ctx) {
	const share = await bareShare(ctx, { capture: ctx.capture });
	try {
		const connected = share.customer.find('pc-connected', share.called)?.at ?? null;
		const track = share.agent.find('pc-track', share.called)?.at ?? null;
		return {
			callToFrame: share.firstFrame - share.called,
			peerToFrame: share.firstFrame - share.start,
			phases: {
				connected: connected === null ? null : connected - share.called,
				track: track === null ? null : track - share.called
			}
		};
	} finally {
		await share.close();
	}
}

/** Share → first frame when the media call is already connected (a placeholder track). */
async function bareShareIntoConnectedCall(ctx) {
	const share = await bareShare(ctx, { capture: ctx.capture, preconnected: true });
	try {
		return share.firstFrame - share.start;
	} finally {
		await share.close();
	}
}

export async function measure(ctx) {
	const runs = ctx.options.runs;
	// One warm-up of each (first compilations, first capture of the tab), then the measured runs,
	// interleaved so drift on the shared machine hits both alike.
	await ponteJoin(ctx, 'Warm Up');
	await bareCall(ctx);
	await bareShareIntoConnectedCall(ctx);
	const ponte = [];
	const bare = [];
	const preconnected = [];
	// A run that never shows the screen is recorded (it fails the figure) and the rest go on.
	const failures = [];
	const attempt = async (kind, list, measureOne) => {
		try {
			list.push(await measureOne());
		} catch (error) {
			failures.push({ kind, error: String(error?.message ?? error) });
			ctx.progress(`${kind} run failed: ${String(error?.message ?? error).slice(0, 600)}`);
		}
	};
	for (let run = 0; run < runs; run++) {
		await attempt('Ponte join', ponte, () => ponteJoin(ctx, `Customer ${run + 1}`));
		await attempt('bare call', bare, () => bareCall(ctx));
		await attempt('bare preconnected', preconnected, () => bareShareIntoConnectedCall(ctx));
		ctx.progress(`join ${run + 1}/${runs}`);
	}
	if (ponte.length === 0 || bare.length === 0) {
		throw new Error(`no successful runs: ${failures.map((f) => f.error).join(' | ')}`);
	}
	const preconnectedMedian = median(preconnected);

	const joinMedian = median(ponte.map((r) => r.joinToFrame));
	const shareMedian = median(
		ponte.filter((r) => r.shareToFrame !== null).map((r) => r.shareToFrame)
	);
	const bareMedian = median(bare.map((r) => r.callToFrame));
	const bareFreshMedian = median(bare.map((r) => r.peerToFrame));
	const ratio = joinMedian / bareMedian;
	const phaseMedians = Object.fromEntries(
		PHASES.map(([name]) => {
			const values = ponte.map((r) => r.phases[name]).filter((v) => v !== null);
			return [name, values.length ? median(values) : null];
		})
	);
	const rows = [
		{
			measure: 'Join click → agent first frame (median)',
			value: joinMedian,
			unit: 'ms',
			note: `${runs} runs`
		},
		{ measure: 'Share click → agent first frame (median)', value: shareMedian, unit: 'ms' },
		{ measure: 'bare PeerJS call → first frame (median)', value: bareMedian, unit: 'ms' },
		{
			measure: 'bare new Peer → share → call → first frame',
			value: bareFreshMedian,
			unit: 'ms',
			note: 'context only'
		},
		{
			measure: 'bare share into a connected call → first frame',
			value: preconnectedMedian,
			unit: 'ms',
			note: 'context: Share → frame with the media call made in advance'
		},
		{
			measure: 'join / bare call',
			value: ratio,
			unit: '×',
			goal: `≤ ${JOIN_GOAL_RATIO}×`,
			pass: ratio <= JOIN_GOAL_RATIO
		},
		{
			measure: 'runs where the agent never saw the screen (30 s)',
			value: failures.length,
			unit: '',
			digits: 0,
			goal: '0',
			pass: failures.length === 0,
			note: failures.map((f) => f.kind).join(', ')
		}
	];
	return {
		rows,
		details: [
			{ label: 'Ponte, median time from the Join click to:' },
			...PHASES.map(([name, label]) => ({ label: `  ${label}`, ms: phaseMedians[name] })),
			{ label: 'bare PeerJS, median time from peer.call() to:' },
			...['connected', 'track'].map((name) => {
				const values = bare.map((r) => r.phases[name]).filter((v) => v !== null);
				return {
					label: `  ${name === 'connected' ? 'media call connected' : 'agent: track received'}`,
					ms: values.length ? median(values) : null
				};
			}),
			{ label: '  agent: first frame', ms: bareMedian }
		],
		data: {
			runs,
			failures,
			ponte,
			bare,
			preconnected,
			phaseMedians,
			joinMedian,
			shareMedian,
			bareMedian,
			bareFreshMedian,
			preconnectedMedian,
			ratio
		}
	};
}
