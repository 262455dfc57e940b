// The 接種予約 step's reads of the local cache (views slot_calendar and slot_list), read-only
// through tauri-plugin-sql like lib/db.ts. lib/db.ts exports only the TOP screen's query, so this
// keeps its own handle on the same database URL; a handle closed by a logout is loaded again.
import Database from '@tauri-apps/plugin-sql';
import { normalizeError } from '../errors';
import type { SlotRow } from '../types';
import type { CalendarRow } from './dates';

let handle: { url: string; db: Promise<Database> } | null = null;

function open(url: string, fresh: boolean): Promise<Database> {
  if (!fresh && handle && handle.url === url) return handle.db;
  const db = Database.load(url);
  handle = { url, db };
  db.catch(() => {
    if (handle?.db === db) handle = null;
  });
  return db;
}

async function select<T>(url: string, query: string, params: unknown[]): Promise<T[]> {
  try {
    return await (await open(url, false)).select<T[]>(query, params);
  } catch {
    // The pool may have been closed by a logout since: load it once more.
    try {
      return await (await open(url, true)).select<T[]>(query, params);
    } catch (error) {
      throw normalizeError(error);
    }
  }
}

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
