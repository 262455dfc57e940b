// 接種予約 and キャンセル (src-tauri/commands/bookings.rs: book, cancel_booking).
import { call } from '../api';
import type { Visibility } from '../types';
import type { BookingStatus, ResidentKey, SyncState } from './residents';

export type BookRequest = { resident: ResidentKey; slot_id: string; dose: number };

/** A booking with its slot and resident (the `day_list` view's row). */
export type BookingRow = {
  booking_id: string;
  venue_id: string;
  venue_name: string;
  vaccine_code: string;
  vaccine_name: string;
  date: string;
  start_time: string;
  end_time: string;
  slot_id: string;
  slot_name: string;
  visibility: Visibility;
  municipality_code: string;
  ticket_number: string;
  birth_date: string;
  family_name_kana: string | null;
  given_name_kana: string | null;
  phone: string | null;
  dose: number;
  status: BookingStatus;
  channel: string;
  lot_number: string | null;
  vaccinated_at: string | null;
  sync_state: SyncState;
  starts_label: string;
  status_label: string;
  sync_state_label: string;
};

/** A slot as the rules see it (times are RFC 3339 instants). */
export type CoreSlot = {
  id: string;
  venue_id: string;
  vaccine_code: string;
  name: string;
  starts_at: string;
  ends_at: string;
  visibility: Visibility;
  capacity: number;
  booked: number;
  period: number | null;
};

/** Whether the server can still refuse the booking for want of a seat. */
export type Certainty = { kind: 'private_slot' } | { kind: 'leased_seat'; lease_id: string } | { kind: 'tentative' };

export type IntervalCheck =
  | { kind: 'ok' }
  | { kind: 'late_warning'; days: number; warn_after_days: number }
  | { kind: 'too_early'; days: number; earliest: string };

export type PrivateFirst = { slot: CoreSlot; message_ja: string; message_en: string };

export type Proposal =
  | { kind: 'same_venue'; slots: CoreSlot[] }
  | { kind: 'no_seats_on_the_date'; nearby: CoreSlot[] }
  | { kind: 'mass_vaccination_venue'; window_last: string };

export type SecondDosePlan = { standard_date: string; earliest_date: string; proposal: Proposal };

export type Booked = {
  booking: BookingRow;
  certainty: Certainty;
  /** 予約確定 or 仮予約 */
  certainty_label: string;
  interval_warning: IntervalCheck | null;
  private_first: PrivateFirst | null;
  second_dose: SecondDosePlan | null;
};

export const reserveApi = {
  book: (request: BookRequest) => call<Booked>('book', { request }),
  cancel: (bookingId: string) => call<BookingRow>('cancel_booking', { bookingId }),
};
