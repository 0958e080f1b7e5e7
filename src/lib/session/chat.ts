/** The session chat: text rules and a log that shows each message once. */
import { MAX_CHAT_LENGTH, codePointLength, type Role } from './protocol';

export interface ChatMessage {
	id: string;
	name: string;
	/** 'system' lines (joins, leaves) are written locally, never received. */
	role: Role | 'system';
	/** Plain text: render it as text, never as markup. */
	text: string;
	/** The sender's clock, milliseconds since the epoch. */
	sentAt: number;
	mine: boolean;
	/**
	 * What a 'system' line reports, so a page can word it in its own language; `name` is then
	 * the person who joined or left, and `text` the English wording (kept for reports).
	 */
	event?: 'joined' | 'left';
	/**
	 * Ours and not yet acknowledged by any peer (queued while reconnecting, or in flight). Absent
	 * once a peer has it.
	 */
	pending?: boolean;
}

export type ChatTextCheck = { ok: true; text: string } | { ok: false; error: 'empty' | 'too-long' };

/** Trims surrounding whitespace and checks the length in characters (code points). */
export function validateChatText(text: string): ChatTextCheck {
	const trimmed = text.trim();
	if (!trimmed) return { ok: false, error: 'empty' };
	if (codePointLength(trimmed) > MAX_CHAT_LENGTH) return { ok: false, error: 'too-long' };
	return { ok: true, text: trimmed };
}

export class ChatLog {
	#messages: ChatMessage[] = [];
	#ids = new Set<string>();
	// A new array after each change (and the same one until then), so views can compare by reference.
	#snapshot: readonly ChatMessage[] | null = null;

	/** Appends the message unless one with its id is already there (a resend is shown once). */
	add(message: ChatMessage): boolean {
		if (this.#ids.has(message.id)) return false;
		this.#ids.add(message.id);
		this.#messages.push(Object.freeze({ ...message }));
		this.#snapshot = null;
		return true;
	}

	/** Clears `pending` on one of our messages; true if it was pending. */
	markDelivered(id: string): boolean {
		if (!this.#ids.has(id)) return false;
		const index = this.#messages.findLastIndex((message) => message.id === id);
		const message = this.#messages[index];
		if (!message.pending) return false;
		const delivered: ChatMessage = { ...message };
		delete delivered.pending;
		this.#messages[index] = Object.freeze(delivered);
		this.#snapshot = null;
		return true;
	}

	has(id: string): boolean {
		return this.#ids.has(id);
	}

	/** In arrival order. */
	get messages(): readonly ChatMessage[] {
		this.#snapshot ??= Object.freeze([...this.#messages]);
		return this.#snapshot;
	}

	get size(): number {
		return this.#messages.length;
	}
}
