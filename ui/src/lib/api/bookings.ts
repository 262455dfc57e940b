// 予約の変更, 受付 and the 4-1 list: typed wrappers around the shell's booking commands
// (src-tauri/commands/bookings.rs), and the cache reads these screens need. Every wrapper rejects
// with a CommandError.
import { commands } from '../api';
import { select } from '../db';
import type { BookingRow, SlotRow } from '../types';

export type { BookingRow, BookingStatus, SyncState } from '../types';
export type {
  Changed,
  DayPlanView,
  DoseCount,
  FillView,
  Message as Notice,
  Moved,
  OpenVialOffered,
  OpenVials,
  PlanView,
  ReleasedSeats,
  SameDayCheck,
  SpareView,
  VialState,
  VialUse,
  VialView,
} from '../generated/ipc';

/** Which day's list: the 4-1 search and 受付 both ask by venue, vaccine and date. */
export type DayQuery = { venueId: string; vaccineCode: string; date: string };

export const bookingsApi = {
  changeBooking: commands.changeBooking,
  checkSameDayMove: commands.checkSameDayMove,
  sameDayMove: commands.sameDayMove,
  checkIn: commands.checkIn,
  /** `vaccinatedAt` null: now. */
  recordVaccination: commands.recordVaccination,
  markNoShow: commands.markNoShow,
  dayList: (q: DayQuery) => commands.dayList(q.venueId, q.vaccineCode, q.date),
  /** Saves the list as CSV in the Downloads folder; answers the file's path. */
  saveDayListCsv: (q: DayQuery) => commands.saveDayListCsv(q.venueId, q.vaccineCode, q.date),
  openVials: (q: DayQuery) => commands.openVials(q.venueId, q.vaccineCode, q.date),
  /** ★ The doses left in an open vial, offered to the city's waiting list (online only). */
  offerOpenVial: (q: DayQuery, doses: number, startsAt: string) =>
    commands.offerOpenVial(q.venueId, q.vaccineCode, doses, startsAt),
  /** Free seats of a 非公開枠 given to the city's waiting list (online only). */
  releaseToWaitlist: commands.releaseToWaitlist,
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
