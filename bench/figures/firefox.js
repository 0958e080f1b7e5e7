// Firefox customer → Chromium agent, in the same run as the Chromium figures: the join, the
// 720p glass-to-glass latency and the 256 MiB file transfer, each measured by the Chromium
// figure's own code (join.js, screen.js, file-transfer.js) with the customer's side — Ponte's
// customer page, the bare PeerJS customer, the raw data channel's sender, the shared screen —
// in Firefox (bench/lib/firefox.js). Same goals as the Chromium figures. The bench runs on
// Xvfb when these are selected (bench/run.js): Firefox captures the display it is on.
import { agentClockNow, firefoxClient, launchFirefox } from '../lib/firefox.js';
import * as fileTransfer from './file-transfer.js';
import * as join from './join.js';
import * as screen from './screen.js';

/** Firefox joins take a few seconds more to set up (a new user context and tab each). */
const MAX_JOIN_RUNS = 5;

/** The context the Chromium figures get, with the customer's side in Firefox. */
async function firefoxContext(ctx) {
	if (!ctx.firefox) {
		ctx.firefox = await launchFirefox();
		ctx.firefoxVersion = {
			executablePath: ctx.firefox.executablePath,
			version: ctx.firefox.version
		};
		ctx.progress(`Firefox ${ctx.firefox.version} (${ctx.firefox.executablePath}), kiosk on Xvfb`);
		const client = (options) =>
			firefoxClient(ctx.firefox.browser, { ...options, agentPage: ctx.agentPage });
		const screenClient = await client({ root: ctx.root, baseUrl: ctx.server.url });
		const screenPage = await screenClient.context.newPage();
		await screenPage.goto(`${ctx.pages.url}/__bench/screen.html`);
		ctx.firefoxScreenPage = screenPage;
		ctx.firefoxClient = client;
	}
	return {
		...ctx,
		customerClient: ctx.firefoxClient,
		now: agentClockNow,
		screenPage: ctx.firefoxScreenPage,
		// The tab in front is what Firefox captures: the screen page, once the customer shares.
		afterShare: () => ctx.firefoxScreenPage.bringToFront(),
		screenSizes: screen.SIZES.filter((size) => size.label === '720p'),
		screenText: false,
		options: {
			...ctx.options,
			runs: Math.min(ctx.options.runs, MAX_JOIN_RUNS),
			screen: ['ponte']
		}
	};
}

/** The Chromium figure's module, measured with a Firefox customer. */
const withFirefoxCustomer = (module) => ({
	async measure(ctx) {
		const result = await module.measure(await firefoxContext(ctx));
		return {
			...result,
			rows: result.rows.map((row) => ({ ...row, measure: `Firefox: ${row.measure}` }))
		};
	}
});

export const firefoxJoin = withFirefoxCustomer(join);
export const firefoxScreen = withFirefoxCustomer(screen);
export const firefoxFileTransfer = withFirefoxCustomer(fileTransfer);
