import { describe, expect, it } from 'vitest';
import { I18n, i18n, message, otherMessage, storedLang, tr } from './i18n.svelte';

function memoryStorage(initial: Record<string, string> = {}) {
  const items = new Map(Object.entries(initial));
  return {
    items,
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
  };
}

describe('i18n', () => {
  it('speaks Japanese first and English after the toggle', () => {
    expect(i18n.lang).toBe('ja');
    expect(tr('予約', 'Book')).toBe('予約');
    expect(message({ message_ja: '満枠です。', message_en: 'The slot is full.' })).toBe('満枠です。');
    expect(otherMessage({ message_ja: '満枠です。', message_en: 'The slot is full.' })).toBe('The slot is full.');
    i18n.toggle();
    expect(tr('予約', 'Book')).toBe('Book');
    expect(message({ message_ja: '満枠です。', message_en: 'The slot is full.' })).toBe('The slot is full.');
    expect(otherMessage({ message_ja: '満枠です。', message_en: 'The slot is full.' })).toBe('満枠です。');
    i18n.toggle();
    expect(i18n.lang).toBe('ja');
  });

  it('starts from the stored choice, Japanese when there is none or storage fails', () => {
    expect(storedLang(memoryStorage({ 'yoyaku.lang': 'en' }))).toBe('en');
    expect(storedLang(memoryStorage({ 'yoyaku.lang': 'ja' }))).toBe('ja');
    expect(storedLang(memoryStorage({ 'yoyaku.lang': 'fr' }))).toBe('ja');
    expect(storedLang(memoryStorage())).toBe('ja');
    expect(storedLang(undefined)).toBe('ja');
    expect(
      storedLang({
        getItem: () => {
          throw new Error('denied');
        },
      }),
    ).toBe('ja');
  });

  it('marks <html lang> on start and on each toggle, and remembers the choice', () => {
    const storage = memoryStorage({ 'yoyaku.lang': 'en' });
    const doc = { documentElement: { lang: '' } };
    const lang = new I18n(storage, doc);
    expect(lang.lang).toBe('en');
    expect(doc.documentElement.lang).toBe('en');
    lang.toggle();
    expect(lang.lang).toBe('ja');
    expect(doc.documentElement.lang).toBe('ja');
    expect(storage.items.get('yoyaku.lang')).toBe('ja');
  });

  it('works without storage or a document', () => {
    const lang = new I18n(undefined, undefined);
    expect(lang.lang).toBe('ja');
    lang.toggle();
    expect(lang.lang).toBe('en');
  });
});
