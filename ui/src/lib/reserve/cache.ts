// The 接種予約 step's reads of the local cache (views slot_calendar and slot_list), read-only
// through tauri-plugin-sql (lib/db.ts).
import { select } from '../db';
import type { SlotRow } from '../types';
import type { CalendarRow } from './dates';

export type VaccineOption = { vaccine_code: string; vaccine_name: string };

/** The vaccines the venue has slots for from `from` on. */
export function selectVaccines(url: string, venueId: string, from: string): Promise<VaccineOption[]> {
  return select<VaccineOption>(
    url,
    'SELECT DISTINCT vaccine_code, vaccine_name FROM slot_list WHERE venue_id = $1 AND date >= $2 ORDER BY vaccine_name',
    [venueId, from],
  );
}

/** The venue's days with slots for the vaccine, `from`..`to`, with the seats left. */
export function selectCalendar(
  url: string,
  venueId: string,
  vaccineCode: string,
  from: string,
  to: string,
): Promise<CalendarRow[]> {
  return select<CalendarRow>(
    url,
    'SELECT venue_id, vaccine_code, date, public_remaining, private_remaining, remaining, capacity, slot_count ' +
      'FROM slot_calendar WHERE venue_id = $1 AND vaccine_code = $2 AND date BETWEEN $3 AND $4 ORDER BY date',
    [venueId, vaccineCode, from, to],
  );
}

/** The venue's slots for the vaccine on `date`, by time, 公開枠 before 非公開枠 as the manual lists them. */
export function selectDaySlots(url: string, venueId: string, vaccineCode: string, date: string): Promise<SlotRow[]> {
  return select<SlotRow>(
    url,
    'SELECT slot_id, venue_id, venue_number, venue_name, vaccine_code, vaccine_name, slot_name, date, start_time, ' +
      'end_time, visibility, capacity, booked, remaining FROM slot_list ' +
      'WHERE venue_id = $1 AND vaccine_code = $2 AND date = $3 ORDER BY start_time, visibility DESC',
    [venueId, vaccineCode, date],
  );
}
