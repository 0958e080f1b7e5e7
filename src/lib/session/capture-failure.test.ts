import { describe, expect, it } from 'vitest';
import { capturePlatform, classifyCaptureError, isCaptureFailure } from './capture-failure';

/** What browsers reject with: DOMException-like objects, a name and a message. */
const rejection = (name: string, message: string) => ({ name, message });

describe('classifying screen capture failures', () => {
	it.each([
		['Chromium Cancel', 'NotAllowedError', 'Permission denied', 'cancelled'],
		[
			'Firefox Cancel',
			'NotAllowedError',
			'The request is not allowed by the user agent or the platform in the current context.',
			'cancelled'
		],
		['Safari Cancel', 'NotAllowedError', '', 'cancelled'],
		[
			'macOS Screen Recording off',
			'NotAllowedError',
			'Permission denied by system',
			'system-permission'
		],
		[
			'a Permissions-Policy',
			'NotAllowedError',
			'Access to the feature "display-capture" is disallowed by permissions policy.',
			'policy'
		],
		['an insecure context', 'SecurityError', 'The operation is insecure.', 'insecure'],
		['Wayland without a portal', 'NotFoundError', 'Requested device not found', 'no-source'],
		['another app capturing', 'NotReadableError', 'Could not start video source', 'busy'],
		['an interrupted start', 'AbortError', 'Starting videoinput failed', 'aborted'],
		[
			'no user gesture',
			'InvalidStateError',
			'must be called from a user gesture handler',
			'aborted'
		],
		['an old browser', 'NotSupportedError', 'Not supported', 'unsupported'],
		['a missing API', 'TypeError', 'getDisplayMedia is not a function', 'unsupported'],
		['anything else', 'UnknownError', 'boom', 'failed']
	])('%s: %s "%s" -> %s', (_, name, message, expected) => {
		expect(classifyCaptureError(rejection(name, message))).toBe(expected);
	});

	it('reads real DOMExceptions, and survives things that are not errors', () => {
		expect(
			classifyCaptureError(new DOMException('Permission denied by system', 'NotAllowedError'))
		).toBe('system-permission');
		expect(classifyCaptureError(new DOMException('Permission denied', 'NotAllowedError'))).toBe(
			'cancelled'
		);
		for (const odd of [null, undefined, 'NotAllowedError', 42, {}, { name: 7 }]) {
			expect(classifyCaptureError(odd)).toBe('failed');
		}
		const hostile = {
			get name(): string {
				throw new Error('no');
			}
		};
		expect(classifyCaptureError(hostile)).toBe('failed');
	});

	it('an insecure page is insecure, whatever the error says', () => {
		expect(
			classifyCaptureError(rejection('NotAllowedError', 'Permission denied'), {
				secureContext: false
			})
		).toBe('insecure');
	});

	it('knows its own codes, and which platform to advise', () => {
		expect(isCaptureFailure('system-permission')).toBe(true);
		expect(isCaptureFailure('toString')).toBe(false);
		expect(
			capturePlatform('Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36')
		).toBe('mac');
		expect(capturePlatform('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36')).toBe('linux');
		expect(capturePlatform('Mozilla/5.0 (Windows NT 10.0; Win64; x64)')).toBe('windows');
		expect(capturePlatform('Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X)')).toBe('other');
	});
});
