// `npm run bench`: Ponte's benchmark suite. Builds the app if needed, starts the production
// server on loopback with a fresh DATA_DIR, drives one headless Chromium, prints a table,
// writes bench/results/<timestamp>.json and exits non-zero when a figure misses its goal.
//
// Options: --only=join,screen,…  --runs=10  --peers=10000  --rate=400  --hold=15
//          --clusterPeers=20000 (the two nodes' peers together, bench/figures/cluster.js)
//          --screen=ponte,sharp,sharp-vp8,smooth,browser (variants of the screen figure)
// (figures: pageWeight, join, screen, fileTransfer, media, recording, firefoxJoin, firefoxScreen,
// firefoxFileTransfer, clusterJoin, signaling, clusterSignaling; --only=firefox for the three
// Firefox ones, --only=cluster for the two of two nodes on one Redis). See
// bench/README.md. With a Firefox figure selected the bench runs itself on Xvfb.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CUSTOMER_SCREEN_SELECTOR, logIn } from './lib/app.js';
import { benchClient, launchBrowser, pageNow } from './lib/browser.js';
import { ensureBuild } from './lib/build.js';
import { readSecrets } from './lib/data.js';
import { startPagesServer } from './lib/pages-server.js';
import { startServer } from './lib/server.js';
import { formatTable } from './lib/table.js';
import * as fileTransfer from './figures/file-transfer.js';
import { firefoxFileTransfer, firefoxJoin, firefoxScreen } from './figures/firefox.js';
import { findFirefox, HOW_TO_GET_FIREFOX } from '../scripts/find-firefox.js';
import { clusterJoin, clusterSignaling } from './figures/cluster.js';
import * as join from './figures/join.js';
import * as media from './figures/media.js';
import * as pageWeight from './figures/page-weight.js';
import * as recording from './figures/recording.js';
import * as screen from './figures/screen.js';
import * as signaling from './figures/signaling.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const FIGURES = [
	{ name: 'pageWeight', title: 'page weight', browser: true, module: pageWeight },
	{ name: 'join', title: 'join', browser: true, module: join },
	{ name: 'screen', title: 'latency & quality', browser: true, module: screen },
	{ name: 'fileTransfer', title: 'file transfer', browser: true, module: fileTransfer },
	// Voice and the camera (bench/figures/media.js).
	{ name: 'media', title: 'voice & camera', browser: true, module: media },
	// Session recording on against off (bench/figures/recording.js).
	{ name: 'recording', title: 'recording', browser: true, module: recording },
	// A Firefox customer with the same Chromium agent (bench/figures/firefox.js).
	{
		name: 'firefoxJoin',
		title: 'join · Firefox',
		browser: true,
		firefox: true,
		module: firefoxJoin
	},
	{
		name: 'firefoxScreen',
		title: 'latency · Firefox',
		browser: true,
		firefox: true,
		module: firefoxScreen
	},
	{
		name: 'firefoxFileTransfer',
		title: 'file transfer · Firefox',
		browser: true,
		firefox: true,
		module: firefoxFileTransfer
	},
	// Two nodes on one Redis (bench/figures/cluster.js), the customer on the other node.
	{ name: 'clusterJoin', title: 'join · two nodes', browser: true, module: clusterJoin },
	// Last, with the browser closed: the load client wants the CPU to itself.
	{ name: 'signaling', title: 'signaling capacity', browser: false, module: signaling },
	{
		name: 'clusterSignaling',
		title: 'signaling · two nodes',
		browser: false,
		module: clusterSignaling
	}
];

const GROUPS = {
	firefox: ['firefoxJoin', 'firefoxScreen', 'firefoxFileTransfer'],
	cluster: ['clusterJoin', 'clusterSignaling']
};

function parseOptions(argv) {
	const options = {
		only: null,
		screen: null,
		runs: 10,
		peers: 10_000,
		rate: 400,
		hold: 15,
		clusterPeers: 20_000
	};
	for (const arg of argv) {
		const [key, value] = arg.replace(/^--/, '').split('=');
		if (key === 'only')
			options.only = new Set(value.split(',').flatMap((name) => GROUPS[name] ?? [name]));
		else if (key === 'screen') options.screen = value.split(',');
		else if (key in options && Number.isFinite(Number(value))) options[key] = Number(value);
		else throw new Error(`unknown option ${arg} (see bench/run.js)`);
	}
	if (options.runs < 1) throw new Error('--runs must be at least 1');
	return options;
}

function progress(text) {
	process.stderr.write(`  · ${text}\n`);
}

/** The agent side every browser figure shares: logged in once, on its own context. */
async function openBrowserSide(ctx) {
	const { browser, executablePath } = await launchBrowser();
	ctx.browser = browser;
	ctx.chromium = { executablePath, version: browser.version() };
	ctx.screenClient = await benchClient(browser, { root, baseUrl: ctx.server.url });
	ctx.screenPage = await ctx.screenClient.context.newPage();
	await ctx.screenPage.goto(`${ctx.pages.url}/__bench/screen.html`);
	ctx.readerConfig = { barcode: await ctx.screenPage.evaluate(() => window.benchScreen.barcode) };
	ctx.agent = await benchClient(browser, {
		root,
		baseUrl: ctx.server.url,
		config: { reader: { ...ctx.readerConfig, selector: CUSTOMER_SCREEN_SELECTOR } }
	});
	ctx.agentPage = await ctx.agent.context.newPage();
	await logIn(ctx.agentPage);
}

/**
 * Firefox captures the display it is on: with a Firefox figure selected the bench runs itself
 * again under xvfb-run, on a 1280×720 virtual screen (the 720p figures' capture size).
 */
function rerunOnXvfb() {
	const { firefox, xvfbRun } = findFirefox();
	if (!firefox || !xvfbRun) throw new Error(HOW_TO_GET_FIREFOX);
	const result = spawnSync(
		xvfbRun,
		['-a', '-s', '-screen 0 1280x720x24', process.execPath, ...process.argv.slice(1)],
		{ stdio: 'inherit', env: { ...process.env, PONTE_BENCH_ON_XVFB: '1' } }
	);
	process.exit(result.status ?? 2);
}

async function main() {
	const options = parseOptions(process.argv.slice(2));
	const selected = FIGURES.filter((f) => !options.only || options.only.has(f.name));
	if (selected.length === 0) throw new Error(`--only names none of ${FIGURES.map((f) => f.name)}`);
	if (selected.some((f) => f.firefox) && !process.env.PONTE_BENCH_ON_XVFB) return rerunOnXvfb();
	const startedAt = new Date();
	const loadBefore = os.loadavg();
	console.log(
		`Ponte bench · ${startedAt.toISOString()} · ${os.cpus().length} CPUs · Node ${process.version} · load average ${loadBefore.map((l) => l.toFixed(1)).join(' ')}`
	);

	if (ensureBuild(root)) progress('built the app');
	const server = await startServer(root);
	const pages = await startPagesServer(
		root,
		process.env.PONTE_BENCH_PORT ? Number(process.env.PONTE_BENCH_PORT) + 1 : 0
	);
	progress(`server on ${server.url} (pid ${server.pid}), bench pages on ${pages.url}`);
	const ctx = {
		root,
		server,
		pages,
		options,
		facts: {},
		secrets: readSecrets(server.dataDir),
		capture: { width: 1280, height: 720 },
		progress,
		now: pageNow,
		peerjsChunk: findPeerjsChunk()
	};

	const results = {};
	try {
		for (const figure of selected) {
			if (figure.browser && !ctx.browser) await openBrowserSide(ctx);
			if (!figure.browser && ctx.browser) {
				await ctx.firefox?.browser.close();
				ctx.firefox = null;
				await ctx.browser.close();
				ctx.browser = null;
			}
			progress(`${figure.title}…`);
			const began = Date.now();
			try {
				results[figure.name] = await figure.module.measure(ctx);
			} catch (error) {
				results[figure.name] = {
					rows: [
						{ measure: 'error', value: null, pass: false, note: String(error?.message ?? error) }
					],
					error: String(error?.stack ?? error)
				};
				const serverErrors = server.recentErrors();
				if (serverErrors) results[figure.name].serverErrors = serverErrors;
			}
			results[figure.name].seconds = (Date.now() - began) / 1000;
		}
	} finally {
		await ctx.firefox?.browser.close();
		await ctx.browser?.close();
		ctx.db?.close();
		await ctx.cluster?.stop();
		await pages.close();
		await server.stop();
	}

	const loadAfter = os.loadavg();
	const table = formatTable(selected.map((f) => ({ title: f.title, ...results[f.name] })));
	console.log(`\n${table}`);
	console.log(
		`\nLoad average (1, 5, 15 min) before: ${loadBefore.map((l) => l.toFixed(1)).join(' ')}, after: ${loadAfter.map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} CPUs${loadAfter[0] > os.cpus().length ? ' — the machine was busy: timings are pessimistic' : ''}`
	);
	const failed = selected.filter((f) => results[f.name].rows.some((row) => row.pass === false));
	const file = path.join(
		root,
		'bench/results',
		`${startedAt.toISOString().replace(/[:.]/g, '-')}.json`
	);
	fs.mkdirSync(path.dirname(file), { recursive: true });
	fs.writeFileSync(
		file,
		JSON.stringify(
			{
				startedAt: startedAt.toISOString(),
				seconds: (Date.now() - startedAt.getTime()) / 1000,
				machine: {
					cpus: os.cpus().length,
					cpuModel: os.cpus()[0]?.model,
					memoryBytes: os.totalmem(),
					node: process.version,
					platform: `${os.platform()} ${os.release()}`,
					chromium: ctx.chromium ?? null,
					firefox: ctx.firefoxVersion ?? null,
					loadAverageBefore: loadBefore,
					loadAverageAfter: loadAfter
				},
				options: { ...options, only: options.only ? [...options.only] : null },
				figures: results,
				passed: failed.length === 0
			},
			null,
			'\t'
		)
	);
	console.log(
		`\nResults: ${path.relative(root, file)} (${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)} s)`
	);
	if (failed.length) {
		console.log(`Missed goals: ${failed.map((f) => f.title).join(', ')}`);
		process.exitCode = 1;
	} else {
		console.log('Every measured figure meets its goal.');
	}
}

/** The built chunk that holds the PeerJS library (to time its download during a join). */
function findPeerjsChunk() {
	const dir = path.join(root, 'build/client/_app/immutable/chunks');
	if (!fs.existsSync(dir)) return null;
	const file = fs
		.readdirSync(dir)
		.find(
			(name) =>
				name.endsWith('.js') && fs.readFileSync(path.join(dir, name), 'utf8').includes('chunkedMTU')
		);
	return file ? `/_app/immutable/chunks/${file}` : null;
}

main().catch((error) => {
	console.error(error?.stack ?? error);
	process.exit(2);
});
