// 接種予約, 続けて2回目 (at this venue or the city's mass venue) and キャンセル
// (src-tauri/commands/bookings.rs: book, second_dose_plan, mass_venue_offer, book_at_mass_venue,
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
  mass_venue: boolean;
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

/** A slot with seats at the city's mass venue (市総合体育館等). */
export type MassVenueSlot = {
  slot_id: string;
  venue_name: string;
  slot_name: string;
  date: string;
  start_time: string;
  end_time: string;
  remaining: number;
};

export type MassVenueOffer = {
  standard_date: string;
  earliest_date: string;
  /** The days with seats. */
  days: string[];
  /** The day whose slots are listed. */
  day: string | null;
  slots: MassVenueSlot[];
};

export type MassVenueBooked = {
  booking_id: string;
  dose: number;
  ticket_number: string;
  venue_name: string;
  slot_name: string;
  date: string;
  start_time: string;
  end_time: string;
  /** 予約確定: the city server took it. */
  certainty_label: string;
};

export const reserveApi = {
  book: (request: BookRequest) => call<Booked>('book', { request }),
  /** null for a booking of dose 2 or later. */
  secondDosePlan: (bookingId: string) => call<SecondDosePlan | null>('second_dose_plan', { bookingId }),
  massVenueOffer: (bookingId: string, day: string | null) =>
    call<MassVenueOffer>('mass_venue_offer', { bookingId, day }),
  bookAtMassVenue: (bookingId: string, slotId: string) =>
    call<MassVenueBooked>('book_at_mass_venue', { bookingId, slotId }),
  cancel: (bookingId: string) => call<LabelledBookingRow>('cancel_booking', { bookingId }),
};
