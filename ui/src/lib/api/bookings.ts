// 予約の変更, 受付 and the 4-1 list: typed wrappers around the shell's booking commands
// (src-tauri/commands/bookings.rs), and the cache reads these screens need. Every wrapper rejects
// with a CommandError.
import { call } from '../api';
import { select } from '../db';
import type { BookingRow, Certainty, IntervalCheck, SlotRow } from '../types';

export type { BookingRow, BookingStatus, SyncState } from '../types';

export type Notice = { message_ja: string; message_en: string };

export type Booked = {
  booking: BookingRow;
  certainty: Certainty;
  /** 予約確定 or 仮予約 */
  certainty_label: string;
  interval_warning: IntervalCheck | null;
  private_first: (Notice & { slot: unknown }) | null;
};

/** 後日への変更: the old booking cancelled and the dose booked again, as one step. */
export type Changed = { cancelled: BookingRow; booked: Booked };

/** 予約枠 / 接種回数 変更前 → 変更後 for one time of the day. */
export type DoseCount = { start_time: string; end_time: string; before: number; after: number };

export type VialView = { diluted_at: string; use_by: string; doses: number };

export type PlanView = { total_doses: number; vial_count: number; wasted: number; vials: VialView[] };

export type SpareView = { diluted_at: string; use_by: string; spare: number };

export type FillView = Notice & { bookings: number; vials: SpareView[] };

/** The manual's table for a same-day change (3-2 ②), and the verdict. */
export type SameDayCheck = {
  feasible: boolean;
  from: SlotRow;
  to: SlotRow;
  table: DoseCount[];
  before: PlanView;
  after: PlanView;
  /** Why not, in the manual's two conditions; empty when feasible. */
  reasons: Notice[];
  fill: FillView | null;
  alternatives: SlotRow[];
  exceeds_capacity: boolean;
};

export type Moved = { booking: BookingRow; check: SameDayCheck };

export type VialState = 'open' | 'used_up' | 'expired';

export type VialUse = {
  number: number;
  opened_at: string;
  use_by: string;
  /** Tokyo wall-clock 'HH:MM' */
  opened_time: string;
  use_by_time: string;
  doses_used: number;
  doses_left: number;
  state: VialState;
};

export type OpenVials = {
  date: string;
  vaccine_code: string;
  doses_per_vial: number;
  usable_hours: number;
  vials: VialUse[];
  doses_given: number;
  doses_left: number;
  doses_wasted: number;
  /** The day as booked (row ★): its doses against the fewest vials, and what it would waste. */
  day_plan: { plan: PlanView; fill: FillView | null };
};

/** Which day's list: the 4-1 search and 受付 both ask by venue, vaccine and date. */
export type DayQuery = { venueId: string; vaccineCode: string; date: string };

export const bookingsApi = {
  changeBooking: (bookingId: string, slotId: string) => call<Changed>('change_booking', { bookingId, slotId }),
  checkSameDayMove: (bookingId: string, slotId: string) =>
    call<SameDayCheck>('check_same_day_move', { bookingId, slotId }),
  sameDayMove: (bookingId: string, slotId: string) => call<Moved>('same_day_move', { bookingId, slotId }),
  checkIn: (bookingId: string) => call<BookingRow>('check_in', { bookingId }),
  /** `vaccinatedAt` null: now. */
  recordVaccination: (bookingId: string, lotNumber: string, vaccinatedAt: string | null) =>
    call<BookingRow>('record_vaccination', { bookingId, lotNumber, vaccinatedAt }),
  markNoShow: (bookingId: string) => call<BookingRow>('mark_no_show', { bookingId }),
  dayList: (q: DayQuery) => call<BookingRow[]>('day_list', { ...q }),
  /** Saves the list as CSV in the Downloads folder; answers the file's path. */
  saveDayListCsv: (q: DayQuery) => call<string>('save_day_list_csv', { ...q }),
  openVials: (q: DayQuery) => call<OpenVials>('open_vials', { ...q }),
};

// --- Cache reads (through db.ts's one read-only handle) -----------------------------------

const SLOT_COLUMNS =
  'slot_id, venue_id, venue_number, venue_name, vaccine_code, vaccine_name, slot_name, date, start_time, end_time, ' +
  'visibility, capacity, booked, remaining';

/** One booking as the day list shows it; null if the cache does not have it. */
export async function selectBooking(url: string, bookingId: string): Promise<BookingRow | null> {
  const rows = await select<BookingRow>(url, 'SELECT * FROM day_list WHERE booking_id = $1', [bookingId]);
  return rows[0] ?? null;
}

/** The bookings with these ids that the cache has. */
export function selectBookings(url: string, ids: readonly string[]): Promise<BookingRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return select<BookingRow>(url, 'SELECT * FROM day_list WHERE booking_id IN (SELECT value FROM json_each($1))', [
    JSON.stringify(ids),
  ]);
}

/** The slots with these ids that the cache has. */
export function selectSlots(url: string, ids: readonly string[]): Promise<SlotRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return select<SlotRow>(url, `SELECT ${SLOT_COLUMNS} FROM slot_list WHERE slot_id IN (SELECT value FROM json_each($1))`, [
    JSON.stringify(ids),
  ]);
}

/** A venue's slots for one vaccine from `fromDate` on, by date and time, 公開枠 before 非公開枠. */
export function selectVenueSlots(url: string, venueId: string, vaccineCode: string, fromDate: string): Promise<SlotRow[]> {
  return select<SlotRow>(
    url,
    `SELECT ${SLOT_COLUMNS} FROM slot_list WHERE venue_id = $1 AND vaccine_code = $2 AND date >= $3 ` +
      'ORDER BY date, start_time, visibility DESC',
    [venueId, vaccineCode, fromDate],
  );
}

/** A vaccine a venue has slots for. */
export type VenueVaccine = { venue_id: string; vaccine_code: string; vaccine_name: string };

/** The vaccines each venue has slots for, for the venue and vaccine pickers. */
export function selectVenueVaccines(url: string): Promise<VenueVaccine[]> {
  return select<VenueVaccine>(
    url,
    'SELECT DISTINCT venue_id, vaccine_code, vaccine_name FROM slot_list ORDER BY vaccine_name, vaccine_code',
    [],
  );
}
