// 接種予約, 続けて2回目 and キャンセル (src-tauri/commands/bookings.rs: book, second_dose_plan,
// cancel_booking).
import { call } from '../api';
import type { Certainty, IntervalCheck, LabelledBookingRow, Visibility } from '../types';
import type { ResidentKey } from './residents';

export type BookRequest = { resident: ResidentKey; slot_id: string; dose: number };

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

export type PrivateFirst = { slot: CoreSlot; message_ja: string; message_en: string };

export type Proposal =
  | { kind: 'same_venue'; slots: CoreSlot[] }
  | { kind: 'no_seats_on_the_date'; nearby: CoreSlot[] }
  | { kind: 'mass_vaccination_venue'; window_last: string };

export type SecondDosePlan = { standard_date: string; earliest_date: string; proposal: Proposal };

export type Booked = {
  booking: LabelledBookingRow;
  certainty: Certainty;
  /** 予約確定 or 仮予約 */
  certainty_label: string;
  interval_warning: IntervalCheck | null;
  private_first: PrivateFirst | null;
};

export const reserveApi = {
  book: (request: BookRequest) => call<Booked>('book', { request }),
  /** null for a booking of dose 2 or later. */
  secondDosePlan: (bookingId: string) => call<SecondDosePlan | null>('second_dose_plan', { bookingId }),
  cancel: (bookingId: string) => call<LabelledBookingRow>('cancel_booking', { bookingId }),
};
