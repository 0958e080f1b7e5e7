import { describe, expect, it } from 'vitest';
import { agentSessionServer, customerSessionServer } from './session-server';

type Call = { url: string; body: unknown };

function fakeFetch(answer: (url: string) => Response | Error) {
	const calls: Call[] = [];
	const impl = (async (url: string, init?: RequestInit) => {
		calls.push({ url, body: init?.body ? JSON.parse(String(init.body)) : undefined });
		const result = answer(url);
		if (result instanceof Error) throw result;
		return result;
	}) as typeof fetch;
	return { calls, impl };
}

const json = (body: unknown, status = 200) =>
	new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('SessionServer', () => {
	it('a refreshed ticket keeps only string peer IDs in present', async () => {
		const { calls, impl } = fakeFetch(() =>
			json({ ticket: 't2', present: ['a', 3, 'b'], features: undefined })
		);
		const result = await customerSessionServer(impl).refreshTicket('t1');
		expect(result).toEqual({
			kind: 'refreshed',
			ticket: 't2',
			features: undefined,
			present: ['a', 'b']
		});
		expect(calls).toEqual([{ url: '/api/tickets/refresh', body: { ticket: 't1' } }]);
	});

	it('410 is the end, with the reason when the server gives one', async () => {
		const server = customerSessionServer(fakeFetch(() => json({ reason: 'agent' }, 410)).impl);
		expect(await server.refreshTicket('t')).toEqual({ kind: 'ended', reason: 'agent' });
		const bare = customerSessionServer(fakeFetch(() => new Response('x', { status: 410 })).impl);
		expect(await bare.refreshTicket('t')).toEqual({ kind: 'ended', reason: undefined });
	});

	it('offline, a 5xx or a body without a ticket are "unavailable", never a throw', async () => {
		for (const answer of [
			new TypeError('offline'),
			json({}, 503),
			json({ nope: 1 }),
			new Response('<html>')
		]) {
			const server = customerSessionServer(fakeFetch(() => answer).impl);
			expect(await server.refreshTicket('t')).toEqual({ kind: 'unavailable' });
		}
	});

	it("an agent's calls go to its session's endpoints", async () => {
		const { calls, impl } = fakeFetch((url) =>
			url.endsWith('/leave') ? json({ ok: false, error: 'not present' }) : json({ ok: true })
		);
		const server = agentSessionServer('s-1', impl);
		await server.end('agent');
		await server.postEvents([]);
		expect(await server.leave('u-2')).toEqual({ ok: false, error: 'not present' });
		expect(calls.map((c) => c.url)).toEqual([
			'/api/sessions/s-1/end',
			'/api/sessions/s-1/events',
			'/api/sessions/s-1/leave'
		]);
		expect(calls[2].body).toEqual({ handOverTo: 'u-2' });
	});

	it('events the server refuses for good are dropped; a retryable failure throws', async () => {
		await expect(
			agentSessionServer('s', fakeFetch(() => json({}, 400)).impl).postEvents([])
		).resolves.toBeUndefined();
		await expect(
			agentSessionServer('s', fakeFetch(() => json({}, 503)).impl).postEvents([])
		).rejects.toThrow('503');
	});
});
