/**
 * Getting a person's attention when a chat message arrives while they look elsewhere: a count
 * on the favicon, a system notification (only if they allowed it) and a short chime.
 */

let originalFavicon: string | null = null;

function faviconLink(): HTMLLinkElement | null {
	return document.querySelector<HTMLLinkElement>('link[rel~="icon"]');
}

/** Draws the unread count on the favicon; 0 restores the original. */
export function setFaviconBadge(count: number) {
	const link = faviconLink();
	if (!link) return;
	originalFavicon ??= link.href;
	if (count <= 0) {
		link.href = originalFavicon;
		return;
	}
	const canvas = document.createElement('canvas');
	canvas.width = canvas.height = 64;
	const context = canvas.getContext('2d');
	if (!context) return;
	context.fillStyle = '#1f57c4';
	context.beginPath();
	context.roundRect(0, 0, 64, 64, 14);
	context.fill();
	context.fillStyle = '#dc2626';
	context.beginPath();
	context.arc(44, 20, 20, 0, Math.PI * 2);
	context.fill();
	context.fillStyle = '#fff';
	context.font = 'bold 26px sans-serif';
	context.textAlign = 'center';
	context.textBaseline = 'middle';
	context.fillText(count > 9 ? '9+' : String(count), 44, 21);
	link.href = canvas.toDataURL('image/png');
}

export function canNotify(): boolean {
	return typeof Notification !== 'undefined';
}

export function notificationPermission(): NotificationPermission | 'unsupported' {
	return canNotify() ? Notification.permission : 'unsupported';
}

export async function askNotificationPermission(): Promise<NotificationPermission | 'unsupported'> {
	if (!canNotify()) return 'unsupported';
	return Notification.requestPermission();
}

/** A system notification, only when allowed and the page is hidden. */
export function notifyHidden(title: string, body: string) {
	if (!canNotify() || Notification.permission !== 'granted') return;
	if (document.visibilityState !== 'hidden') return;
	const notification = new Notification(title, { body, tag: 'ponte-chat' });
	notification.onclick = () => {
		window.focus();
		notification.close();
	};
}

let audio: AudioContext | null = null;

/** A short two-note chime (WebAudio: no sound file to download). */
export function chime() {
	try {
		audio ??= new AudioContext();
		const start = audio.currentTime;
		for (const [offset, frequency] of [
			[0, 880],
			[0.12, 1320]
		]) {
			const oscillator = audio.createOscillator();
			const gain = audio.createGain();
			oscillator.frequency.value = frequency;
			gain.gain.setValueAtTime(0.0001, start + offset);
			gain.gain.exponentialRampToValueAtTime(0.15, start + offset + 0.02);
			gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.25);
			oscillator.connect(gain).connect(audio.destination);
			oscillator.start(start + offset);
			oscillator.stop(start + offset + 0.3);
		}
	} catch {
		// No audio output (or blocked before any user gesture): the badge still shows.
	}
}
