import { describe, expect, it } from 'vitest';
import { isCrossSiteRequest } from './request-origin';

const OURS = 'https://ponte.example';

function request(method: string, headers: Record<string, string>) {
	return new Request(`${OURS}/api/agent/locale`, { method, headers });
}

describe('isCrossSiteRequest', () => {
	it.each([
		['POST', { origin: 'https://evil.example' }],
		['PUT', { origin: 'https://sub.ponte.example' }],
		['PATCH', { origin: 'http://ponte.example' }],
		['DELETE', { origin: 'null' }],
		['POST', { 'sec-fetch-site': 'cross-site' }],
		['POST', { 'sec-fetch-site': 'same-site' }],
		['POST', { origin: 'https://evil.example', 'sec-fetch-site': 'same-origin' }]
	])('refuses %s with %j', (method, headers) => {
		expect(isCrossSiteRequest(request(method, headers), OURS)).toBe(true);
	});

	it.each([
		['POST', { origin: OURS }],
		['DELETE', { origin: OURS, 'sec-fetch-site': 'same-origin' }],
		['POST', { 'sec-fetch-site': 'same-origin' }],
		// No browser page sent it: a script or a command-line client, not a forged request.
		['POST', {}],
		['GET', { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }],
		['HEAD', { 'sec-fetch-site': 'cross-site' }]
	])('lets %s with %j through', (method, headers) => {
		expect(isCrossSiteRequest(request(method, headers), OURS)).toBe(false);
	});
});
