import fsp from 'node:fs/promises';
import path from 'node:path';

/**
 * What the disk stores (snapshots, recordings) share: a write streams into `part` beside its
 * place, is flushed to disk, then renamed over `file`, directories made 0700 on the way from
 * `root` down and the file 0600. A crash leaves a `.part` file, never half a file, and a reader
 * of the old file keeps reading it whole; on any failure (the body's own included) the part goes
 * and the error is thrown on.
 */
export async function writeWhole(
	root: string,
	file: string,
	part: string,
	body: AsyncIterable<Uint8Array>
): Promise<void> {
	const relative = path.relative(root, path.dirname(file));
	let dir = root;
	await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
	for (const step of relative ? relative.split(path.sep) : []) {
		dir = path.join(dir, step);
		await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
	}
	const handle = await fsp.open(part, 'w', 0o600);
	try {
		try {
			for await (const chunk of body) await handle.write(chunk);
			await handle.sync();
		} finally {
			await handle.close();
		}
		await fsp.rename(part, file);
	} catch (error) {
		await fsp.rm(part, { force: true });
		throw error;
	}
}

/**
 * A request body's chunks as they arrive. A stream that fails is `too-large` when adapter-node's
 * own limit (BODY_SIZE_LIMIT) failed it with a 413, else `incomplete`: `refuse` makes the error
 * thrown. Reading stops there without cancelling the request, so the answer still reaches the
 * client.
 */
export async function* bodyChunks(
	body: ReadableStream<Uint8Array>,
	refuse: (code: 'too-large' | 'incomplete') => Error
): AsyncGenerator<Uint8Array> {
	const reader = body.getReader();
	for (;;) {
		let step: ReadableStreamReadResult<Uint8Array>;
		try {
			step = await reader.read();
		} catch (error) {
			throw refuse((error as { status?: unknown })?.status === 413 ? 'too-large' : 'incomplete');
		}
		if (step.done) return;
		yield step.value;
	}
}
