// 問い合わせ先, read once per login (from the city, or this computer's copy), for the help screen
// and the call center's number wherever the app says to ask it.
import { informationApi, type Contacts, type Published } from './api/information';
import { normalizeError } from './errors';
import type { CommandError } from './types';

class ContactsState {
  published = $state<Published<Contacts> | null>(null);
  error = $state<CommandError | null>(null);
  #loading: Promise<void> | null = null;

  /** Reads them unless already read; `again` reads them anew (the help screen). */
  load(again = false): Promise<void> {
    if (this.#loading && !again) return this.#loading;
    this.#loading = informationApi.contacts().then(
      (published) => {
        this.published = published;
        this.error = null;
      },
      (error) => {
        this.error = normalizeError(error);
        this.#loading = null;
      },
    );
    return this.#loading;
  }

  /** After a logout: the next account may be another municipality's. */
  forget(): void {
    this.published = null;
    this.error = null;
    this.#loading = null;
  }
}

export const contacts = new ContactsState();
