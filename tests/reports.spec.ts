import crypto from 'node:crypto';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { expect, test } from '@playwright/test';
import { adminPage, auditRows, newAgentAccount, query, userId } from './admin-helpers';
import { database, logIn, newClient, startSession } from './helpers';
import { E2E } from '../playwright.config';

const SCREENSHOTS = 'test-results/screens';
const CUSTOMER_LINE = 'My printer says "PC LOAD LETTER", help';
const AGENT_LINE = '=HYPERLINK("http://evil.example","click"), just kidding: open the tray';

test('a session with chat and a file: the report shows them and both exports carry them', async ({
	browser
}) => {
	const s = await startSession(browser, 'Giulia <i>Report</i>');
	await s.customer.getByLabel('Message').fill(CUSTOMER_LINE);
	await s.customer.getByRole('button', { name: 'Send', exact: true }).click();
	await expect(s.agent.getByRole('log', { name: 'Chat' })).toContainText(CUSTOMER_LINE);
	await s.agent.getByLabel('Message').fill(AGENT_LINE);
	await s.agent.getByRole('button', { name: 'Send', exact: true }).click();
	await expect(s.customer.getByRole('log', { name: 'Chat' })).toContainText(AGENT_LINE);

	// File transfer is not in the pages yet: its record arrives the way the page will send it.
	const recorded = await s.agent.request.post(`/api/sessions/${s.sessionId}/events`, {
		data: {
			events: [
				{
					id: 'file-1',
					type: 'file',
					at: Date.now(),
					data: {
						name: 'printer-log.txt',
						size: 48_213,
						direction: 'to-agent',
						result: 'completed',
						sha256: 'a3f1'.repeat(16)
					}
				}
			]
		}
	});
	expect(recorded.status()).toBe(200);

	await s.agent.getByRole('button', { name: 'End session' }).click();
	await s.agent
		.getByRole('dialog', { name: 'End the session?' })
		.getByRole('button', { name: 'Yes' })
		.click();
	await expect(s.agent.getByText('Session ended')).toBeVisible();
	// The page tells the server after ending locally: wait for it before leaving the page.
	await expect
		.poll(
			() =>
				query<{ status: string }>(
					'SELECT status FROM support_sessions WHERE id = ?',
					s.sessionId
				)[0].status
		)
		.toBe('ended');
	await expect
		.poll(
			() =>
				query<{ n: number }>(
					"SELECT count(*) AS n FROM session_events WHERE session_id = ? AND type = 'chat'",
					s.sessionId
				)[0].n
		)
		.toBe(2);

	const agent = s.agent;
	await agent.goto('/agent/reports');
	await agent.getByLabel('Customer name').fill('Giulia');
	await agent.getByRole('button', { name: 'Search' }).click();
	await agent.getByRole('link', { name: 'Giulia <i>Report</i>' }).click();
	await expect(agent).toHaveURL(`/agent/reports/${s.sessionId}`);
	await expect(
		agent.getByRole('heading', { name: 'Session with Giulia <i>Report</i>' })
	).toBeVisible();
	const chat = agent.getByRole('list', { name: 'Chat log' });
	await expect(chat).toContainText(CUSTOMER_LINE);
	await expect(chat).toContainText(AGENT_LINE);
	const files = agent.getByRole('region', { name: 'Files' });
	await expect(files).toContainText('printer-log.txt');
	await expect(files).toContainText('47 kB');
	await expect(files).toContainText('customer → agent');
	await expect(files).toContainText('a3f1a3f1');
	await expect(agent.getByText('Ended by agent (Administrator)')).toBeVisible();
	await expect(agent.getByRole('list', { name: 'Timeline' })).toContainText(
		'Giulia <i>Report</i> joined with the code'
	);
	await agent.screenshot({ path: `${SCREENSHOTS}/report.png`, fullPage: true });
	await agent.emulateMedia({ media: 'print' });
	await expect(agent.getByRole('navigation', { name: 'Console' })).toBeHidden();
	await expect(agent.getByRole('link', { name: 'Export JSON' })).toBeHidden();
	await agent.screenshot({ path: `${SCREENSHOTS}/report-print.png`, fullPage: true });
	await agent.emulateMedia({ media: 'screen' });

	const jsonDownload = agent.waitForEvent('download');
	await agent.getByRole('link', { name: 'Export JSON' }).click();
	const json = JSON.parse(fs.readFileSync((await (await jsonDownload).path())!, 'utf8')) as {
		session: { id: string; customerName: string };
		events: { type: string; data: Record<string, unknown> }[];
	};
	expect(json.session).toMatchObject({ id: s.sessionId, customerName: 'Giulia <i>Report</i>' });
	const chatTexts = json.events.filter((e) => e.type === 'chat').map((e) => e.data.text);
	expect(chatTexts).toEqual([CUSTOMER_LINE, AGENT_LINE]);
	expect(json.events.find((e) => e.type === 'file')?.data).toMatchObject({
		name: 'printer-log.txt',
		size: 48_213
	});
	expect(json.events.map((e) => e.type)).toEqual(
		expect.arrayContaining(['session.created', 'customer.joined', 'session.ended'])
	);

	const csvDownload = agent.waitForEvent('download');
	await agent.getByRole('link', { name: 'Export CSV' }).click();
	const csv = fs.readFileSync((await (await csvDownload).path())!, 'utf8');
	expect(csv.startsWith('\uFEFFtime,session,event,type,recorded_by,description,data\r\n')).toBe(
		true
	);
	expect(csv).toContain(`"Giulia <i>Report</i>: My printer says ""PC LOAD LETTER"", help"`);
	expect(csv).toContain('printer-log.txt');
	// The agent's line starts with "=": inside the description it follows the name, and in the
	// JSON data cell it is quoted; no cell starts with a formula character.
	expect(csv).toContain('Administrator: =HYPERLINK(');
	for (const line of csv.slice(1).split('\r\n')) expect(line).not.toMatch(/^[=+\-@]|,[=+\-@]/);

	const exports = auditRows('report.exported', s.sessionId).map((r) => JSON.parse(r.detail!));
	expect(exports.map((d) => d.format)).toEqual(['json', 'csv']);
	// Exports are audited without their content.
	expect(JSON.stringify(exports)).not.toContain('PC LOAD LETTER');
	expect(auditRows('session.created', s.sessionId)).toHaveLength(1);
	expect(auditRows('session.ended', s.sessionId)).toHaveLength(1);
	await s.close();
});

/** A real PNG of random pixels (so it stays big: ~`width * height * 3` bytes, incompressible). */
function noisePng(width: number, height: number): Buffer {
	const chunk = (type: string, data: Buffer) => {
		const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
		const length = Buffer.alloc(4);
		length.writeUInt32BE(data.length);
		const crc = Buffer.alloc(4);
		crc.writeUInt32BE(zlib.crc32(body));
		return Buffer.concat([length, body, crc]);
	};
	const header = Buffer.alloc(13);
	header.writeUInt32BE(width, 0);
	header.writeUInt32BE(height, 4);
	header.set([8, 2, 0, 0, 0], 8); // 8 bits per channel, RGB
	const rows = Buffer.alloc((width * 3 + 1) * height);
	for (let y = 0; y < height; y++) crypto.randomFillSync(rows, y * (width * 3 + 1) + 1, width * 3);
	return Buffer.concat([
		Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		chunk('IHDR', header),
		chunk('IDAT', zlib.deflateSync(rows)),
		chunk('IEND', Buffer.alloc(0))
	]);
}

test('a snapshot the agent uploads is listed on the report and downloads byte for byte', async ({
	browser
}) => {
	const s = await startSession(browser, 'Sara Snapshot');
	// Larger than the 512K every other request is held to.
	const picture = noisePng(480, 400);
	expect(picture.length).toBeGreaterThan(512 * 1024);
	const uploaded = await s.agent.request.post(
		`/api/sessions/${s.sessionId}/snapshots?source=screen&annotated=1`,
		{ headers: { 'content-type': 'image/png' }, data: picture }
	);
	expect(uploaded.status()).toBe(201);
	const stored = (await uploaded.json()) as { id: string; size: number; sha256: string };
	expect(stored.size).toBe(picture.length);
	expect(stored.sha256).toBe(crypto.createHash('sha256').update(picture).digest('hex'));
	// The same size anywhere else is refused before it is read.
	const events = await s.agent.request.post(`/api/sessions/${s.sessionId}/events`, {
		headers: { 'content-type': 'application/json' },
		data: Buffer.alloc(picture.length, 0x20)
	});
	expect(events.status()).toBe(413);

	await s.agent.goto(`/agent/reports/${s.sessionId}`);
	const snapshots = s.agent.getByRole('region', { name: 'Snapshots' });
	await expect(snapshots).toContainText('Screen');
	await expect(snapshots).toContainText('Annotated');
	const thumbnail = snapshots.getByRole('img', { name: /^Screen snapshot taken at / });
	await expect(thumbnail).toHaveJSProperty('naturalWidth', 480);
	await expect(s.agent.getByRole('list', { name: 'Timeline' })).toContainText(
		'Annotated snapshot of the screen'
	);
	const download = s.agent.waitForEvent('download');
	await snapshots.getByRole('link', { name: /^Download the snapshot taken at / }).click();
	const file = await download;
	expect(file.suggestedFilename()).toMatch(/^snapshot-.*\.png$/);
	expect(fs.readFileSync((await file.path())!).equals(picture)).toBe(true);
	expect(auditRows('snapshot.taken', s.sessionId)).toHaveLength(1);
	expect(auditRows('snapshot.downloaded', s.sessionId)).toHaveLength(1);
	await s.close();
});

test("an agent sees only their own reports: another agent's is 403", async ({ browser }) => {
	const { page: admin, context } = await adminPage(browser);
	const [adminSession] = query<{ id: string }>(
		'SELECT id FROM support_sessions WHERE agent_id = ? LIMIT 1',
		userId(E2E.adminEmail)
	);
	const credentials = await newAgentAccount(browser, admin, { name: 'Nosy' });
	const agentContext = await newClient(browser);
	const agent = await agentContext.newPage();
	await logIn(agent, credentials.email, credentials.password);
	await agent.getByRole('link', { name: 'Reports' }).click();
	await expect(agent.getByText('No sessions yet.')).toBeVisible();
	await agent.screenshot({ path: `${SCREENSHOTS}/reports-empty.png`, fullPage: true });

	const target = adminSession?.id ?? 'no-such-session';
	for (const path of ['', '/export.json', '/export.csv']) {
		const response = await agent.request.get(`/agent/reports/${target}${path}`);
		expect(response.status(), path || 'report page').toBe(adminSession ? 403 : 404);
	}
	expect(
		query(
			'SELECT id FROM audit_log WHERE action = ? AND actor_id = ?',
			'report.exported',
			userId(credentials.email)
		)
	).toHaveLength(0);
	await agentContext.close();
	await context.close();
});

test('the reports list pages through many sessions and filters by date', async ({ browser }) => {
	const { page: admin, context } = await adminPage(browser);
	const adminId = userId(E2E.adminEmail);
	const db = database();
	const insert = db.prepare(
		`INSERT INTO support_sessions (id, code_hash, code_expires_at, agent_id, customer_name,
		customer_peer_id, status, created_at, joined_at, ended_at, end_reason, ended_by)
		VALUES (?, NULL, ?, ?, ?, NULL, 'ended', ?, ?, ?, ?, ?)`
	);
	const now = Date.now();
	const stamp = String(now).slice(-6);
	for (let i = 0; i < 30; i++) {
		const created = now - (i + 1) * 60_000;
		insert.run(
			`paged-${stamp}-${i}`,
			created + 600_000,
			adminId,
			`Paged ${stamp} #${String(i).padStart(2, '0')}`,
			created,
			created + 5_000,
			created + 5_000 + i * 61_000,
			i % 3 === 0 ? 'connection-lost' : 'customer',
			null
		);
	}
	db.close();

	await admin.goto(`/agent/reports?customer=Paged+${stamp}`);
	await expect(admin.getByRole('link', { name: /^Paged / })).toHaveCount(25);
	await expect(admin.getByText('30 sessions · page 1 of 2')).toBeVisible();
	await expect(admin.getByRole('row', { name: /#02/ })).toContainText('2 min 2 sec');
	await expect(admin.getByRole('row', { name: /#03/ })).toContainText('Connection lost');
	await admin.screenshot({ path: `${SCREENSHOTS}/reports.png`, fullPage: true });
	await admin.getByRole('link', { name: 'Next' }).click();
	await expect(admin.getByRole('link', { name: /^Paged / })).toHaveCount(5);
	await expect(admin).toHaveURL(new RegExp(`customer=Paged(\\+|%20)${stamp}.*page=2`));

	const tomorrow = new Date(now + 86_400_000);
	const day = `${tomorrow.getFullYear()}-${String(tomorrow.getMonth() + 1).padStart(2, '0')}-${String(tomorrow.getDate()).padStart(2, '0')}`;
	await admin.goto(`/agent/reports?customer=Paged+${stamp}&from=${day}`);
	await expect(admin.getByText('No sessions match.')).toBeVisible();
	await context.close();
});
