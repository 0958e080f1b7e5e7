import { describe, expect, it } from 'vitest';
import type { CaptureResult } from './capture';
import { FakeTrack, fakeStream, fakeTrackOf } from './media-test-fakes';
import { VoiceMedia } from './voice-media';

/** A voice owner over a recording sender; the capture answers with `answers`, in order. */
function voiceMedia(answers: (() => Promise<CaptureResult>)[] = []) {
	const started: MediaStream[] = [];
	const recipients: (ReadonlySet<string> | null)[] = [];
	let stops = 0;
	let allowed = true;
	let ended = false;
	let changes = 0;
	const microphone = () => fakeStream(new FakeTrack('audio'));
	const media = new VoiceMedia({
		sender: {
			start: (stream) => started.push(stream),
			stop: async () => {
				stops++;
			},
			setRecipients: (ids) => recipients.push(ids)
		},
		allowed: () => allowed,
		ended: () => ended,
		capture: () => (answers.shift() ?? (async () => ({ ok: true, stream: microphone() })))(),
		changed: () => changes++
	});
	return {
		media,
		started,
		recipients,
		stops: () => stops,
		changes: () => changes,
		forbid: () => (allowed = false),
		end: () => (ended = true)
	};
}

describe('VoiceMedia', () => {
	it('captures once and sends; a second start while on changes nothing', async () => {
		const { media, started, changes } = voiceMedia();
		const [first, second] = await Promise.all([media.start(), media.start()]);
		expect(first).toEqual({ ok: true });
		expect(second).toEqual({ ok: true });
		expect(started).toEqual([media.stream]);
		expect(await media.start()).toEqual({ ok: true });
		expect(started).toHaveLength(1);
		expect(changes()).toBe(1);
	});

	it('mutes by disabling the track; a stop ends it and the next start is unmuted', async () => {
		const { media, stops } = voiceMedia();
		await media.start();
		const track = fakeTrackOf(media.stream!);
		media.setMuted(true);
		expect(track.enabled).toBe(false);
		expect(media.muted).toBe(true);
		media.setMuted(false);
		expect(track.enabled).toBe(true);

		media.setMuted(true);
		await media.stop();
		expect(stops()).toBe(1);
		expect(media.stream).toBe(null);
		expect(media.muted).toBe(false);
		await media.start();
		expect(fakeTrackOf(media.stream!).enabled).toBe(true);
	});

	it('a microphone muted before it starts starts muted', async () => {
		const { media } = voiceMedia();
		media.setMuted(true);
		await media.start();
		expect(fakeTrackOf(media.stream!).enabled).toBe(false);
	});

	it('says why it could not start', async () => {
		const denied = voiceMedia([async () => ({ ok: false, error: 'cancelled' })]);
		expect(await denied.media.start()).toEqual({ ok: false, error: 'cancelled' });
		expect(denied.started).toHaveLength(0);

		const forbidden = voiceMedia();
		forbidden.forbid();
		expect(await forbidden.media.start()).toEqual({ ok: false, error: 'disabled' });

		const over = voiceMedia();
		over.end();
		expect(await over.media.start()).toEqual({ ok: false, error: 'ended' });
	});

	it('drops a capture that arrives after a stop, or after voice was forbidden', async () => {
		let resolve: (result: CaptureResult) => void = () => {};
		const slow = () => new Promise<CaptureResult>((r) => (resolve = r));
		const stopped = voiceMedia([slow]);
		const starting = stopped.media.start();
		await stopped.media.stop();
		const late = fakeStream(new FakeTrack('audio'));
		resolve({ ok: true, stream: late });
		expect(await starting).toEqual({ ok: false, error: 'aborted' });
		expect(fakeTrackOf(late).stopped).toBe(true);
		expect(stopped.started).toHaveLength(0);

		const forbidden = voiceMedia([slow]);
		const pending = forbidden.media.start();
		forbidden.forbid();
		resolve({ ok: true, stream: fakeStream(new FakeTrack('audio')) });
		expect(await pending).toEqual({ ok: false, error: 'disabled' });
	});

	it('stops when the browser ends the capture', async () => {
		const { media, stops } = voiceMedia();
		await media.start();
		fakeTrackOf(media.stream!).end();
		await Promise.resolve();
		expect(media.stream).toBe(null);
		expect(stops()).toBe(1);
	});

	it('passes the recipients on to the sender', () => {
		const { media, recipients } = voiceMedia();
		media.setRecipients(new Set(['agent-1']));
		media.setRecipients(null);
		expect(recipients).toEqual([new Set(['agent-1']), null]);
	});
});
