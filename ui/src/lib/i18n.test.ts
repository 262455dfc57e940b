import { describe, expect, it } from 'vitest';
import { i18n, message, tr } from './i18n.svelte';

describe('i18n', () => {
  it('speaks Japanese first and English after the toggle', () => {
    expect(i18n.lang).toBe('ja');
    expect(tr('予約', 'Book')).toBe('予約');
    expect(message({ message_ja: '満枠です。', message_en: 'The slot is full.' })).toBe('満枠です。');
    i18n.toggle();
    expect(tr('予約', 'Book')).toBe('Book');
    expect(message({ message_ja: '満枠です。', message_en: 'The slot is full.' })).toBe('The slot is full.');
    i18n.toggle();
    expect(i18n.lang).toBe('ja');
  });
});
