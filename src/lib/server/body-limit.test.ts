import { describe, expect, it } from 'vitest';
import { isHttpError } from '@sveltejs/kit';
import { limitRequestBody } from './body-limit';

function streamOf(...chunks: number[]): ReadableStream<Uint8Array> {
	return new ReadableStream({
		start(controller) {
			for (const size of chunks) controller.enqueue(new Uint8Array(size).fill(97));
			controller.close();
		}
	});
}

const post = (path: string, body: BodyInit, headers: Record<string, string> = {}) =>
	new Request(`http://ponte.test${path}`, {
		method: 'POST',
		body,
		headers,
		duplex: 'half'
	} as RequestInit);

describe('limitRequestBody', () => {
	it('passes bodies within the limit through whole, headers kept', async () => {
		const request = limitRequestBody(
			post('/login', 'email=a&password=b', { 'content-type': 'application/x-www-form-urlencoded' }),
			'/login',
			100
		);
		if (!(request instanceof Request)) throw new Error('refused');
		expect(request.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
		expect(Object.fromEntries(await request.formData())).toEqual({ email: 'a', password: 'b' });
	});

	it('answers 413 at once to a Content-Length over the limit', () => {
		const refused = limitRequestBody(
			post('/login', 'x'.repeat(101), { 'content-length': '101' }),
			'/login',
			100
		);
		expect(refused).toBeInstanceOf(Response);
		expect((refused as Response).status).toBe(413);
	});

	it('fails reading a streamed body past the limit with a 413', async () => {
		const request = limitRequestBody(
			post('/api/sessions/s/events', streamOf(60, 60)),
			'/api/sessions/s/events',
			100
		);
		if (!(request instanceof Request)) throw new Error('refused');
		const failure = await request.text().then(
			() => null,
			(thrown: unknown) => thrown
		);
		expect(isHttpError(failure, 413)).toBe(true);
	});

	it('leaves bodiless requests, snapshot uploads and recording chunks alone', () => {
		const get = new Request('http://ponte.test/agent');
		expect(limitRequestBody(get, '/agent', 1)).toBe(get);
		const upload = post('/api/sessions/s/snapshots', streamOf(500));
		expect(limitRequestBody(upload, '/api/sessions/s/snapshots', 100)).toBe(upload);
		const chunkPath = '/api/sessions/s/recording/segments/0/chunks/3';
		const chunk = new Request(`http://ponte.test${chunkPath}`, {
			method: 'PUT',
			body: streamOf(500),
			duplex: 'half'
		} as RequestInit);
		expect(limitRequestBody(chunk, chunkPath, 100)).toBe(chunk);
	});
});
