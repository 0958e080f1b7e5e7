// The shared "screen": a frame counter in black/white blocks (read back on the agent side),
// some motion, and on demand a page of 11 px text. Every drawn counter's time is kept, on the
// clock every page of the browser shares.
export const BARCODE = { x: 16, y: 16, block: 24, bits: 32 };

const now = () => performance.timeOrigin + performance.now();
const code = /** @type {HTMLCanvasElement} */ (document.getElementById('code'));
const motion = /** @type {HTMLCanvasElement} */ (document.getElementById('motion'));
const text = /** @type {HTMLElement} */ (document.getElementById('text'));
const codeContext = code.getContext('2d');
const motionContext = motion.getContext('2d');

const drawnAt = new Float64Array(2 ** (BARCODE.bits / 2));
let counter = 0;
let frames = 0;

function size() {
	previousLeft = null;
	code.width = BARCODE.x * 2 + BARCODE.bits * BARCODE.block;
	code.height = BARCODE.y * 2 + BARCODE.block;
	motion.width = innerWidth;
	motion.height = innerHeight - 64;
}

function drawCounter(value) {
	const half = BARCODE.bits / 2;
	const mask = 2 ** half - 1;
	const bits = ((value & mask) * 2 ** half + (~value & mask))
		.toString(2)
		.padStart(BARCODE.bits, '0');
	codeContext.fillStyle = '#fff';
	codeContext.fillRect(0, 0, code.width, code.height);
	codeContext.fillStyle = '#000';
	for (let i = 0; i < BARCODE.bits; i++) {
		if (bits[i] === '1') {
			codeContext.fillRect(BARCODE.x + i * BARCODE.block, BARCODE.y, BARCODE.block, BARCODE.block);
		}
	}
}

/**
 * A striped box, a quarter of the screen, sweeping across: the kind of change dragging a
 * window makes. Only its old and new places are repainted, so the sender page stays cheap.
 */
let previousLeft = null;
function drawMotion(frame) {
	const { width, height } = motion;
	const boxWidth = Math.round(width / 4);
	const boxHeight = Math.round(height / 4);
	const top = Math.round(height / 3);
	const left = Math.round(((frame * 8) % (width + boxWidth)) - boxWidth);
	motionContext.fillStyle = '#f1f5f9';
	if (previousLeft === null) motionContext.fillRect(0, 0, width, height);
	else motionContext.fillRect(previousLeft, top, boxWidth, boxHeight);
	for (let stripe = 0; stripe < boxHeight; stripe += 16) {
		motionContext.fillStyle = `hsl(${(stripe * 3 + frame * 4) % 360} 70% 45%)`;
		motionContext.fillRect(left, top + stripe, boxWidth, 10);
	}
	previousLeft = left;
}

function draw() {
	counter = (counter + 1) % drawnAt.length;
	drawCounter(counter);
	if (!document.body.classList.contains('text')) drawMotion(counter);
	drawnAt[counter] = now();
	frames++;
	requestAnimationFrame(draw);
}

/** Deterministic words, so every run shows the same text. */
function fillText() {
	const words =
		'error access denied driver printer spooler service failed timeout network adapter update settings account password reset folder permission registry cache disk quota certificate expired proxy firewall module version'.split(
			' '
		);
	let seed = 12345;
	const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
	const lines = [];
	for (let i = 0; i < 160; i++) {
		const count = 6 + Math.floor(random() * 6);
		const sentence = Array.from(
			{ length: count },
			() => words[Math.floor(random() * words.length)]
		);
		const code = `0x${Math.floor(random() * 2 ** 32)
			.toString(16)
			.padStart(8, '0')
			.toUpperCase()}`;
		lines.push(
			i % 4 === 0
				? `<div class="mono">[${String(i).padStart(4, '0')}] ${code} ${sentence.join('_')}</div>`
				: `<div>${sentence.join(' ')} (${code}).</div>`
		);
	}
	text.innerHTML = lines.join('');
}

size();
fillText();
addEventListener('resize', size);
requestAnimationFrame(draw);

window.benchScreen = {
	barcode: BARCODE,
	setMode(mode) {
		document.body.classList.toggle('text', mode === 'text');
		const box = text.getBoundingClientRect();
		return {
			x: Math.round(box.x),
			y: Math.round(box.y),
			w: Math.round(box.width),
			h: Math.round(box.height)
		};
	},
	/** When each of these counters was drawn (0 when never). */
	drawnAt: (counters) => counters.map((c) => drawnAt[c] ?? 0),
	frames: () => frames
};
