/** How a camera failure reads for the customer (the capture failures are the screen's). */
import { m } from '$lib/paraglide/messages';

export function cameraFailureText(error: string): string {
	switch (error) {
		case 'cancelled':
		case 'system-permission':
		case 'policy':
			return m.camera_failed_denied();
		case 'no-source':
			return m.camera_failed_no_device();
		case 'busy':
			return m.camera_failed_busy();
		case 'insecure':
			return m.camera_failed_insecure();
		default:
			return m.camera_failed_other();
	}
}
