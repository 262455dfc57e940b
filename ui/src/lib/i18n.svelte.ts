// Japanese throughout, in the manual's words, with an English toggle. Screens write both texts
// side by side — tr('予約', 'Book') — so a translation never drifts from its original.

export type Lang = 'ja' | 'en';

const STORAGE_KEY = 'yoyaku.lang';

class I18n {
  lang = $state<Lang>('ja');

  constructor() {
    try {
      if (globalThis.localStorage?.getItem(STORAGE_KEY) === 'en') this.lang = 'en';
    } catch {
      // No storage (tests): Japanese.
    }
  }

  toggle(): void {
    this.lang = this.lang === 'ja' ? 'en' : 'ja';
    try {
      globalThis.localStorage?.setItem(STORAGE_KEY, this.lang);
    } catch {
      // Not remembered; the toggle still works for this session.
    }
    if (typeof document !== 'undefined') document.documentElement.lang = this.lang;
  }
}

export const i18n = new I18n();

/** The text in the current language. */
export function tr(ja: string, en: string): string {
  return i18n.lang === 'ja' ? ja : en;
}

/** An error's message in the current language. */
export function message(error: { message_ja: string; message_en: string }): string {
  return i18n.lang === 'ja' ? error.message_ja : error.message_en;
}
