import { describe, expect, it } from 'vitest';
import { ChatLog, validateChatText, type ChatMessage } from './chat';
import { MAX_CHAT_LENGTH } from './protocol';

describe('validateChatText', () => {
	it('trims surrounding whitespace and keeps the inside as typed', () => {
		expect(validateChatText('  hello\n  world \t')).toEqual({ ok: true, text: 'hello\n  world' });
	});

	it('refuses empty and whitespace-only text', () => {
		for (const text of ['', '   ', '\n\t ']) {
			expect(validateChatText(text)).toEqual({ ok: false, error: 'empty' });
		}
	});

	it('counts characters, not UTF-16 units', () => {
		const emoji = '😀'; // two UTF-16 units, one character
		expect(validateChatText(emoji.repeat(MAX_CHAT_LENGTH)).ok).toBe(true);
		expect(validateChatText(emoji.repeat(MAX_CHAT_LENGTH + 1))).toEqual({
			ok: false,
			error: 'too-long'
		});
		expect(validateChatText('a'.repeat(MAX_CHAT_LENGTH)).ok).toBe(true);
		expect(validateChatText('a'.repeat(MAX_CHAT_LENGTH + 1))).toEqual({
			ok: false,
			error: 'too-long'
		});
	});

	it('does not count the trimmed whitespace', () => {
		expect(validateChatText(`   ${'a'.repeat(MAX_CHAT_LENGTH)}   `).ok).toBe(true);
	});

	it('keeps markup as plain text', () => {
		expect(validateChatText('<b>bold</b>')).toEqual({ ok: true, text: '<b>bold</b>' });
	});
});

describe('ChatLog', () => {
	const message = (id: string, text = 'hi'): ChatMessage => ({
		id,
		name: 'Anna',
		role: 'customer',
		text,
		sentAt: 1,
		mine: false
	});

	it('shows each id once, in arrival order', () => {
		const log = new ChatLog();
		expect(log.add(message('a', 'first'))).toBe(true);
		expect(log.add(message('b', 'second'))).toBe(true);
		expect(log.add(message('a', 'a resend'))).toBe(false);
		expect(log.messages.map((m) => m.text)).toEqual(['first', 'second']);
		expect(log.size).toBe(2);
		expect(log.has('a')).toBe(true);
		expect(log.has('c')).toBe(false);
	});

	it('gives a new array after a change and the same one until then', () => {
		const log = new ChatLog();
		log.add(message('a'));
		const before = log.messages;
		expect(log.messages).toBe(before);
		log.add(message('b'));
		expect(log.messages).not.toBe(before);
		expect(before).toHaveLength(1);
	});

	it('keeps its own copy: changing the added object changes nothing', () => {
		const log = new ChatLog();
		const added = message('a', 'original');
		log.add(added);
		added.text = 'changed';
		expect(log.messages[0].text).toBe('original');
		expect(Object.isFrozen(log.messages[0])).toBe(true);
	});

	it('markDelivered clears pending once, in a new array, and leaves other messages alone', () => {
		const log = new ChatLog();
		log.add({ ...message('a', 'mine'), mine: true, pending: true });
		log.add(message('b', 'theirs'));
		const before = log.messages;
		expect(log.markDelivered('a')).toBe(true);
		expect(log.messages).not.toBe(before);
		expect(before[0].pending).toBe(true);
		expect(log.messages[0]).toEqual({ ...message('a', 'mine'), mine: true });
		expect('pending' in log.messages[0]).toBe(false);
		expect(Object.isFrozen(log.messages[0])).toBe(true);
		const after = log.messages;
		expect(log.markDelivered('a')).toBe(false);
		expect(log.markDelivered('b')).toBe(false);
		expect(log.markDelivered('unknown')).toBe(false);
		expect(log.messages).toBe(after);
	});
});
