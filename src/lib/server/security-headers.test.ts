import { describe, expect, it } from 'vitest';
import { isHttpsRequest } from '../../../server/security-headers.js';

describe('isHttpsRequest (HSTS on every response, static files too)', () => {
	it('is https when this server speaks TLS, whatever the headers say', () => {
		expect(isHttpsRequest({ tls: true }, {})).toBe(true);
		expect(isHttpsRequest({ tls: true, protocolHeader: 'x-forwarded-proto' }, {})).toBe(true);
	});

	it('follows ORIGIN when it is set, as adapter-node does', () => {
		expect(isHttpsRequest({ tls: false, origin: 'https://ponte.example' }, {})).toBe(true);
		expect(
			isHttpsRequest(
				{ tls: false, origin: 'http://localhost:3000', protocolHeader: 'x-forwarded-proto' },
				{ 'x-forwarded-proto': 'https' }
			)
		).toBe(false);
	});

	it("follows the proxy's PROTOCOL_HEADER otherwise", () => {
		const proxied = { tls: false, protocolHeader: 'X-Forwarded-Proto' };
		expect(isHttpsRequest(proxied, { 'x-forwarded-proto': 'https' })).toBe(true);
		expect(isHttpsRequest(proxied, { 'x-forwarded-proto': ' HTTPS ' })).toBe(true);
		expect(isHttpsRequest(proxied, { 'x-forwarded-proto': 'http' })).toBe(false);
		// adapter-node assumes https when the header is missing: event.url (and the hooks) agree.
		expect(isHttpsRequest(proxied, {})).toBe(true);
	});

	it('is plain http with neither TLS, ORIGIN nor a protocol header', () => {
		expect(isHttpsRequest({ tls: false }, { 'x-forwarded-proto': 'https' })).toBe(false);
	});
});
