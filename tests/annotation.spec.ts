import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { frameOnPage } from './annotation-helpers';
import { expectAdvancingFrames, startSession } from './helpers';

const SHOTS = '/tmp/shots';
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

async function expectNoAxeViolations(page: Page, state: string) {
	const results = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
	const described = results.violations.map(
		(v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`
	);
	expect.soft(described, `axe violations on ${state}`).toEqual([]);
}

async function screenshot(page: Page, name: string) {
	fs.mkdirSync(SHOTS, { recursive: true });
	await page.screenshot({ path: `${SHOTS}/annotation-${name}.png`, fullPage: true });
}

/**
 * Every mark an SVG layer draws, as its geometry: the attributes each shape is drawn with.
 * The agent's and the customer's layers must give the same list.
 */
async function drawnMarks(layer: Locator) {
	return layer.evaluateAll((groups) =>
		groups.map((group) => ({
			id: group.getAttribute('data-mark-id'),
			tool: group.getAttribute('data-tool'),
			color: group.getAttribute('data-color'),
			shapes: [...group.children].map((shape) => {
				const attributes: Record<string, string> = {};
				for (const name of [
					'points',
					'x1',
					'y1',
					'x2',
					'y2',
					'x',
					'y',
					'width',
					'height',
					'cx',
					'cy',
					'r'
				]) {
					const value = shape.getAttribute(name);
					if (value !== null) attributes[name] = value;
				}
				return { shape: shape.tagName, text: shape.textContent ?? '', ...attributes } as {
					shape: string;
					text: string;
				} & Partial<Record<string, string>>;
			})
		}))
	);
}

async function drag(page: Page, from: { x: number; y: number }, to: { x: number; y: number }) {
	await page.mouse.move(from.x, from.y);
	await page.mouse.down();
	await page.mouse.move(to.x, to.y, { steps: 4 });
	await page.mouse.up();
}

test('the agent annotates a frozen frame and the customer sees the same marks, live', async ({
	browser
}) => {
	// Two browsers, a live screen share and every tool on two shared cores: give it time.
	test.slow();
	const s = await startSession(browser);
	const { agent, customer } = s;
	await customer.getByRole('button', { name: 'Share screen' }).click();
	await expectAdvancingFrames(agent, 'Customer screen');

	await agent.getByRole('button', { name: 'Annotate', exact: true }).click();
	const surface = agent.getByRole('application', { name: 'Drawing surface' });
	await expect(surface).toBeVisible();
	await expect(agent.getByRole('status').filter({ hasText: 'Annotating:' })).toContainText(
		'Maria Rossi sees the frozen picture and your marks.'
	);
	const picture = customer.getByRole('region', { name: 'Administrator is pointing something out' });
	await expect(picture).toBeVisible();
	await expect(customer.getByRole('status').filter({ hasText: 'froze a picture' })).toHaveText(
		'Administrator froze a picture and is pointing something out on it.'
	);
	// The frozen picture arrived whole and shows.
	const frozen = picture.getByRole('img', { name: 'Frozen picture of your screen' });
	await expect
		.poll(() => frozen.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
		.toBeGreaterThan(0);

	const frame = await frameOnPage(surface);
	const agentMarks = surface.locator('[data-mark-id]');
	const customerMarks = picture.locator('[data-mark-id]');
	const same = async () =>
		expect.poll(() => drawnMarks(customerMarks)).toEqual(await drawnMarks(agentMarks));

	// A pen stroke, drawn slowly: the customer sees it grow before the button is released.
	await agent.getByRole('button', { name: 'Pen', exact: true }).click();
	const start = frame.at(0.2, 0.3);
	await agent.mouse.move(start.x, start.y);
	await agent.mouse.down();
	for (let i = 1; i <= 8; i++) {
		const point = frame.at(0.2 + i * 0.025, 0.3 + Math.sin(i / 1.6) * 0.05);
		await agent.mouse.move(point.x, point.y, { steps: 2 });
	}
	await expect(customer.locator('[data-tool=pen]')).toHaveCount(1);
	await agent.mouse.up();
	await same();
	const pen = await drawnMarks(customerMarks);
	const [firstX, firstY] = pen[0].shapes[0].points!.split(' ')[0].split(',').map(Number);
	// Where the pointer went down, in the frame's own pixels.
	expect(Math.abs(firstX - 0.2 * frame.width)).toBeLessThan(2);
	expect(Math.abs(firstY - 0.3 * frame.height)).toBeLessThan(2);

	await agent.getByRole('button', { name: 'Arrow', exact: true }).click();
	await agent.getByRole('button', { name: 'Yellow', exact: true }).click();
	await drag(agent, frame.at(0.6, 0.2), frame.at(0.45, 0.45));
	await agent.getByRole('button', { name: 'Rectangle', exact: true }).click();
	await agent.getByRole('button', { name: 'Green', exact: true }).click();
	await drag(agent, frame.at(0.55, 0.5), frame.at(0.85, 0.8));
	await agent.getByRole('button', { name: 'Text', exact: true }).click();
	await agent.getByRole('button', { name: 'Blue', exact: true }).click();
	const textAt = frame.at(0.55, 0.88);
	await agent.mouse.click(textAt.x, textAt.y);
	await agent.getByLabel('Label text').fill('Click here');
	await agent.getByLabel('Label text').press('Enter');
	await agent.getByRole('button', { name: 'Number marker', exact: true }).click();
	await agent.getByRole('button', { name: 'Red', exact: true }).click();
	const markerAt = frame.at(0.1, 0.1);
	await agent.mouse.click(markerAt.x, markerAt.y);

	await expect(customer.locator('[data-tool]')).toHaveCount(5);
	await same();
	const marks = await drawnMarks(customerMarks);
	expect(marks.map((mark) => `${mark.tool}:${mark.color}`)).toEqual([
		'pen:red',
		'arrow:yellow',
		'rect:green',
		'text:blue',
		'marker:red'
	]);
	expect(marks[3].shapes[0].text).toBe('Click here');
	expect(marks[4].shapes.at(-1)!.text).toBe('1');
	const rect = marks[2].shapes[0];
	expect(Number(rect.width)).toBeCloseTo(0.3 * frame.width, -1);
	expect(Number(rect.height)).toBeCloseTo(0.3 * frame.height, -1);
	await expect(picture.getByRole('img', { name: /5 marks: “Click here”, 1/ })).toBeVisible();

	await screenshot(agent, 'agent');
	await screenshot(customer, 'customer');
	await expectNoAxeViolations(agent, 'the agent annotating');
	await expectNoAxeViolations(customer, 'the customer shown an annotation');

	// Escape takes back a stroke being drawn, on both sides.
	await agent.getByRole('button', { name: 'Pen', exact: true }).click();
	const from = frame.at(0.3, 0.6);
	await agent.mouse.move(from.x, from.y);
	await agent.mouse.down();
	const to = frame.at(0.4, 0.7);
	await agent.mouse.move(to.x, to.y, { steps: 3 });
	await expect(customer.locator('[data-tool]')).toHaveCount(6);
	await agent.keyboard.press('Escape');
	await agent.mouse.up();
	await expect(customer.locator('[data-tool]')).toHaveCount(5);
	await expect(agentMarks).toHaveCount(5);

	await agent.getByRole('button', { name: 'Undo', exact: true }).click();
	await expect(customer.locator('[data-tool=marker]')).toHaveCount(0);
	await expect(customer.locator('[data-tool]')).toHaveCount(4);
	await agent.getByRole('button', { name: 'Clear', exact: true }).click();
	await expect(customer.locator('[data-tool]')).toHaveCount(0);
	await expect(picture).toBeVisible();

	// The keyboard draws too: a marker at the cursor, moved with the arrow keys.
	await agent.getByRole('button', { name: 'Number marker', exact: true }).click();
	await surface.focus();
	await agent.keyboard.press('ArrowRight');
	await agent.keyboard.press('Enter');
	await expect(customer.locator('[data-tool=marker]')).toHaveCount(1);
	await same();

	await agent.getByRole('button', { name: 'Stop annotating' }).click();
	await expect(picture).toBeHidden();
	await expect(customer.getByRole('status').filter({ hasText: 'stopped' })).toHaveText(
		'Administrator stopped pointing things out.'
	);
	await expect(surface).toBeHidden();
	await expect(agent.getByLabel('Customer screen')).toBeVisible();
	await expect(
		agent.getByRole('status').filter({ hasText: 'Picture saved to the report' })
	).toBeVisible();

	// A second annotation starts afresh.
	await agent.getByRole('button', { name: 'Annotate', exact: true }).click();
	await expect(picture).toBeVisible();
	await expect(customer.locator('[data-tool]')).toHaveCount(0);
	await agent.getByRole('button', { name: 'Stop annotating' }).click();
	await expect(picture).toBeHidden();
	await s.close();
});

test('a phone customer, in Italian, sees the annotation fitted to the screen; the agent draws by touch', async ({
	browser
}) => {
	const s = await startSession(browser, {
		customerDevice: { viewport: { width: 360, height: 740 }, hasTouch: true, isMobile: true },
		agentDevice: { hasTouch: true }
	});
	const { agent, customer } = s;
	// Switched in place (a reload would drop the live connection).
	await customer.getByRole('combobox', { name: 'Language' }).selectOption('it');
	await customer.getByRole('button', { name: 'Condividi schermo' }).click();
	await expectAdvancingFrames(agent, 'Customer screen');
	await agent.getByRole('button', { name: 'Annotate', exact: true }).click();
	const surface = agent.getByRole('application', { name: 'Drawing surface' });
	await expect(surface).toBeVisible();
	const frame = await frameOnPage(surface);

	// A finger's stroke (touch events, which the page gets as pointer events) and a tap.
	const cdp = await agent.context().newCDPSession(agent);
	const touch = (
		type: 'touchStart' | 'touchMove' | 'touchEnd',
		points: { x: number; y: number }[]
	) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints: points });
	await touch('touchStart', [frame.at(0.3, 0.3)]);
	for (let i = 1; i <= 8; i++) await touch('touchMove', [frame.at(0.3 + i * 0.04, 0.3 + i * 0.03)]);
	await touch('touchEnd', []);
	await agent.getByRole('button', { name: 'Number marker', exact: true }).tap();
	const tapAt = frame.at(0.7, 0.6);
	await agent.touchscreen.tap(tapAt.x, tapAt.y);

	const picture = customer.getByRole('region', { name: 'Administrator ti sta indicando qualcosa' });
	await expect(customer.getByRole('status').filter({ hasText: 'ha bloccato' })).toHaveText(
		"Administrator ha bloccato un'immagine e ti sta indicando qualcosa."
	);
	await expect(picture.locator('[data-tool=pen]')).toHaveCount(1);
	await expect(picture.locator('[data-tool=marker]')).toHaveCount(1);
	await expect
		.poll(() => drawnMarks(picture.locator('[data-mark-id]')))
		.toEqual(await drawnMarks(surface.locator('[data-mark-id]')));
	const pen = await drawnMarks(picture.locator('[data-tool=pen]'));
	expect(pen[0].shapes[0].points!.split(' ').length).toBeGreaterThan(3);

	// The picture fits the phone's width: no sideways scrolling.
	await picture.scrollIntoViewIfNeeded();
	const box = (await picture.boundingBox())!;
	expect(box.x).toBeGreaterThanOrEqual(0);
	expect(box.x + box.width).toBeLessThanOrEqual(360);
	await expect
		.poll(() =>
			picture
				.getByRole('img', { name: 'Immagine bloccata del tuo schermo' })
				.evaluate((img: HTMLImageElement) => img.naturalWidth)
		)
		.toBeGreaterThan(0);
	expect(await customer.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
		360
	);
	await screenshot(customer, 'customer-phone');
	await expectNoAxeViolations(customer, 'the phone customer shown an annotation');

	await agent.getByRole('button', { name: 'Stop annotating' }).tap();
	await expect(picture).toBeHidden();
	await expect(customer.getByRole('status').filter({ hasText: 'ha smesso' })).toHaveText(
		'Administrator ha smesso di indicare.'
	);
	await s.close();
});

test('the popped-out toolbar shows the annotation too', async ({ browser }) => {
	const s = await startSession(browser);
	const { agent, customer } = s;
	await customer.getByRole('button', { name: 'Share screen' }).click();
	await expectAdvancingFrames(agent, 'Customer screen');
	const opened = s.customerContext.waitForEvent('page', { timeout: 5_000 }).catch(() => null);
	await customer.getByRole('button', { name: 'Pop out toolbar' }).click();
	const pipPage = await opened;
	console.log('pip as page:', !!pipPage, s.customerContext.pages().length);

	await agent.getByRole('button', { name: 'Annotate', exact: true }).click();
	const surface = agent.getByRole('application', { name: 'Drawing surface' });
	const frame = await frameOnPage(surface);
	await agent.getByRole('button', { name: 'Number marker', exact: true }).click();
	const at = frame.at(0.5, 0.5);
	await agent.mouse.click(at.x, at.y);
	await agent.getByRole('button', { name: 'Rectangle', exact: true }).click();
	await drag(agent, frame.at(0.2, 0.2), frame.at(0.4, 0.4));

	// The toolbar's nodes live in the Picture-in-Picture window's document now.
	const inPip = () =>
		customer.evaluate(() => {
			const pip = (window as unknown as { documentPictureInPicture: { window: Window | null } })
				.documentPictureInPicture.window;
			const doc = pip?.document;
			const img = doc?.querySelector<HTMLImageElement>('[data-testid=annotation-picture] img');
			return {
				heading: doc?.getElementById('annotation-heading')?.textContent?.trim() ?? null,
				marks: [...(doc?.querySelectorAll('[data-tool]') ?? [])].map((g) =>
					g.getAttribute('data-tool')
				),
				picture: img ? img.complete && img.naturalWidth > 0 : false
			};
		});
	await expect.poll(inPip).toEqual({
		heading: 'Administrator is pointing something out',
		marks: ['marker', 'rect'],
		picture: true
	});
	if (pipPage) await screenshot(pipPage, 'pop-out');

	await agent.getByRole('button', { name: 'Stop annotating' }).click();
	await expect.poll(async () => (await inPip()).heading).toBeNull();
	await s.close();
});

/** compose.ts and the mark style it paints with, as one module in a blank page. */
async function loadCompose(page: Page) {
	const transpile = (file: string) =>
		ts.transpileModule(fs.readFileSync(path.resolve(file), 'utf8'), {
			compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext }
		}).outputText;
	const style = transpile('src/lib/components/annotation/mark-style.ts');
	const compose = transpile('src/lib/components/annotation/compose.ts').replace(
		/^import .*from '\.\/mark-style';$/m,
		''
	);
	await page.setContent('<!doctype html><title>compose</title>');
	await page.addScriptTag({
		type: 'module',
		content: `${style}\n${compose}\nwindow.composeAnnotatedPng = composeAnnotatedPng;`
	});
	await page.waitForFunction(() => 'composeAnnotatedPng' in window);
}

test('the saved picture is the frozen frame with the marks painted as both sides saw them', async ({
	page
}) => {
	await loadCompose(page);
	const result = await page.evaluate(async () => {
		const width = 640;
		const height = 360;
		const source = document.createElement('canvas');
		source.width = width;
		source.height = height;
		const context = source.getContext('2d')!;
		context.fillStyle = '#8899aa';
		context.fillRect(0, 0, width, height);
		const jpeg = await new Promise<Blob>((r) => source.toBlob((b) => r(b!), 'image/jpeg', 0.9));
		const marks = [
			{
				id: 'p',
				tool: 'pen',
				color: 'red',
				points: [
					[40, 300],
					[80, 260],
					[140, 280],
					[200, 240]
				]
			},
			{ id: 'a', tool: 'arrow', color: 'yellow', from: [560, 300], to: [420, 200] },
			{ id: 'r', tool: 'rect', color: 'green', from: [100, 100], to: [300, 200] },
			{ id: 't', tool: 'text', color: 'blue', at: [320, 60], text: 'Click here' },
			{ id: 'm', tool: 'marker', color: 'red', at: [500, 80], n: 1 }
		];
		type Compose = (f: Uint8Array, w: number, h: number, m: unknown[]) => Promise<Blob>;
		const compose = (window as unknown as { composeAnnotatedPng: Compose }).composeAnnotatedPng;
		const png = await compose(new Uint8Array(await jpeg.arrayBuffer()), width, height, marks);
		const bitmap = await createImageBitmap(png);
		const check = document.createElement('canvas');
		check.width = bitmap.width;
		check.height = bitmap.height;
		const checkContext = check.getContext('2d')!;
		checkContext.drawImage(bitmap, 0, 0);
		const pixel = (x: number, y: number) => [
			...checkContext.getImageData(x, y, 1, 1).data.slice(0, 3)
		];
		const bytes = new Uint8Array(await png.arrayBuffer());
		let binary = '';
		for (const byte of bytes) binary += String.fromCharCode(byte);
		return {
			type: png.type,
			size: [bitmap.width, bitmap.height],
			// The marker's disc beside its number, the rectangle's left side, the untouched frame.
			marker: pixel(500 - 8, 80),
			rect: pixel(100, 150),
			inside: pixel(200, 150),
			base64: btoa(binary)
		};
	});
	fs.mkdirSync(SHOTS, { recursive: true });
	fs.writeFileSync(`${SHOTS}/annotation-composed.png`, Buffer.from(result.base64, 'base64'));
	expect(result.type).toBe('image/png');
	expect(result.size).toEqual([640, 360]);
	const near = (actual: number[], expected: number[]) =>
		actual.every((value, i) => Math.abs(value - expected[i]) <= 12);
	expect(near(result.marker, [0xdc, 0x26, 0x26]), `marker ${result.marker}`).toBe(true);
	expect(near(result.rect, [0x15, 0x80, 0x3d]), `rectangle ${result.rect}`).toBe(true);
	expect(near(result.inside, [0x88, 0x99, 0xaa]), `frame ${result.inside}`).toBe(true);
});
