import { error } from '@sveltejs/kit';
import { DEFAULT_BODY_LIMIT, isOwnLimitUpload } from '../../../server/body-limits.js';

/** SvelteKit's own 413, so a route reading too long a body answers 413 without catching it. */
function tooLarge(limit: number): unknown {
	try {
		error(413, `The request body is larger than ${limit} bytes`);
	} catch (thrown) {
		return thrown;
	}
}

/**
 * The request as routes see it: every body but a snapshot's or a recording chunk's (which count
 * their own) held to `limit` bytes, by its Content-Length (a 413 answered now) and, without one,
 * as it streams (reading past the limit fails with a 413). adapter-node's own limit is the larger
 * of those two uploads' limits.
 */
export function limitRequestBody(
	request: Request,
	path: string,
	limit = DEFAULT_BODY_LIMIT
): Request | Response {
	if (request.body === null || isOwnLimitUpload(request.method, path)) return request;
	const declared = Number(request.headers.get('content-length') ?? Number.NaN);
	if (declared > limit) {
		return new Response('Payload Too Large', {
			status: 413,
			headers: { 'content-type': 'text/plain; charset=utf-8' }
		});
	}
	let seen = 0;
	const counted = request.body.pipeThrough(
		new TransformStream<Uint8Array, Uint8Array>({
			transform(chunk, controller) {
				seen += chunk.byteLength;
				if (seen > limit) controller.error(tooLarge(limit));
				else controller.enqueue(chunk);
			}
		})
	);
	return new Request(request, { body: counted, duplex: 'half' } as RequestInit);
}
