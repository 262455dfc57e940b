// The resident who has given their key: 自治体番号, 接種券番号 and 生年月日 are the web's
// credential, sent with every write and kept in this page's memory only (never stored).
import { api, type Schemas } from '../lib/api';

export type Key = Schemas['ResidentKeyInput'];
export type Booking = Schemas['BookingRecord'];

export class Resident {
  key = $state<Key | null>(null);
  /** 基本情報 as the registry holds them. */
  who = $state<Schemas['ResidentKey'] | null>(null);
  registered = $state(false);
  bookings = $state<Booking[]>([]);
  /** キャンセル待ち: the resident's entries, with a seat held for them if any. */
  waitlist = $state<Schemas['WaitlistEntry'][]>([]);

  /** Checks the key against the registry; throws the city's refusal when it does not match. */
  async signIn(key: Key): Promise<void> {
    const found = await api.lookup(key);
    this.key = key;
    this.#apply(found);
    await this.#readWaitlist();
  }

  /** Reads the resident's bookings again, after a booking, a change or a cancellation. */
  async refresh(): Promise<void> {
    if (this.key) this.#apply(await api.lookup(this.key));
    await this.#readWaitlist();
  }

  signOut(): void {
    this.key = null;
    this.who = null;
    this.registered = false;
    this.bookings = [];
    this.waitlist = [];
  }

  /** The dose a new booking is for: the one after the latest booking not cancelled. */
  get nextDose(): number {
    const doses = this.bookings.filter((b) => b.status !== 'cancelled' && b.status !== 'no_show').map((b) => b.dose);
    return Math.min(Math.max(0, ...doses) + 1, 9);
  }

  /** A booking still to happen (予約済み): the resident may change or cancel it. */
  mayChange(booking: Booking): boolean {
    return booking.status === 'reserved';
  }

  /** The resident's place in line, shown when it can be read; bookings never wait on it. */
  async #readWaitlist(): Promise<void> {
    if (!this.key || !this.registered) {
      this.waitlist = [];
      return;
    }
    this.waitlist = await api.myWaitlist(this.key).then(
      (answer) => answer.entries,
      () => this.waitlist,
    );
  }

  #apply(found: Schemas['LookupResponse']): void {
    this.who = found.resident;
    this.registered = found.registered;
    this.bookings = found.bookings ?? [];
  }
}
