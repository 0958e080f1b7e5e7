import { describe, expect, it } from 'vitest';
import { DEFAULT_FEATURES, type Role } from '$lib/session/protocol';
import { SupportSession } from '$lib/session/session';
import { createMessageChannelPair } from '$lib/session/transport';
import { followVoice, type VoiceMedia } from './voice-follow';

const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

let ids = 0;
function session(role: Role, name: string) {
	return new SupportSession({ role, name, features: DEFAULT_FEATURES, newId: () => `id-${++ids}` });
}

class FakeMedia implements VoiceMedia {
	microphone: MediaStream | null = null;
	muted = false;
	recipients: ReadonlySet<string> | null = null;
	starts = 0;
	refuse: string | null = null;
	#release: (() => void) | null = null;
	/** Holds the next start until `grant()`, as the browser's permission prompt does. */
	hold = false;

	async startMicrophone() {
		this.starts++;
		if (this.hold) await new Promise<void>((resolve) => (this.#release = resolve));
		if (this.refuse) return { ok: false as const, error: this.refuse };
		this.microphone = {} as MediaStream;
		return { ok: true as const };
	}
	grant() {
		this.#release?.();
	}
	stopMicrophone() {
		this.microphone = null;
	}
	setMicrophoneMuted(muted: boolean) {
		this.muted = muted;
	}
	setVoiceRecipients(peerIds: ReadonlySet<string> | null) {
		this.recipients = peerIds;
	}
}

async function call() {
	const c = session('customer', 'Anna');
	const a = session('agent', 'Marco');
	const [cc, ac] = createMessageChannelPair();
	c.addPeer('a', 'agent', cc);
	a.addPeer('c', 'customer', ac);
	await settle();
	return { c, a };
}

describe('followVoice', () => {
	it('turns the microphone on in the call, to the peers in it, muted with us, off after', async () => {
		const { c, a } = await call();
		const media = new FakeMedia();
		const failures: string[] = [];
		followVoice(a.voice, media, (reason) => failures.push(reason));

		a.voice.start();
		await settle();
		expect(media.starts).toBe(1);
		expect(media.microphone).not.toBe(null);
		// Nobody answered yet: the microphone goes nowhere.
		expect([...(media.recipients ?? [])]).toEqual([]);
		c.voice.answer();
		await settle();
		expect([...(media.recipients ?? [])]).toEqual(['c']);
		a.voice.setMuted(true);
		expect(media.muted).toBe(true);
		a.voice.hangUp();
		await settle();
		expect(media.microphone).toBe(null);
		expect(failures).toEqual([]);
	});

	it('leaves the call when the microphone is refused, and says why', async () => {
		const { c, a } = await call();
		const media = new FakeMedia();
		media.refuse = 'denied';
		const failures: string[] = [];
		followVoice(c.voice, media, (reason) => failures.push(reason));
		a.voice.start();
		await settle();
		c.voice.answer();
		await settle();
		await settle();
		expect(failures).toEqual(['denied']);
		expect(c.voice.joined).toBe(false);
		expect(a.voice.state.status).toBe('idle');
	});

	it('stops a microphone granted after we already left', async () => {
		const { a } = await call();
		const media = new FakeMedia();
		media.hold = true;
		followVoice(a.voice, media, () => {});
		a.voice.start();
		await settle();
		a.voice.hangUp();
		media.grant();
		await settle();
		expect(media.starts).toBe(1);
		expect(media.microphone).toBe(null);
	});
});
