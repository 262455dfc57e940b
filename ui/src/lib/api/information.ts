// 利用規約 and 問い合わせ先: typed wrappers around src-tauri/commands/information.rs.
import { call } from '../api';

export type TermsOfUse = { version: string; text_ja: string; text_en: string };

export type Contact = {
  name_ja: string;
  name_en: string;
  /** The 区 it serves; null for the whole city. */
  ward: string | null;
  tel: string[];
  fax: string | null;
  email: string | null;
  hours_ja: string | null;
  hours_en: string | null;
};

/** `main`: the call center line, shown wherever the app says to ask the call center. */
export type Contacts = { main: Contact; wards: Contact[] };

/** A text as the city published it; `online` false: this computer's copy of `fetched_at`. */
export type Published<T> = { body: T; fetched_at: string; online: boolean };

export const informationApi = {
  terms: (municipalityCode: string) => call<Published<TermsOfUse>>('terms_of_use', { municipalityCode }),
  contacts: () => call<Published<Contacts>>('contacts'),
};
