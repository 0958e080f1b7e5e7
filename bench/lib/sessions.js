// The two ways the bench gets a customer's screen onto an agent's page: through Ponte's own
// pages (agent: New session; customer: join form, Share screen), and through bare PeerJS
// pages on the same signaling server (the baseline).
import { benchClient } from './browser.js';
import { CUSTOMER_TEXTS, fillJoinForm, joinButton, newSession } from './app.js';
import { adminId, insertSessions, openDatabase, peerId, randomId, signTicket } from './data.js';

/**
 * The customer's side of a figure: a client of the bench's Chromium, or of another browser when
 * the figure sets `ctx.customerClient` (bench/figures/firefox.js: a Firefox customer).
 */
export function customerClient(ctx, options) {
	return ctx.customerClient ? ctx.customerClient(options) : benchClient(ctx.browser, options);
}

/**
 * Ponte: the agent (ctx.agent, logged in) starts a session, a new customer joins with its code
 * and shares as soon as the button allows. Resolves once the agent shows the first frame.
 * `t0` is the Join click (the form's submit event), on the shared clock.
 */
export async function ponteShare(ctx, { customerName, capture, autoShareLabel, fakeMedia }) {
	const { agent, agentPage } = ctx;
	const sessionStart = await ctx.now(agentPage);
	const { code } = await newSession(agentPage);
	// The agent's viewer is on signaling before the customer arrives (as when the agent reads
	// the code out on the phone).
	await agent.waitForMark('signaling-open', { since: sessionStart });

	const customer = await customerClient(ctx, {
		root: ctx.root,
		baseUrl: ctx.server.url,
		config: {
			autoShare: true,
			autoShareLabel,
			fakeMedia: fakeMedia ?? ctx.fakeMedia,
			watchText: CUSTOMER_TEXTS,
			capture
		}
	});
	try {
		const page = await customer.context.newPage();
		await fillJoinForm(page, code, customerName);
		await page.evaluate(() =>
			document.addEventListener('submit', () => window.__ponteBench.mark('join-submit'), {
				capture: true,
				once: true
			})
		);
		await joinButton(page).click();
		const { at: t0 } = await customer.waitForMark('join-submit');
		const frame = await agent.waitForMark('first-frame', { since: t0, timeout: 30_000 });
		return {
			t0,
			firstFrame: frame.at,
			customer,
			customerPage: page,
			agent,
			agentPage,
			close: () => customer.close()
		};
	} catch (error) {
		await customer.close();
		throw withMarks(error, { customer, agent }, sessionStart);
	}
}

/**
 * Bare PeerJS: two fresh pages (bench/pages/peer.html) register with tickets signed by the
 * server's key for a session row inserted directly; the customer captures the same tab with the
 * app's constraints and calls. `mode` ('sharp' | 'smooth') applies screen-quality.ts on both
 * sides (codec order on the answering agent, `codecOrder` or the module's default; sender
 * parameters on the customer; `maxBitrate` caps the encoder like a thin path). `preconnected`: the customer calls first with a track that
 * sends nothing, then shares into that connected call with replaceTrack (the `start` is then
 * the share).
 */
export async function bareShare(
	ctx,
	{
		capture,
		mode = null,
		codecOrder = undefined,
		maxBitrate = null,
		preconnected = false,
		camera = false
	}
) {
	ctx.db ??= openDatabase(ctx.server.dataDir);
	ctx.adminId ??= adminId(ctx.db);
	const sessionId = randomId(12);
	const agentId = peerId();
	const customerId = peerId();
	insertSessions(ctx.db, [
		{
			id: sessionId,
			agentId: ctx.adminId,
			participants: [
				{ peerId: agentId, role: 'agent' },
				{ peerId: customerId, role: 'customer' }
			]
		}
	]);
	const ticket = (role, id) =>
		signTicket(ctx.secrets.ticketPrivateKey, { sessionId, role, peerId: id, name: role });

	const options = { root: ctx.root, baseUrl: ctx.server.url };
	const agent = await benchClient(ctx.browser, {
		...options,
		config: { reader: { ...ctx.readerConfig, selector: 'video#remote' } }
	});
	const customer = await customerClient(ctx, {
		...options,
		config: { capture, fakeMedia: camera }
	});
	const close = () => Promise.all([agent.close(), customer.close()]);
	try {
		const agentPage = await agent.context.newPage();
		const customerPage = await customer.context.newPage();
		const url = `${ctx.pages.url}/__bench/peer.html`;
		await Promise.all([agentPage.goto(url), customerPage.goto(url)]);
		if (mode) {
			await agentPage.evaluate(() => window.bare.loadScreenQuality());
			await customerPage.evaluate(() => window.bare.loadScreenQuality());
		}
		const server = ctx.server.url;
		await agentPage.evaluate((t) => window.bare.open(t), {
			id: agentId,
			ticket: ticket('agent', agentId),
			server
		});
		await agentPage.evaluate((options) => window.bare.answer(options), {
			preferCodecs: !!mode,
			order: codecOrder
		});

		if (preconnected) {
			await customerPage.evaluate((t) => window.bare.open(t), {
				id: customerId,
				ticket: ticket('customer', customerId),
				server
			});
			await customerPage.evaluate((remote) => window.bare.callWithPlaceholder(remote), agentId);
			const start = await ctx.now(customerPage);
			await customerPage.evaluate(() => window.bare.shareIntoCall());
			const frame = await agent.waitForMark('first-frame', { since: start, timeout: 30_000 });
			return { start, firstFrame: frame.at, customer, customerPage, agent, agentPage, close };
		}
		const start = await ctx.now(customerPage);
		await customerPage.evaluate((t) => window.bare.open(t), {
			id: customerId,
			ticket: ticket('customer', customerId),
			server
		});
		await customerPage.evaluate(
			(camera) => (camera ? window.bare.shareCamera() : window.bare.share()),
			camera
		);
		const applied = await customerPage.evaluate(
			({ remote, mode, maxBitrate }) => window.bare.call(remote, mode, maxBitrate),
			{ remote: agentId, mode, maxBitrate }
		);
		const called = await customer.waitForMark('bare-call', { since: start });
		const frame = await agent.waitForMark('first-frame', { since: start, timeout: 30_000 });
		return {
			start,
			called: called.at,
			firstFrame: frame.at,
			applied,
			customer,
			customerPage,
			agent,
			agentPage,
			close
		};
	} catch (error) {
		await close();
		throw withMarks(error, { customer, agent });
	}
}

/** The error, with what each side had done (its marks), to tell where a run got stuck. */
function withMarks(error, clients, since = 0) {
	const trail = Object.entries(clients)
		.map(([role, client]) => {
			const marks = client.marks.filter((m) => m.at >= since);
			const start = marks[0]?.at ?? 0;
			return `${role}: ${marks.map((m) => `${m.name}+${Math.round(m.at - start)}`).join(' ') || 'no marks'}`;
		})
		.join('; ');
	return new Error(`${error?.message ?? error} (${trail})`, { cause: error });
}

/** Offset of a page's clock from this process's (ms), from the tightest of a few round trips. */
export async function clockOffset(page) {
	let best = null;
	for (let i = 0; i < 7; i++) {
		const before = performance.timeOrigin + performance.now();
		const pageTime = await page.evaluate(() => performance.timeOrigin + performance.now());
		const after = performance.timeOrigin + performance.now();
		const sample = { offset: pageTime - (before + after) / 2, roundTrip: after - before };
		if (!best || sample.roundTrip < best.roundTrip) best = sample;
	}
	return best;
}
