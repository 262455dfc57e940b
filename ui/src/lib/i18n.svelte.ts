// Japanese throughout, in the manual's words, with an English toggle. Screens write both texts
// side by side — tr('予約', 'Book') — so a translation never drifts from its original.

export type Lang = 'ja' | 'en';

const STORAGE_KEY = 'yoyaku.lang';

type LangStorage = Pick<Storage, 'getItem' | 'setItem'>;
type LangDocument = { documentElement: { lang: string } };

/** The language remembered in storage; Japanese when nothing (or nothing readable) is stored. */
export function storedLang(storage: Pick<Storage, 'getItem'> | undefined): Lang {
  try {
    return storage?.getItem(STORAGE_KEY) === 'en' ? 'en' : 'ja';
  } catch {
    // Storage refused (tests, locked-down profiles): Japanese.
    return 'ja';
  }
}

function storageOrNothing(): LangStorage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined;
  }
}

export class I18n {
  lang = $state<Lang>('ja');

  #storage: LangStorage | undefined;
  #document: LangDocument | undefined;

  constructor(
    storage: LangStorage | undefined = storageOrNothing(),
    doc: LangDocument | undefined = typeof document === 'undefined' ? undefined : document,
  ) {
    this.#storage = storage;
    this.#document = doc;
    this.lang = storedLang(storage);
    this.#markDocument();
  }

  toggle(): void {
    this.lang = this.lang === 'ja' ? 'en' : 'ja';
    try {
      this.#storage?.setItem(STORAGE_KEY, this.lang);
    } catch {
      // Not remembered; the toggle still works for this session.
    }
    this.#markDocument();
  }

  /** <html lang>: screen readers and fonts follow the language shown. */
  #markDocument(): void {
    if (this.#document) this.#document.documentElement.lang = this.lang;
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

/** An error's message in the language not shown, for screen readers. */
export function otherMessage(error: { message_ja: string; message_en: string }): string {
  return i18n.lang === 'ja' ? error.message_en : error.message_ja;
}
