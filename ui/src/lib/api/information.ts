// 利用規約 and 問い合わせ先 (src-tauri/commands/information.rs).
import { commands } from '../api';

export type { Contact, Contacts, Published, TermsOfUse } from '../generated/ipc';

export const informationApi = {
  terms: commands.termsOfUse,
  contacts: commands.contacts,
};
