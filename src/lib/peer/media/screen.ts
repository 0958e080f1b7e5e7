/**
 * The two screen kinds: the customer's screen (to every agent, its calls placed ahead with a
 * blank canvas) and an agent's screen (to the customer, while the agent shares and the
 * session allows it); both encoded in the mode each agent chose for our screen.
 */
import type { Role, ScreenMode } from '$lib/session/protocol';
import type { MediaKind } from './media-kind';
import { blankCanvasStream } from './placeholders';

/** What we ask `getDisplayMedia` for: up to 1080p at 30 fps, no audio. */
export const SCREEN_CAPTURE = {
	video: { width: { max: 1920 }, height: { max: 1080 }, frameRate: { ideal: 30, max: 30 } },
	audio: false
} satisfies DisplayMediaStreamOptions;

/** The wire name of the screen a role shares. */
export const SCREEN_KIND: Record<Role, string> = { customer: 'screen', agent: 'agent-screen' };

/** How each agent asked for our screen ('sharp' unless it said otherwise). */
export class ScreenModes {
	readonly #modes = new Map<string, ScreenMode>();

	set(peerId: string, mode: ScreenMode) {
		this.#modes.set(peerId, mode);
	}

	get(peerId: string): ScreenMode {
		return this.#modes.get(peerId) ?? 'sharp';
	}
}

function screenKind(wire: string, sender: Role, modes: ScreenModes): MediaKind {
	return {
		wire,
		track: 'video',
		sentBy: [sender],
		allowed: () => true,
		encode: (call, peerId) => call.applyScreenMode(modes.get(peerId)),
		// Smooth motion's encoding depends on the measured bitrate, so it follows the path;
		// Sharp text depends on the capture only.
		reencode: { everyMs: 5000, applies: (peerId) => modes.get(peerId) === 'smooth' }
	};
}

/** The customer's screen, called to every agent in advance. */
export function customerScreen(modes: ScreenModes): MediaKind {
	return {
		...screenKind(SCREEN_KIND.customer, 'customer', modes),
		placeholder: blankCanvasStream,
		ahead: 'dial'
	};
}

/** An agent's screen, called to the customer only while sharing, if the session allows it. */
export function agentScreen(modes: ScreenModes): MediaKind {
	return {
		...screenKind(SCREEN_KIND.agent, 'agent', modes),
		allowed: (features) => features.agentScreenShare
	};
}
